using System.Text;
using Crm.Engine.Abstractions.Metadata;

namespace Crm.Engine.Records;

/// <summary>
/// The keys under which phone and e-mail values are indexed for look-up (caller identification, duplicate checks).
/// Phone keys are the number's digits reversed, so that "ends with the same 9 digits" (the usual way to match a
/// caller's number whatever the trunk or country prefix) is a prefix search on an index.
/// </summary>
internal static class LookupKeys
{
    public const string PhoneKind = "phone";
    public const string EmailKind = "email";

    /// <summary>How many trailing digits identify a phone number across notations (+44 20..., 0044 20..., 020...).</summary>
    public const int PhoneSuffixDigits = 9;

    public static string? Kind(FieldType type) => type switch
    {
        FieldType.Phone => PhoneKind,
        FieldType.Email => EmailKind,
        _ => null,
    };

    public static string? Key(FieldType type, string value) => type switch
    {
        FieldType.Phone => PhoneKey(value),
        FieldType.Email => value.Trim().ToLowerInvariant() is { Length: > 0 } e ? e : null,
        _ => null,
    };

    /// <summary>The reversed digits of a number, without an extension; null when it has fewer than 3 digits.</summary>
    public static string? PhoneKey(string number)
    {
        var main = number;
        var ext = main.IndexOfAny(['x', 'X']);
        if (ext > 0)
        {
            main = main[..ext];
        }

        var digits = new StringBuilder(main.Length);
        for (var i = main.Length - 1; i >= 0; i--)
        {
            if (char.IsAsciiDigit(main[i]))
            {
                digits.Append(main[i]);
            }
        }

        return digits.Length >= 3 ? digits.ToString() : null;
    }

    /// <summary>The key prefix that finds every number ending with the same digits as <paramref name="number"/>.</summary>
    public static string? PhoneSearchPrefix(string number) =>
        PhoneKey(number) is { } key ? key[..Math.Min(key.Length, PhoneSuffixDigits)] : null;
}
