using System.Globalization;
using System.Text.RegularExpressions;
using Crm.Engine.Abstractions.Import;
using Crm.Engine.Abstractions.Metadata;

namespace Crm.Engine.Import;

/// <summary>A cell that cannot become a value of its field.</summary>
/// <param name="Rule">The rule broken (<c>type</c>, <c>ambiguous_date</c>, <c>option</c>...).</param>
/// <param name="Message">What is wrong and how to fix it.</param>
internal readonly record struct ConversionError(string Rule, string Message);

/// <summary>
/// Turns the text of one column into a value of its field's canonical type, driven by the field's metadata and the
/// mapping: value map, trimming, blank as null, numbers in a culture, booleans, dates with formats and a day/month
/// order that is configured, never guessed.
/// </summary>
internal sealed partial class ValueConverter
{
    private static readonly string[] TrueWords = ["true", "yes", "y", "1"];
    private static readonly string[] FalseWords = ["false", "no", "n", "0"];

    private readonly TenantField _field;
    private readonly Dictionary<string, string?> _valueMap;
    private readonly string[] _formats;
    private readonly CultureInfo _culture;
    private readonly bool? _dayFirst;
    private readonly TimeZoneInfo _timeZone;
    private readonly bool _trim;
    private readonly string _separator;
    private readonly Dictionary<string, string>? _options;

