using System.Diagnostics.CodeAnalysis;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Crm.Engine.RulePacks.Packs;

/// <summary>A YAML syntax error with its 1-based line and column.</summary>
/// <param name="Message">YamlDotNet's message.</param>
/// <param name="Line">The line.</param>
/// <param name="Column">The column.</param>
internal sealed record YamlSyntaxError(string Message, int Line, int Column);

/// <summary>
/// Loads YAML with YamlDotNet and places its syntax errors. Some come without a position (a tab used as indentation:
/// "found invalid tab as indentation"); those are placed at the first tab in the indentation of a line after what was
/// parsed. An error that ends at a tab is placed at the tab. Linked into the CLI for import mapping files.
/// </summary>
internal static class YamlText
{
    /// <summary>Loads <paramref name="text"/>; when it is not valid YAML, says where and why.</summary>
    public static bool TryLoad(string text, [NotNullWhen(true)] out YamlStream? stream, [NotNullWhen(false)] out YamlSyntaxError? error)
    {
        var parser = new Parser(new StringReader(text));
        stream = new YamlStream();
        try
        {
            stream.Load(parser);
            error = null;
            return true;
        }
        catch (YamlException ex)
        {
            var (line, column) = Position(ex, text, parser.Current);
            (stream, error) = (null, new YamlSyntaxError(ex.Message, line, column));
            return false;
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet fails this way on some malformed input (tabs inside a multi-line flow sequence) instead of
            // with a syntax error; it is still the file's fault, so it is reported as one, where parsing stopped.
            var last = parser.Current;
            (stream, error) = (null, new YamlSyntaxError(ex.Message, (int)(last?.End.Line ?? 1), (int)(last?.End.Column ?? 1)));
            return false;
        }
    }

    private static (int Line, int Column) Position(YamlException ex, string text, ParsingEvent? last)
    {
        if (!ex.Start.Equals(Mark.Empty) || !ex.End.Equals(Mark.Empty))
        {
            // "found a tab character that violate indentation" starts at the scalar before the tab and ends at the tab.
            var at = ex.End.Index < text.Length && text[(int)ex.End.Index] == '\t' ? ex.End : ex.Start;
            return ((int)at.Line, (int)at.Column);
        }

        var lines = text.Split('\n');
        for (var i = Math.Max((int)(last?.End.Line ?? 1), 1) - 1; i < lines.Length; i++)
        {
            var indentation = lines[i].Length - lines[i].TrimStart(' ', '\t').Length;
            var tab = lines[i].IndexOf('\t', 0, indentation);
            if (tab >= 0)
            {
                return (i + 1, tab + 1);
            }
        }

        return last is null ? (1, 1) : ((int)last.End.Line, (int)last.End.Column);
    }
}
