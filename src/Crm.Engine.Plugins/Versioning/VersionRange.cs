using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Crm.Engine.Versioning;

namespace Crm.Engine.Plugins.Versioning;

/// <summary>
/// A version range as written in <c>dependsOn</c>, npm style: comparators joined by spaces must all hold
/// (<c>&gt;=1.0.0 &lt;2.0.0</c>), alternatives are joined by <c>||</c>. Comparators: <c>=</c>, <c>&gt;</c>, <c>&gt;=</c>,
/// <c>&lt;</c>, <c>&lt;=</c>, caret (<c>^1.2</c>: same major), tilde (<c>~1.2.3</c>: same minor), a bare or partial version
/// (<c>1.2</c> means <c>&gt;=1.2.0 &lt;1.3.0</c>), and <c>*</c>.
/// </summary>
internal sealed class VersionRange
{
    private readonly IReadOnlyList<IReadOnlyList<Bound>> _alternatives;

    private VersionRange(string text, IReadOnlyList<IReadOnlyList<Bound>> alternatives)
    {
        Text = text;
        _alternatives = alternatives;
    }

    public string Text { get; }

    public static bool TryParse(string? text, [NotNullWhen(true)] out VersionRange? range)
    {
        range = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var alternatives = new List<IReadOnlyList<Bound>>();
        foreach (var alternative in text.Split("||"))
        {
            var bounds = new List<Bound>();
            var tokens = Normalize(alternative).Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (tokens.Length == 0)
            {
                return false;
            }

            foreach (var token in tokens)
            {
                if (!TryParseComparator(token, bounds))
                {
                    return false;
                }
            }

            alternatives.Add(bounds);
        }

        range = new VersionRange(text.Trim(), alternatives);
        return true;
    }

    public bool IsSatisfiedBy(SemanticVersion version) =>
        _alternatives.Any(bounds => bounds.All(b => b.Allows(version)));

    public override string ToString() => Text;

    // ">= 1.0" is written with a space by some authors: glue operators to their versions.
    private static string Normalize(string text)
    {
        var result = text.Trim();
        foreach (var op in new[] { ">=", "<=", ">", "<", "=", "^", "~" })
        {
            result = result.Replace(op + " ", op, StringComparison.Ordinal);
        }

        return result;
    }

    private static bool TryParseComparator(string token, List<Bound> bounds)
    {
        var op = token.StartsWith(">=", StringComparison.Ordinal) || token.StartsWith("<=", StringComparison.Ordinal) ? token[..2]
            : token[0] is '>' or '<' or '=' or '^' or '~' ? token[..1]
            : string.Empty;
        if (!TryParsePartial(token[op.Length..], out var partial))
        {
            return false;
        }

        if (partial.Major is null)
        {
            // "*": anything (a bound on nothing), but "<*" or ">*" makes no sense.
            return op is "" or "=" or ">=";
        }

        var low = new SemanticVersion(partial.Major.Value, partial.Minor ?? 0, partial.Patch ?? 0, partial.Prerelease);
        switch (op)
        {
            case "" or "=":
                if (partial.Patch is not null)
                {
                    bounds.Add(Bound.AtLeast(low));
                    bounds.Add(Bound.AtMost(low));
                }
                else
                {
                    bounds.Add(Bound.AtLeast(low));
                    bounds.Add(Bound.Below(NextAtPrecision(partial)));
                }

                return true;
            case ">=":
                bounds.Add(Bound.AtLeast(low));
                return true;
            case ">":
                bounds.Add(partial.Patch is not null ? Bound.Above(low) : Bound.AtLeast(NextAtPrecision(partial)));
                return true;
            case "<":
                bounds.Add(Bound.Below(low));
                return true;
            case "<=":
                bounds.Add(partial.Patch is not null ? Bound.AtMost(low) : Bound.Below(NextAtPrecision(partial)));
                return true;
            case "^":
                bounds.Add(Bound.AtLeast(low));
                bounds.Add(Bound.Below(
                    partial.Major > 0 || partial.Minor is null ? new SemanticVersion(partial.Major.Value + 1, 0, 0)
                    : partial.Minor > 0 || partial.Patch is null ? new SemanticVersion(0, partial.Minor.Value + 1, 0)
                    : new SemanticVersion(0, 0, partial.Patch.Value + 1)));
                return true;
            case "~":
                bounds.Add(Bound.AtLeast(low));
                bounds.Add(Bound.Below(partial.Minor is null
                    ? new SemanticVersion(partial.Major.Value + 1, 0, 0)
                    : new SemanticVersion(partial.Major.Value, partial.Minor.Value + 1, 0)));
                return true;
            default:
                return false;
        }
    }

    private static SemanticVersion NextAtPrecision(Partial partial) => partial.Minor is null
        ? new SemanticVersion(partial.Major!.Value + 1, 0, 0)
        : new SemanticVersion(partial.Major!.Value, partial.Minor.Value + 1, 0);

    private static bool TryParsePartial(string text, out Partial partial)
    {
        partial = default;
        if (text is "*" or "x" or "X")
        {
            return true;
        }

        string? prerelease = null;
        var dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash >= 0)
        {
            prerelease = text[(dash + 1)..];
            text = text[..dash];
        }

        var parts = text.Split('.');
        if (parts.Length is 0 or > 3)
        {
            return false;
        }

        var numbers = new int?[3];
        for (var i = 0; i < parts.Length; i++)
        {
            if (parts[i] is "*" or "x" or "X")
            {
                break;
            }

            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                return false;
            }

            numbers[i] = n;
        }

        if (numbers[0] is null || (prerelease is not null && numbers[2] is null))
        {
            return false;
        }

        if (prerelease is not null && !SemanticVersion.TryParse($"0.0.0-{prerelease}", out _))
        {
            return false;
        }

        partial = new Partial(numbers[0], numbers[1], numbers[2], prerelease);
        return true;
    }

    private readonly record struct Partial(int? Major, int? Minor, int? Patch, string? Prerelease);

    private sealed record Bound(SemanticVersion Version, int Sign, bool Inclusive)
    {
        public static Bound AtLeast(SemanticVersion v) => new(v, 1, true);

        public static Bound Above(SemanticVersion v) => new(v, 1, false);

        public static Bound AtMost(SemanticVersion v) => new(v, -1, true);

        public static Bound Below(SemanticVersion v) => new(v, -1, false);

        public bool Allows(SemanticVersion candidate)
        {
            var c = candidate.CompareTo(Version);
            return c == 0 ? Inclusive : Math.Sign(c) == Sign;
        }
    }
}
