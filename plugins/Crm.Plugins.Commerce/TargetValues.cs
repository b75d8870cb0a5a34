namespace Crm.Plugins.Commerce;

/// <summary>Reads a pipeline target's value (absent and null look the same).</summary>
internal static class TargetValues
{
    public static object? ValueOf(this IDictionary<string, object?> target, string field) =>
        target.TryGetValue(field, out var value) ? value : null;
}
