using System.Globalization;
using System.Text;

namespace Crm.Engine.Work.Numbering;

/// <summary>
/// A parsed auto-number format (<c>CAS-{yyyy}-{seq:000000}</c>): literal text, one counter token and date tokens.
/// The date tokens rendered for an instant are the period: the counter restarts when it changes.
/// </summary>
internal sealed class AutoNumberFormat
{
    private enum Kind
    {
        Literal,
        Sequence,
        Year4,
        Year2,
        Month,
        Day,
    }

    private readonly (Kind Kind, string Text, int Width)[] _parts;

    private AutoNumberFormat((Kind, string, int)[] parts)
    {
        _parts = parts;
        HasDate = parts.Any(p => p.Item1 is not (Kind.Literal or Kind.Sequence));
        ShortestLength = parts.Sum(p => p.Item1 switch
        {
            Kind.Literal => p.Item2.Length,
            Kind.Sequence => Math.Max(1, p.Item3),
            Kind.Year4 => 4,
            _ => 2,
        });
    }

    /// <summary>Whether the format has date tokens (then the counter restarts with each new date part).</summary>
    public bool HasDate { get; }

    /// <summary>The length of a value whose counter fits its padding.</summary>
    public int ShortestLength { get; }

    /// <summary>Parses a format; on failure <paramref name="error"/> says what is wrong and where.</summary>
    public static AutoNumberFormat? TryParse(string? format, out string? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(format))
        {
            error = "the format is empty; it needs a {seq} token, e.g. CAS-{seq:000000}.";
            return null;
        }

        var parts = new List<(Kind, string, int)>();
        var literal = new StringBuilder();
        var sequences = 0;
        for (var i = 0; i < format.Length; i++)
        {
            var c = format[i];
            if (c == '}')
            {
                if (i + 1 < format.Length && format[i + 1] == '}')
                {
                    literal.Append('}');
                    i++;
                    continue;
                }

                error = $"'}}' at position {i + 1} closes no token (write '}}}}' for a brace).";
                return null;
            }

            if (c != '{')
            {
                if (char.IsControl(c))
                {
                    error = $"a control character at position {i + 1}.";
                    return null;
                }

                literal.Append(c);
                continue;
            }

            if (i + 1 < format.Length && format[i + 1] == '{')
            {
                literal.Append('{');
                i++;
                continue;
            }

            var end = format.IndexOf('}', i + 1);
            if (end < 0)
            {
                error = $"'{{' at position {i + 1} has no closing '}}' (write '{{{{' for a brace).";
                return null;
            }

            var token = format[(i + 1)..end];
            (Kind Kind, int Width)? parsed = token switch
            {
                "seq" => (Kind.Sequence, 0),
                "yyyy" => (Kind.Year4, 0),
                "yy" => (Kind.Year2, 0),
                "MM" => (Kind.Month, 0),
                "dd" => (Kind.Day, 0),
                _ when token.StartsWith("seq:", StringComparison.Ordinal) && token.Length is > 4 and <= 22 && token.AsSpan(4).IndexOfAnyExcept('0') < 0
                    => (Kind.Sequence, token.Length - 4),
                _ => null,
            };
            if (parsed is not { } p)
            {
                error = $"unknown token '{{{token}}}' at position {i + 1}; use {{seq}}, {{seq:000000}}, {{yyyy}}, {{yy}}, {{MM}} or {{dd}}.";
                return null;
            }

            if (literal.Length > 0)
            {
                parts.Add((Kind.Literal, literal.ToString(), 0));
                literal.Clear();
            }

            sequences += p.Kind == Kind.Sequence ? 1 : 0;
            parts.Add((p.Kind, string.Empty, p.Width));
            i = end;
        }

        if (literal.Length > 0)
        {
            parts.Add((Kind.Literal, literal.ToString(), 0));
        }

        if (sequences != 1)
        {
            error = sequences == 0 ? "the format has no {seq} token (the counter)." : "the format has more than one {seq} token.";
            return null;
        }

        return new AutoNumberFormat([.. parts]);
    }

    /// <summary>The date part of the sequence name for a local date (<c>2026</c>, <c>2026-12</c>), or empty without date tokens.</summary>
    public string Period(DateTime local) =>
        string.Join('-', _parts.Where(p => p.Kind is not (Kind.Literal or Kind.Sequence)).Select(p => Date(p.Kind, local)));

    /// <summary>The value for a counter and a local date.</summary>
    public string Render(long sequence, DateTime local)
    {
        var text = new StringBuilder();
        foreach (var (kind, literal, width) in _parts)
        {
            text.Append(kind switch
            {
                Kind.Literal => literal,
                Kind.Sequence => sequence.ToString(CultureInfo.InvariantCulture).PadLeft(width, '0'),
                _ => Date(kind, local),
            });
        }

        return text.ToString();
    }

    private static string Date(Kind kind, DateTime local) => kind switch
    {
        Kind.Year4 => local.Year.ToString("0000", CultureInfo.InvariantCulture),
        Kind.Year2 => (local.Year % 100).ToString("00", CultureInfo.InvariantCulture),
        Kind.Month => local.Month.ToString("00", CultureInfo.InvariantCulture),
        _ => local.Day.ToString("00", CultureInfo.InvariantCulture),
    };
}