    /// <param name="field">The field the column is imported into.</param>
    /// <param name="column">The column's mapping, if any.</param>
    /// <param name="mapping">The import's mapping.</param>
    /// <param name="culture">The culture numbers are read with.</param>
    /// <param name="dayFirst">The day/month order of numeric dates, if known.</param>
    /// <param name="timeZone">The zone of date-times without an offset.</param>
    /// <param name="lookupBy">For a look-up imported by a field of its target: that field, which the cell is converted as (the look-up is resolved per batch).</param>
    public ValueConverter(TenantField field, ColumnMapping? column, ImportMapping mapping, CultureInfo culture, bool? dayFirst, TimeZoneInfo timeZone, TenantField? lookupBy = null)
    {
        Field = field;
        LookupBy = lookupBy;
        field = lookupBy ?? field;
        _field = field;
        _valueMap = new Dictionary<string, string?>(column?.ValueMap ?? new Dictionary<string, string?>(), StringComparer.OrdinalIgnoreCase);
        _formats = [.. column?.Formats ?? [], .. mapping.DateFormats];
        _culture = culture;
        _dayFirst = dayFirst;
        _timeZone = timeZone;
        _trim = mapping.Trim;
        _separator = string.IsNullOrEmpty(column?.Separator) ? ";" : column.Separator;
        if (field.Type is FieldType.Choice or FieldType.MultiChoice)
        {
            // Option values first, then labels, compared without case.
            _options = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var option in field.Definition.Options)
            {
                _options.TryAdd(option.Value, option.Value);
            }

            foreach (var option in field.Definition.Options)
            {
                _options.TryAdd(option.Label, option.Value);
            }
        }
    }

    /// <summary>The field the column is imported into.</summary>
    public TenantField Field { get; }

    /// <summary>The field of the look-up's target the cell is a value of (see <see cref="ColumnMapping.LookupBy"/>), or null.</summary>
    public TenantField? LookupBy { get; }

    /// <summary>Converts a cell. A blank cell (after trimming and the value map) is <see langword="null"/>.</summary>
    public ConversionError? Convert(string cell, out object? value)
    {
        value = null;
        var text = _trim ? cell.Trim() : cell;
        if (_valueMap.Count > 0 && _valueMap.TryGetValue(_trim ? text : text.Trim(), out var mapped))
        {
            text = mapped ?? string.Empty;
        }

        if (text.Length == 0 || (!_trim && string.IsNullOrWhiteSpace(text) && _field.Type != FieldType.Text))
        {
            return null;
        }

        switch (_field.Type)
        {
            case FieldType.Text:
            case FieldType.Email:
            case FieldType.Phone:
                value = text;
                return null;
            case FieldType.Number:
            case FieldType.Money:
                return ParseNumber(text, out value);
            case FieldType.Bool:
                if (TrueWords.Contains(text, StringComparer.OrdinalIgnoreCase))
                {
                    value = true;
                    return null;
                }

                if (FalseWords.Contains(text, StringComparer.OrdinalIgnoreCase))
                {
                    value = false;
                    return null;
                }

                return new ConversionError("type", $"'{text}' is not a yes/no value (true/false, yes/no, y/n, 1/0); map other words with a value map.");
            case FieldType.Date:
            {
                var error = ParseDateTime(text, dateOnly: true, out var date, out _);
                value = error is null ? date : null;
                return error;
            }

            case FieldType.DateTime:
            {
                var error = ParseDateTime(text, dateOnly: false, out _, out var instant);
                value = error is null ? instant : null;
                return error;
            }

            case FieldType.Choice:
                if (_options!.TryGetValue(text, out var option))
                {
                    value = option;
                    return null;
                }

                return UnknownOption(text);
            case FieldType.MultiChoice:
            {
                var values = new List<string>();
                foreach (var part in text.Split(_separator, StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                {
                    var item = _valueMap.TryGetValue(part, out var m) ? m ?? string.Empty : part;
                    if (item.Length == 0)
                    {
                        continue;
                    }

                    if (!_options!.TryGetValue(item, out var o))
                    {
                        return UnknownOption(item);
                    }

                    if (!values.Contains(o))
                    {
                        values.Add(o);
                    }
                }

                value = values.Count == 0 ? null : values;
                return null;
            }

            case FieldType.Lookup:
                if (Guid.TryParse(text, out var id))
                {
                    value = id;
                    return null;
                }

                return new ConversionError("type", $"'{text}' is not a record id (a GUID).");
            default:
                value = text;
                return null;
        }
    }

    private ConversionError UnknownOption(string text)
    {
        var near = Suggestions.Closest(text, _field.Definition.Options.Select(o => o.Value).Concat(_field.Definition.Options.Select(o => o.Label)));
        return new ConversionError("option", $"'{text}' is not an option of {_field.ApiName} ({string.Join(", ", _field.Definition.Options.Select(o => o.Value).Take(20))}).{(near is null ? string.Empty : $" Did you mean '{near}'?")} Map other spellings with a value map.");
    }

    private ConversionError? ParseNumber(string text, out object? value)
    {
        value = null;
        var format = _culture.NumberFormat;
        var group = format.NumberGroupSeparator;
        var cultureName = _culture.Name.Length == 0 ? "invariant" : _culture.Name;
        if (group.Length > 0 && text.Contains(group, StringComparison.Ordinal) && !ValidGrouping(text, group, format.NumberDecimalSeparator))
        {
            return new ConversionError("type", $"'{text}' is not a number in the {cultureName} culture ('{group}' separates thousands there, in groups of three; set the mapping's culture if the file writes numbers differently).");
        }

        if (!decimal.TryParse(text, NumberStyles.Float | NumberStyles.AllowThousands, _culture, out var number))
        {
            return new ConversionError("type", $"'{text}' is not a number in the {cultureName} culture (e.g. {1234.5m.ToString("N1", _culture)}); set the mapping's culture if the file writes numbers differently.");
        }

        value = number;
        return null;
    }

    /// <summary>Whether the group separators of a number sit between groups of three digits (so "1,5" is never read as 15).</summary>
    private static bool ValidGrouping(string text, string group, string decimalSeparator)
    {
        var integer = text;
        var dot = text.IndexOf(decimalSeparator, StringComparison.Ordinal);
        if (dot >= 0)
        {
            integer = text[..dot];
        }

        var parts = integer.TrimStart('-', '+').Split(group);
        if (parts[0].Length is 0 or > 3)
        {
            return false;
        }

        for (var i = 1; i < parts.Length; i++)
        {
            if (parts[i].Length != 3)
            {
                return false;
            }
        }

        return true;
    }

    private ConversionError? ParseDateTime(string text, bool dateOnly, out DateOnly date, out DateTimeOffset instant)
    {
        date = default;
        instant = default;
        DateTime local;
        foreach (var format in _formats)
        {
            if (format.Contains('z', StringComparison.Ordinal) || format.Contains('K', StringComparison.Ordinal))
            {
                if (!dateOnly && DateTimeOffset.TryParseExact(text, format, _culture, DateTimeStyles.AllowWhiteSpaces, out var withOffset))
                {
                    instant = withOffset.ToUniversalTime();
                    return null;
                }

                continue;
            }

            if (DateTime.TryParseExact(text, format, _culture, DateTimeStyles.AllowWhiteSpaces, out local))
            {
                return Finish(text, local, dateOnly, out date, out instant);
            }
        }

        // ISO 8601 with an offset or Z: an instant.
        if (!dateOnly && IsoWithOffset().IsMatch(text)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var iso))
        {
            instant = iso.ToUniversalTime();
            return null;
        }

        var match = NumericDate().Match(text);
        if (!match.Success)
        {
            return new ConversionError("type", _formats.Length == 0
                ? $"'{text}' is not a {(dateOnly ? "date" : "date and time")} (yyyy-MM-dd{(dateOnly ? string.Empty : " HH:mm[:ss]")}, or day/month/year with a configured order); give the column's format in the mapping."
                : $"'{text}' matches none of the formats {string.Join(", ", _formats)} nor yyyy-MM-dd.");
        }

        int year, month, day;
        var yearFirst = match.Groups["y1"].Success;
        if (yearFirst)
        {
            (year, month, day) = (Int(match, "y1"), Int(match, "a1"), Int(match, "b1"));
        }
        else
        {
            var yearText = match.Groups["y2"].Value;
            if (yearText.Length == 2)
            {
                return new ConversionError("ambiguous_date", $"'{text}' has a two-digit year: the century is not guessed; give the column's format (e.g. dd/MM/yy) in the mapping.");
            }

            year = Int(match, "y2");
            var (a, b) = (Int(match, "a2"), Int(match, "b2"));
            var dayFirst = _dayFirst;
            if (dayFirst is null)
            {
                if (a == b || a > 12 || (b > 12 && a <= 12))
                {
                    dayFirst = a > 12 || a == b;
                }
                else
                {
                    return new ConversionError("ambiguous_date", $"'{text}' could be {Show(year, b, a)} or {Show(year, a, b)}: day and month are not guessed. Set dayFirst (true for dd/MM/yyyy, false for MM/dd/yyyy) or the culture in the mapping.");
                }
            }

            (day, month) = dayFirst.Value ? (a, b) : (b, a);
        }

        if (month is < 1 or > 12 || day < 1 || year < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return new ConversionError("type", $"'{text}' is not a valid date (day {day}, month {month}, year {year}{(_dayFirst is null || yearFirst ? string.Empty : _dayFirst.Value ? ", read day first" : ", read month first")}).");
        }

        var time = TimeSpan.Zero;
        if (match.Groups["h"].Success)
        {
            var (h, m, s) = (Int(match, "h"), Int(match, "m"), match.Groups["s"].Success ? Int(match, "s") : 0);
            if (h > 23 || m > 59 || s > 59)
            {
                return new ConversionError("type", $"'{text}' has an invalid time of day.");
            }

            time = new TimeSpan(h, m, s);
            if (match.Groups["f"].Success)
            {
                time += TimeSpan.FromTicks(long.Parse(match.Groups["f"].Value.PadRight(7, '0')[..7], CultureInfo.InvariantCulture));
            }
        }

        local = new DateTime(year, month, day, 0, 0, 0, DateTimeKind.Unspecified) + time;
        return Finish(text, local, dateOnly, out date, out instant);
    }

    private ConversionError? Finish(string text, DateTime local, bool dateOnly, out DateOnly date, out DateTimeOffset instant)
    {
        date = default;
        instant = default;
        if (dateOnly)
        {
            if (local.TimeOfDay != TimeSpan.Zero)
            {
                return new ConversionError("type", $"'{text}' has a time of day, but {_field.ApiName} is a date: map it to a date-time field or give a date-only format.");
            }

            date = DateOnly.FromDateTime(local);
            return null;
        }

        if (local.Kind == DateTimeKind.Utc)
        {
            instant = new DateTimeOffset(local);
            return null;
        }

        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        if (_timeZone.IsInvalidTime(local))
        {
            return new ConversionError("type", $"'{text}' does not exist in time zone {_timeZone.Id} (the clocks skip it); write the offset.");
        }

        if (_timeZone.IsAmbiguousTime(local))
        {
            return new ConversionError("ambiguous_date", $"'{text}' happens twice in time zone {_timeZone.Id} (the clocks go back); write the offset.");
        }

        instant = new DateTimeOffset(local, _timeZone.GetUtcOffset(local)).ToUniversalTime();
        return null;
    }

    private static string Show(int year, int month, int day) =>
        month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month)
            ? new DateOnly(year, month, day).ToString("d MMMM yyyy", CultureInfo.InvariantCulture)
            : $"{year}-{month:00}-{day:00}";

    private static int Int(Match match, string group) => int.Parse(match.Groups[group].ValueSpan, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex IsoWithOffset();

    [GeneratedRegex(@"^(?:(?<y1>\d{4})[-/.](?<a1>\d{1,2})[-/.](?<b1>\d{1,2})|(?<a2>\d{1,2})[-/.](?<b2>\d{1,2})[-/.](?<y2>\d{4}|\d{2}))(?:[T ](?<h>\d{1,2}):(?<m>\d{2})(?::(?<s>\d{2})(?:\.(?<f>\d{1,7}))?)?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex NumericDate();
}
