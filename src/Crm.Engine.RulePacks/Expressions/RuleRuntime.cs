using System.Globalization;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Records;

namespace Crm.Engine.RulePacks.Expressions;

/// <summary>
/// The only methods compiled pack expressions call. Every function of the expression language maps to one of these;
/// nothing else is reachable from a pack (no reflection, no arbitrary members).
/// </summary>
internal static class RuleRuntime
{
    private const decimal MaxDurationDays = 36_500;

    public static string? ReadText(CrmRecord record, string field) => record[field] switch
    {
        null => null,
        string s => s,
        RecordRef r => r.ToString(),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        var other => other.ToString(),
    };

    public static decimal? ReadNumber(CrmRecord record, string field) => record[field] switch
    {
        decimal d => d,
        int i => i,
        long l => l,
        double d => (decimal)d,
        _ => null,
    };

    public static bool? ReadBool(CrmRecord record, string field) => record[field] as bool?;

    public static DateOnly? ReadDate(CrmRecord record, string field) => record[field] switch
    {
        DateOnly d => d,
        DateTimeOffset t => DateOnly.FromDateTime(t.UtcDateTime),
        _ => null,
    };

    public static DateTimeOffset? ReadDateTime(CrmRecord record, string field) => record[field] switch
    {
        DateTimeOffset t => t,
        DateOnly d => new DateTimeOffset(d.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero),
        _ => null,
    };

    public static Guid? ReadId(CrmRecord record, string field) => record[field] switch
    {
        Guid g => g,
        RecordRef r => r.Id,
        _ => null,
    };

    public static IReadOnlyList<string>? ReadTextList(CrmRecord record, string field) => record[field] switch
    {
        IReadOnlyList<string> list => list,
        IEnumerable<string> items => items.ToList(),
        _ => null,
    };

    public static TimeSpan? Duration(decimal? amount, decimal unitMinutes)
    {
        if (amount is not { } a)
        {
            return null;
        }

        var minutes = a * unitMinutes;
        if (Math.Abs(minutes) > MaxDurationDays * 24 * 60)
        {
            throw new OverflowException($"a duration longer than {MaxDurationDays} days");
        }

        return TimeSpan.FromMinutes((double)minutes);
    }

    public static DateOnly? AddToDate(DateOnly? date, TimeSpan? span) =>
        date is { } d && span is { } s ? d.AddDays((int)Math.Floor(s.TotalDays)) : null;

    public static string? Concat(string? left, string? right) => left is null && right is null ? null : string.Concat(left, right);

    public static bool Contains(string? text, string? part) => text is not null && part is not null && text.Contains(part, StringComparison.OrdinalIgnoreCase);

    public static bool StartsWith(string? text, string? part) => text is not null && part is not null && text.StartsWith(part, StringComparison.OrdinalIgnoreCase);

    public static bool EndsWith(string? text, string? part) => text is not null && part is not null && text.EndsWith(part, StringComparison.OrdinalIgnoreCase);

    public static bool ListContains(IReadOnlyList<string>? list, string? item) => list is not null && item is not null && list.Contains(item, StringComparer.Ordinal);

    public static decimal? Length(string? text) => text?.Length;

    public static decimal? Count(IReadOnlyList<string>? list) => list?.Count;

    public static string? Lower(string? text) => text?.ToLowerInvariant();

    public static string? Upper(string? text) => text?.ToUpperInvariant();

    public static string? Trim(string? text) => text?.Trim();

    public static bool IsBlank(string? text) => string.IsNullOrWhiteSpace(text);

    public static decimal? Abs(decimal? value) => value is { } v ? Math.Abs(v) : null;

    public static decimal? Round(decimal? value, decimal? digits) =>
        value is { } v ? Math.Round(v, (int)Math.Clamp(digits ?? 0, 0, 10), MidpointRounding.AwayFromZero) : null;

    public static decimal? Min(decimal? a, decimal? b) => a is { } x && b is { } y ? Math.Min(x, y) : a ?? b;

    public static decimal? Max(decimal? a, decimal? b) => a is { } x && b is { } y ? Math.Max(x, y) : a ?? b;

    public static decimal? TotalHours(TimeSpan? span) => span is { } s ? (decimal)s.TotalHours : null;

    public static decimal? TotalDays(TimeSpan? span) => span is { } s ? (decimal)s.TotalDays : null;

    /// <summary>The instant <paramref name="hours"/> of working time after <paramref name="start"/> on a calendar of the evaluation.</summary>
    public static DateTimeOffset? AddBusinessHours(DateTimeOffset? start, decimal? hours, string calendar)
    {
        if (start is not { } s || hours is not { } h)
        {
            return null;
        }

        if (h < 0 || h > MaxDurationDays * 24)
        {
            throw new RuleRuntimeException($"addBusinessHours needs 0 to {MaxDurationDays * 24} hours, not {h.ToString(CultureInfo.InvariantCulture)}");
        }

        try
        {
            return EvaluationContext.Current.Calendar(calendar).AddBusinessTime(s, TimeSpan.FromHours((double)h));
        }
        catch (CrmException ex)
        {
            throw new RuleRuntimeException(ex.Message, ex);
        }
    }

    /// <summary>The instant <paramref name="days"/> working days after <paramref name="start"/> on a calendar of the evaluation.</summary>
    public static DateTimeOffset? AddBusinessDays(DateTimeOffset? start, decimal? days, string calendar)
    {
        if (start is not { } s || days is not { } d)
        {
            return null;
        }

        if (d < 0 || d > MaxDurationDays || decimal.Truncate(d) != d)
        {
            throw new RuleRuntimeException($"addBusinessDays needs a whole number of days from 0 to {MaxDurationDays}, not {d.ToString(CultureInfo.InvariantCulture)}");
        }

        try
        {
            return EvaluationContext.Current.Calendar(calendar).AddBusinessDays(s, (int)d);
        }
        catch (CrmException ex)
        {
            throw new RuleRuntimeException(ex.Message, ex);
        }
    }

    /// <summary>Whether the record was created by the change that triggered the evaluation.</summary>
    public static bool IsNew(CrmRecord record) =>
        EvaluationContext.Current.Changes.TryGetValue(record.Id, out var change) && change.IsCreated;

    /// <summary>Whether the record was updated by the change that triggered the evaluation.</summary>
    public static bool IsUpdated(CrmRecord record) =>
        EvaluationContext.Current.Changes.TryGetValue(record.Id, out var change) && !change.IsCreated;

    /// <summary>Whether the triggering change set the field: an update changed it, or a creation gave it a value.</summary>
    public static bool Changed(CrmRecord record, string field, bool hasValue) =>
        EvaluationContext.Current.Changes.TryGetValue(record.Id, out var change)
        && (change.IsCreated ? hasValue : change.ChangedFields.Contains(field));

    /// <summary>The record as it was before the triggering change; null when it was created; itself when it did not change.</summary>
    public static CrmRecord? Previous(CrmRecord record) =>
        EvaluationContext.Current.Changes.TryGetValue(record.Id, out var change) ? change.Before : record;
}
