using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Crm.Engine.RulePacks.Packs;

/// <summary>A 1-based line and column in a pack file.</summary>
internal readonly record struct SourcePosition(int Line, int Column)
{
    public static SourcePosition Of(YamlNode node) => new((int)node.Start.Line, (int)node.Start.Column);
}

/// <summary>An expression written in a pack, with what is needed to point into the file at an offset within it.</summary>
internal sealed record ExpressionSource(string Text, SourcePosition Start, ScalarStyle Style, string[] FileLines)
{
    /// <summary>Maps an offset in <see cref="Text"/> to the line and column in the file.</summary>
    public SourcePosition At(int offset)
    {
        offset = Math.Clamp(offset, 0, Text.Length);
        var before = Text.AsSpan(0, offset);
        var lineIndex = before.Count('\n');
        var column = offset - (before.LastIndexOf('\n') + 1);
        var block = Style is ScalarStyle.Literal or ScalarStyle.Folded;
        if (lineIndex == 0 && !block)
        {
            var quote = Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted ? 1 : 0;
            return new SourcePosition(Start.Line, Start.Column + quote + column);
        }

        var line = Start.Line + lineIndex + (block ? 1 : 0);
        var indent = line - 1 < FileLines.Length ? FileLines[line - 1].Length - FileLines[line - 1].TrimStart().Length : 0;
        return new SourcePosition(line, indent + 1 + column);
    }
}

internal enum ElementKind
{
    Match,
    Not,
    Exists,
}

/// <summary>One element of a rule's <c>when</c>: a fact type, its alias and its conditions.</summary>
internal sealed record ElementSpec(ElementKind Kind, string Type, SourcePosition TypePosition, string Alias, SourcePosition AliasPosition, IReadOnlyList<ExpressionSource> Where, SourcePosition Position);

/// <summary>One parameter of an action as written: its name and its YAML/JSON value node.</summary>
internal sealed record ParameterSpec(string Name, SourcePosition Position, YamlNode Value);

/// <summary>One action of a rule's <c>then</c>.</summary>
internal sealed record ActionSpec(string Name, SourcePosition Position, IReadOnlyList<ParameterSpec> Parameters);

/// <summary>One rule as written in a pack.</summary>
internal sealed record RuleSpec(
    string Name,
    SourcePosition Position,
    string Description,
    int Priority,
    IReadOnlyList<string> Tags,
    bool Enabled,
    IReadOnlyList<ElementSpec> When,
    IReadOnlyList<ActionSpec> Then);

/// <summary>A parsed pack file.</summary>
internal sealed record PackDocument(string FileName, string? Name, int SchemaVersion, IReadOnlyList<RuleSpec> Rules, string[] Lines);
