using System.Collections;
using System.Globalization;
using System.Text.RegularExpressions;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Records;

namespace Crm.Engine.Metadata;

/// <summary>
/// The rules of field definitions and field values: a definition is checked when registered or added; a value is
/// converted to its canonical type and checked against its field on every write. Pure functions, no I/O.
/// </summary>
internal static partial class FieldRules
{
    public const int DefaultTextMaxLength = 4000;
    public const int MaxPrecision = 10;

    public static List<CrmValidationError> CheckDefinition(string entityType, FieldDefinition field)
    {
        var errors = new List<CrmValidationError>();
        void Add(string rule, string message) => errors.Add(new CrmValidationError(entityType, field.ApiName, null, rule, message));

        if (field.Label is not null && string.IsNullOrWhiteSpace(field.Label))
        {
            Add("label", $"the label of {entityType}.{field.ApiName} is blank; give it a label people can read.");
        }

        if (field.MaxLength is <= 0)
        {
            Add("max_length", $"{entityType}.{field.ApiName}: maximum length {field.MaxLength} must be positive.");
        }

        if (field.MaxLength is not null && field.Type is not (FieldType.Text or FieldType.Email or FieldType.Phone))
        {
            Add("max_length", $"{entityType}.{field.ApiName}: a maximum length only applies to text, e-mail and phone fields, not {field.Type}.");
        }

        if ((field.MinValue is not null || field.MaxValue is not null) && field.Type is not (FieldType.Number or FieldType.Money))
        {
            Add("range", $"{entityType}.{field.ApiName}: a range only applies to number and money fields, not {field.Type}.");
        }

        if (field.MinValue > field.MaxValue)
        {
            Add("range", $"{entityType}.{field.ApiName}: minimum {field.MinValue} is greater than maximum {field.MaxValue}.");
        }

        if (field.Precision is < 0 or > MaxPrecision)
        {
            Add("precision", $"{entityType}.{field.ApiName}: precision {field.Precision} must be between 0 and {MaxPrecision} decimal places.");
        }

        if (field.Type is FieldType.Choice or FieldType.MultiChoice)
        {
            if (field.Options.Count == 0)
            {
                Add("options", $"{entityType}.{field.ApiName} is a {field.Type} field without options; list at least one.");
            }

            foreach (var option in field.Options)
            {
                if (string.IsNullOrWhiteSpace(option.Value) || option.Value.Length > 100)
                {
                    Add("options", $"{entityType}.{field.ApiName} has an option with an empty or over-long value ('{option.Value}').");
                }
            }

            foreach (var dup in field.Options.GroupBy(o => o.Value, StringComparer.Ordinal).Where(g => g.Count() > 1))
            {
                Add("options", $"{entityType}.{field.ApiName} lists option '{dup.Key}' twice.");
            }
        }
        else if (field.Options.Count > 0)
        {
            Add("options", $"{entityType}.{field.ApiName}: options only apply to choice fields, not {field.Type}.");
        }

        if (field.Type == FieldType.Lookup && string.IsNullOrWhiteSpace(field.LookupTarget))
        {
            Add("lookup_target", $"{entityType}.{field.ApiName} is a look-up without a target entity type.");
        }

        if (field.AutoNumber is not null)
        {
            if (field.Type != FieldType.Text)
            {
                Add("auto_number", $"{entityType}.{field.ApiName}: an auto-number format only applies to text fields, not {field.Type}.");
            }
            else if (Work.Numbering.AutoNumberFormat.TryParse(field.AutoNumber, out var formatError) is not { } format)
            {
                Add("auto_number", $"{entityType}.{field.ApiName}: auto-number format '{field.AutoNumber}': {formatError}");
            }
            else if (format.ShortestLength > (field.MaxLength ?? DefaultTextMaxLength))
            {
                Add("auto_number", $"{entityType}.{field.ApiName}: auto-number format '{field.AutoNumber}' gives values of {format.ShortestLength} characters; the field allows {field.MaxLength ?? DefaultTextMaxLength}.");
            }
        }

        return errors;
    }

