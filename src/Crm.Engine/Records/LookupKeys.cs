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

    /// <summary>
    /// The reversed significant digits of a number: no extension, no leading zeros (a trunk "0" or an international
    /// "00" is not part of the subscriber number); null when fewer than 3 digits remain.
    /// </summary>
    public static string? PhoneKey(string number)
    {
        var main = number.AsSpan();
        var ext = main.IndexOfAny('x', 'X');
        if (ext > 0)
        {
            main = main[..ext];
        }

        var digits = main.Length <= 256 ? stackalloc char[main.Length] : new char[main.Length];
        var count = 0;
        for (var i = main.Length - 1; i >= 0; i--)
        {
            if (char.IsAsciiDigit(main[i]))
            {
                digits[count++] = main[i];
            }
        }

        var key = digits[..count].TrimEnd('0');
        return key.Length >= 3 ? new string(key) : null;
    }

    /// <summary>
    /// How to find every stored number that ends with the same digits as <paramref name="number"/>: stored keys that
    /// start with <c>Prefix</c> (its last 9 significant digits), and stored numbers shorter than that prefix whose
    /// whole key is one of <c>ShorterKeys</c> (so 089 999888 and +49 89 999888 find each other both ways).
    /// </summary>
    public static (string Prefix, IReadOnlyList<string> ShorterKeys)? PhoneSearch(string number)
    {
        if (PhoneKey(number) is not { } key)
        {
            return null;
        }

        var prefix = key[..Math.Min(key.Length, PhoneSuffixDigits)];
        var shorter = Enumerable.Range(MinShortNumberDigits, Math.Max(0, prefix.Length - MinShortNumberDigits)).Select(n => prefix[..n]).ToList();
        return (prefix, shorter);
    }

    /// <summary>The fewest significant digits a stored number may have to match a longer dialled one by its tail.</summary>
    public const int MinShortNumberDigits = 6;
}
