using System.Diagnostics.CodeAnalysis;

namespace Crm.Engine.Abstractions.Records;

/// <summary>
/// A reference to a record of any entity type: the canonical value of a look-up field whose target is <c>*</c>
/// (e.g. an activity's <c>regarding</c>). Written as <c>entityType/id</c>.
/// </summary>
/// <param name="EntityType">The entity type's API name.</param>
/// <param name="Id">The record id.</param>
public sealed record RecordRef(string EntityType, Guid Id)
{
    /// <inheritdoc />
    public override string ToString() => $"{EntityType}/{Id}";

    /// <summary>Reads the <c>entityType/id</c> form.</summary>
    /// <param name="text">The text.</param>
    /// <param name="value">The reference, when the text is well formed.</param>
    /// <returns>Whether the text is well formed.</returns>
    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out RecordRef? value)
    {
        value = null;
        if (text is null)
        {
            return false;
        }

        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || !Guid.TryParse(text.AsSpan(slash + 1), out var id))
        {
            return false;
        }

        value = new RecordRef(text[..slash], id);
        return true;
    }
}