    /// <summary>Converts a value to the field's canonical type and checks it. Returns the error, or null when valid.</summary>
    public static CrmValidationError? TryCoerce(string entityType, FieldDefinition field, object? value, out object? canonical)
    {
        canonical = null;
        if (value is null or DBNull)
        {
            return null;
        }

        CrmValidationError Fail(string rule, string message) => new(entityType, field.ApiName, value, rule, $"{message}");
        string Show(object v) => v is string s ? $"'{Truncate(s)}'" : Convert.ToString(v, CultureInfo.InvariantCulture) ?? string.Empty;

        switch (field.Type)
        {
            case FieldType.Text:
            case FieldType.Email:
            case FieldType.Phone:
            {
                if (value is not string text)
                {
                    return Fail("type", $"expects text, got {value.GetType().Name} {Show(value)}.");
                }

                var max = field.MaxLength ?? (field.Type == FieldType.Email ? 320 : field.Type == FieldType.Phone ? 50 : DefaultTextMaxLength);
                if (text.Length > max)
                {
                    return Fail("max_length", $"is {text.Length} characters long; at most {max} are allowed.");
                }

                if (field.Type == FieldType.Email && text.Length > 0 && !EmailShape().IsMatch(text))
                {
                    return Fail("format", $"{Show(text)} is not an e-mail address (expected name@domain.tld).");
                }

                if (field.Type == FieldType.Phone && text.Length > 0 && (!PhoneShape().IsMatch(text) || CountDigits(text) < 3))
                {
                    return Fail("format", $"{Show(text)} is not a telephone number (digits, spaces, + - ( ) . / and an optional extension).");
                }

                canonical = text;
                return null;
            }

            case FieldType.Number:
            case FieldType.Money:
            {
                decimal number;
                try
                {
                    number = value switch
                    {
                        decimal d => d,
                        int or long or short or byte or uint or ulong or ushort or sbyte => Convert.ToDecimal(value, CultureInfo.InvariantCulture),
                        double d when double.IsFinite(d) => (decimal)d,
                        float f when float.IsFinite(f) => (decimal)f,
                        _ => throw new FormatException(),
                    };
                }
                catch (Exception ex) when (ex is FormatException or OverflowException or InvalidCastException)
                {
                    return Fail("type", $"expects a number, got {value.GetType().Name} {Show(value)}.");
                }

                if (field.MinValue is { } min && number < min)
                {
                    return Fail("range", $"{number.ToString(CultureInfo.InvariantCulture)} is below the minimum {min.ToString(CultureInfo.InvariantCulture)}.");
                }

                if (field.MaxValue is { } maxValue && number > maxValue)
                {
                    return Fail("range", $"{number.ToString(CultureInfo.InvariantCulture)} is above the maximum {maxValue.ToString(CultureInfo.InvariantCulture)}.");
                }

                var precision = field.Precision ?? (field.Type == FieldType.Money ? 2 : MaxPrecision);
                if (decimal.Round(number, precision) != number)
                {
                    return Fail("precision", $"{number.ToString(CultureInfo.InvariantCulture)} has more than {precision} decimal places.");
                }

                canonical = number;
                return null;
            }

            case FieldType.Date:
                switch (value)
                {
                    case DateOnly d:
                        canonical = d;
                        return null;
                    case DateTime dt when dt.TimeOfDay == TimeSpan.Zero:
                        canonical = DateOnly.FromDateTime(dt);
                        return null;
                    case string s when DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed):
                        canonical = parsed;
                        return null;
                    default:
                        return Fail("type", $"expects a date (DateOnly or yyyy-MM-dd), got {value.GetType().Name} {Show(value)}.");
                }

            case FieldType.DateTime:
                switch (value)
                {
                    case DateTimeOffset dto:
                        canonical = dto.ToUniversalTime();
                        return null;
                    case DateTime dt when dt.Kind != DateTimeKind.Unspecified:
                        canonical = new DateTimeOffset(dt.ToUniversalTime());
                        return null;
                    case DateTime:
                        return Fail("type", "got a DateTime of unspecified kind: the instant is ambiguous; pass a DateTimeOffset or a UTC DateTime.");
                    case string s when DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed) && HasOffset(s):
                        canonical = parsed.ToUniversalTime();
                        return null;
                    default:
                        return Fail("type", $"expects an instant (DateTimeOffset or ISO 8601 text with an offset), got {value.GetType().Name} {Show(value)}.");
                }

