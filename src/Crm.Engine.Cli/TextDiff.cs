using System.Globalization;

namespace Crm.Engine.Cli;

/// <summary>
/// A line diff in the unified format (<c>--- a</c>, <c>+++ b</c>, <c>@@ -l,n +l,n @@</c> hunks with three lines of
/// context), for comparing rule-pack versions. The common head and tail are set aside first; the rest is matched by
/// longest common subsequence, which is exact for the edits consultants make. Two very different large texts (where
/// that table would pass <see cref="MaxCells"/>) are shown as one replaced block.
/// </summary>
internal static class TextDiff
{
    private const int Context = 3;
    private const long MaxCells = 16_000_000;

    /// <summary>The diff lines; empty when the texts have the same lines.</summary>
    public static IReadOnlyList<string> Unified(string oldName, string newName, string? oldText, string? newText)
    {
        var a = Lines(oldText);
        var b = Lines(newText);
        var edits = Edits(a, b);
        if (edits.All(e => e.Kind == ' '))
        {
            return [];
        }

        var output = new List<string> { $"--- {oldName}", $"+++ {newName}" };
        var i = 0;
        while (i < edits.Count)
        {
            if (edits[i].Kind == ' ')
            {
                i++;
                continue;
            }

            // A hunk: from Context lines before this change to Context lines after the last change that is at most
            // 2 * Context unchanged lines further on.
            var start = Math.Max(0, i - Context);
            var end = i;
            while (true)
            {
                while (end < edits.Count && edits[end].Kind != ' ')
                {
                    end++;
                }

                var next = end;
                while (next < edits.Count && edits[next].Kind == ' ' && next - end < 2 * Context)
                {
                    next++;
                }

                if (next < edits.Count && edits[next].Kind != ' ')
                {
                    end = next;
                    continue;
                }

                end = Math.Min(edits.Count, end + Context);
                break;
            }

            var hunk = edits.Skip(start).Take(end - start).ToList();
            var oldStart = edits[start].OldLine;
            var newStart = edits[start].NewLine;
            var oldCount = hunk.Count(e => e.Kind != '+');
            var newCount = hunk.Count(e => e.Kind != '-');
            output.Add($"@@ -{Range(oldStart, oldCount)} +{Range(newStart, newCount)} @@");
            output.AddRange(hunk.Select(e => e.Kind + e.Text));
            i = end;
        }

        return output;
    }

    // As GNU diff writes a hunk's range: "l" for one line, "l,n" otherwise, and the line before for an empty range.
    private static string Range(int start, int count) => count switch
    {
        0 => string.Create(CultureInfo.InvariantCulture, $"{start - 1},0"),
        1 => start.ToString(CultureInfo.InvariantCulture),
        _ => string.Create(CultureInfo.InvariantCulture, $"{start},{count}"),
    };

    // One final line break ends the last line; any before it are blank lines of the text.
    private static string[] Lines(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return [];
        }

        var normal = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        return (normal.EndsWith('\n') ? normal[..^1] : normal).Split('\n');
    }

    /// <summary>The edit script: every line of both texts once, kept (' '), removed ('-') or added ('+'), with its 1-based line numbers.</summary>
    private static List<(char Kind, string Text, int OldLine, int NewLine)> Edits(string[] a, string[] b)
    {
        var head = 0;
        while (head < a.Length && head < b.Length && a[head] == b[head])
        {
            head++;
        }

        var tail = 0;
        while (tail < a.Length - head && tail < b.Length - head && a[a.Length - 1 - tail] == b[b.Length - 1 - tail])
        {
            tail++;
        }

        var edits = new List<(char, string, int, int)>(a.Length + b.Length);
        for (var k = 0; k < head; k++)
        {
            edits.Add((' ', a[k], k + 1, k + 1));
        }

        var m = a.Length - head - tail;
        var n = b.Length - head - tail;
        if ((long)(m + 1) * (n + 1) > MaxCells)
        {
            for (var k = 0; k < m; k++)
            {
                edits.Add(('-', a[head + k], head + k + 1, head + 1));
            }

            for (var k = 0; k < n; k++)
            {
                edits.Add(('+', b[head + k], head + m + 1, head + k + 1));
            }
        }
        else
        {
            // lcs[i, j]: the longest common subsequence of a[head + i..] and b[head + j..] (middle parts only).
            var lcs = new int[m + 1, n + 1];
            for (var i = m - 1; i >= 0; i--)
            {
                for (var j = n - 1; j >= 0; j--)
                {
                    lcs[i, j] = a[head + i] == b[head + j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
                }
            }

            int x = 0, y = 0;
            while (x < m || y < n)
            {
                if (x < m && y < n && a[head + x] == b[head + y])
                {
                    edits.Add((' ', a[head + x], head + x + 1, head + y + 1));
                    x++;
                    y++;
                }
                else if (x < m && (y == n || lcs[x + 1, y] >= lcs[x, y + 1]))
                {
                    // Removals before additions, as diff prints a changed line.
                    edits.Add(('-', a[head + x], head + x + 1, head + y + 1));
                    x++;
                }
                else
                {
                    edits.Add(('+', b[head + y], head + x + 1, head + y + 1));
                    y++;
                }
            }
        }

        for (var k = tail; k > 0; k--)
        {
            edits.Add((' ', a[a.Length - k], a.Length - k + 1, b.Length - k + 1));
        }

        return edits;
    }
}
