using System.Collections;
using System.Globalization;

namespace Crm.Engine.Cli.Output;

/// <summary>Field values as text for tables and messages: invariant numbers, ISO dates, UTC times.</summary>
internal static class ValueText
{
    public static string Format(object? value) => value switch
    {
        null => string.Empty,
        string text => text,
        bool flag => flag ? "true" : "false",
        DateOnly date => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTimeOffset instant => instant.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        DateTime instant => instant.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
        IEnumerable items => string.Join(", ", items.Cast<object?>().Select(Format)),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };
}