            case FieldType.Bool:
                switch (value)
                {
                    case bool b:
                        canonical = b;
                        return null;
                    case string s when bool.TryParse(s, out var parsed):
                        canonical = parsed;
                        return null;
                    default:
                        return Fail("type", $"expects true or false, got {value.GetType().Name} {Show(value)}.");
                }

            case FieldType.Choice:
            {
                if (value is not string choice)
                {
                    return Fail("type", $"expects one option value as text, got {value.GetType().Name} {Show(value)}.");
                }

                var error = CheckOption(entityType, field, choice, value);
                canonical = error is null ? choice : null;
                return error;
            }

            case FieldType.MultiChoice:
            {
                if (value is string || value is not IEnumerable items)
                {
                    return Fail("type", $"expects a list of option values, got {value.GetType().Name} {Show(value)}.");
                }

                var list = new List<string>();
                foreach (var item in items)
                {
                    if (item is not string choice)
                    {
                        return Fail("type", $"expects a list of option values as text, got an item {item?.GetType().Name ?? "null"}.");
                    }

                    if (CheckOption(entityType, field, choice, value) is { } error)
                    {
                        return error;
                    }

                    if (!list.Contains(choice, StringComparer.Ordinal))
                    {
                        list.Add(choice);
                    }
                }

                canonical = list.AsReadOnly();
                return null;
            }

            case FieldType.Lookup:
                if (field.LookupTarget == "*")
                {
                    switch (value)
                    {
                        case RecordRef r when CrmRegistry.IsIdentifier(r.EntityType):
                            canonical = r;
                            return null;
                        case string s when RecordRef.TryParse(s, out var parsed) && CrmRegistry.IsIdentifier(parsed.EntityType):
                            canonical = parsed;
                            return null;
                        case CrmRecord record:
                            canonical = new RecordRef(record.EntityType, record.Id);
                            return null;
                        default:
                            return Fail("type", $"expects a record reference (RecordRef or 'entityType/id'), got {value.GetType().Name} {Show(value)}.");
                    }
                }

                switch (value)
                {
                    case Guid g:
                        canonical = g;
                        return null;
                    case string s when Guid.TryParse(s, out var parsed):
                        canonical = parsed;
                        return null;
                    case CrmRecord record when record.EntityType == field.LookupTarget:
                        canonical = record.Id;
                        return null;
                    case RecordRef r when r.EntityType == field.LookupTarget:
                        canonical = r.Id;
                        return null;
                    default:
                        return Fail("type", $"expects the id of a {field.LookupTarget}, got {value.GetType().Name} {Show(value)}.");
                }

            default:
                return Fail("type", $"has an unsupported type {field.Type}.");
        }
    }

    private static CrmValidationError? CheckOption(string entityType, FieldDefinition field, string choice, object given)
    {
        if (field.Options.Any(o => string.Equals(o.Value, choice, StringComparison.Ordinal)))
        {
            return null;
        }

        var near = field.Options.FirstOrDefault(o => string.Equals(o.Value, choice, StringComparison.OrdinalIgnoreCase))?.Value
            ?? Suggestions.Closest(choice, field.Options.Select(o => o.Value));
        var hint = near is not null
            ? $" Did you mean '{near}'?"
            : $" Allowed: {string.Join(", ", field.Options.Select(o => o.Value))}.";
        return new CrmValidationError(entityType, field.ApiName, given, "unknown_option", $"'{Truncate(choice)}' is not an option.{hint}");
    }

    private static bool HasOffset(string s) => s.EndsWith('Z') || s.EndsWith('z') || OffsetSuffix().IsMatch(s);

    public static string Truncate(string s) => s.Length <= 60 ? s : string.Concat(s.AsSpan(0, 57), "...");

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    private static partial Regex EmailShape();

    [GeneratedRegex(@"^\+?[0-9 ().\-/]+((x|ext\.?)\s*[0-9]+)?$", RegexOptions.IgnoreCase)]
    private static partial Regex PhoneShape();

    [GeneratedRegex(@"[+-]\d\d:?\d\d$")]
    private static partial Regex OffsetSuffix();

    private static int CountDigits(string text)
    {
        var digits = 0;
        foreach (var c in text)
        {
            if (char.IsAsciiDigit(c))
            {
                digits++;
            }
        }

        return digits;
    }
}
