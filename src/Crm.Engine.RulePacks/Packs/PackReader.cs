using System.Collections.Concurrent;
using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Crm.Engine.RulePacks.Packs;

/// <summary>
/// Reads a pack file (YAML, or JSON, which YAML reads too) into <see cref="PackDocument"/>, collecting every structural
/// error with its line and column instead of stopping at the first.
/// </summary>
internal sealed class PackReader
{
    public const int CurrentSchemaVersion = 1;
    public const int MaxPackLength = 2_000_000;
    public const int MaxRules = 5_000;

    private static readonly string[] PackKeys = ["schemaVersion", "name", "description", "rules"];
    private static readonly string[] RuleKeys = ["name", "description", "priority", "tags", "enabled", "when", "then"];
    private static readonly string[] MatchKeys = ["match", "as", "where"];
    private static readonly string[] ActionKeys = ["action", "with"];

    private readonly string _file;
    private readonly List<RulePackError> _errors;
    private string? _rule;
    private string[] _lines = [];

    private PackReader(string file, List<RulePackError> errors)
    {
        _file = file;
        _errors = errors;
    }

    // Packs read without errors, by file name and text: applying one pack recompiles the tenant's other packs, and
    // validate-then-apply reads the same text twice; YAML parsing is the biggest part of compiling a pack.
    private const int CacheSize = 32;
    private static readonly ConcurrentDictionary<(string File, string Text), PackDocument> Cache = new();

    public static PackDocument? Read(string text, string fileName, List<RulePackError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (Cache.TryGetValue((fileName, text), out var cached))
        {
            return cached;
        }

        var before = errors.Count;
        var document = new PackReader(fileName, errors).ReadDocument(text);
        if (document is not null && errors.Count == before)
        {
            if (Cache.Count >= CacheSize)
            {
                Cache.Clear();
            }

            Cache.TryAdd((fileName, text), document);
        }

        return document;
    }

    private PackDocument? ReadDocument(string text)
    {
        if (text.Length > MaxPackLength)
        {
            Error(new SourcePosition(1, 1), $"the pack is {text.Length} characters long; the limit is {MaxPackLength}. Split it into several packs.");
            return null;
        }

        _lines = text.Split('\n');
        if (!YamlText.TryLoad(text, out var stream, out var syntaxError))
        {
            Error(new SourcePosition(syntaxError.Line, syntaxError.Column), $"the file is not valid YAML/JSON: {syntaxError.Message}");
            return null;
        }

        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            Error(new SourcePosition(1, 1), "a pack is one mapping with 'schemaVersion' and 'rules'.");
            return null;
        }

        CheckKeys(root, PackKeys, "pack");
        var version = 0;
        if (Child(root, "schemaVersion") is { } versionNode)
        {
            version = Integer(versionNode, "schemaVersion") ?? 0;
            if (version != CurrentSchemaVersion && version != 0)
            {
                Error(SourcePosition.Of(versionNode), $"schemaVersion {version} is not supported; this engine reads schemaVersion {CurrentSchemaVersion}.");
            }
        }
        else
        {
            Error(SourcePosition.Of(root), $"'schemaVersion' is missing; add 'schemaVersion: {CurrentSchemaVersion}'.");
        }

        var rules = new List<RuleSpec>();
        if (Child(root, "rules") is not YamlSequenceNode ruleNodes)
        {
            Error(SourcePosition.Of(Child(root, "rules") ?? root), "'rules' must be a list of rules.");
        }
        else if (ruleNodes.Children.Count > MaxRules)
        {
            Error(SourcePosition.Of(ruleNodes), $"the pack has {ruleNodes.Children.Count} rules; the limit is {MaxRules}.");
        }
        else
        {
            foreach (var node in ruleNodes)
            {
                if (ReadRule(node) is { } rule)
                {
                    rules.Add(rule);
                }

                _rule = null;
            }
        }

        return new PackDocument(_file, Text(Child(root, "name")), version, rules, _lines);
    }

    private RuleSpec? ReadRule(YamlNode node)
    {
        if (node is not YamlMappingNode map)
        {
            Error(SourcePosition.Of(node), "each rule must be a mapping with 'name', 'when' and 'then'.");
            return null;
        }

        var nameNode = Child(map, "name");
        var name = Text(nameNode);
        if (string.IsNullOrWhiteSpace(name))
        {
            Error(SourcePosition.Of(nameNode ?? map), "the rule has no 'name'.");
            name = $"<rule at line {map.Start.Line}>";
        }

        _rule = name;
        CheckKeys(map, RuleKeys, "rule");
        var priority = Child(map, "priority") is { } p ? Integer(p, "priority") ?? 0 : 0;
        var enabled = Child(map, "enabled") is not { } e || (Bool(e, "enabled") ?? true);
        var tags = new List<string>();
        if (Child(map, "tags") is { } tagNode)
        {
            if (tagNode is YamlSequenceNode tagList)
            {
                tags.AddRange(tagList.Select(t => Text(t) ?? string.Empty));
            }
            else
            {
                Error(SourcePosition.Of(tagNode), "'tags' must be a list of texts, e.g. [sla, routing].");
            }
        }

        var when = new List<ElementSpec>();
        if (Child(map, "when") is not YamlSequenceNode whenNodes || whenNodes.Children.Count == 0)
        {
            Error(SourcePosition.Of(Child(map, "when") ?? map), "'when' must be a non-empty list of patterns, e.g. '- match: case'.");
        }
        else
        {
            foreach (var element in whenNodes)
            {
                if (ReadElement(element) is { } spec)
                {
                    when.Add(spec);
                }
            }
        }

        var then = new List<ActionSpec>();
        if (Child(map, "then") is not YamlSequenceNode thenNodes || thenNodes.Children.Count == 0)
        {
            Error(SourcePosition.Of(Child(map, "then") ?? map), "'then' must be a non-empty list of actions, e.g. '- action: log'.");
        }
        else
        {
            foreach (var action in thenNodes)
            {
                if (ReadAction(action) is { } spec)
                {
                    then.Add(spec);
                }
            }
        }

        return new RuleSpec(name, SourcePosition.Of(map), Text(Child(map, "description")) ?? string.Empty, priority, tags, enabled, when, then);
    }

    private ElementSpec? ReadElement(YamlNode node)
    {
        if (node is not YamlMappingNode map)
        {
            Error(SourcePosition.Of(node), "each 'when' item is a mapping: 'match: <type>' (with optional 'as' and 'where'), 'not: {...}' or 'exists: {...}'.");
            return null;
        }

        var kind = ElementKind.Match;
        var inner = map;
        foreach (var (key, k) in new[] { ("not", ElementKind.Not), ("exists", ElementKind.Exists) })
        {
            if (Child(map, key) is { } wrapped)
            {
                if (map.Children.Count != 1 || wrapped is not YamlMappingNode wrappedMap)
                {
                    Error(SourcePosition.Of(wrapped), $"'{key}' takes one pattern mapping, e.g. '{key}: {{ match: activity, where: \"...\" }}', and nothing beside it.");
                    return null;
                }

                kind = k;
                inner = wrappedMap;
            }
        }

        CheckKeys(inner, MatchKeys, "pattern");
        var typeNode = Child(inner, "match");
        var type = Text(typeNode);
        if (string.IsNullOrWhiteSpace(type))
        {
            Error(SourcePosition.Of(typeNode ?? inner), "the pattern has no 'match' (the entity type or event it matches, e.g. 'match: case').");
            return null;
        }

        var aliasNode = Child(inner, "as");
        var alias = Text(aliasNode) ?? type;
        var where = new List<ExpressionSource>();
        switch (Child(inner, "where"))
        {
            case null:
                break;
            case YamlScalarNode scalar:
                where.Add(Expression(scalar));
                break;
            case YamlSequenceNode list:
                foreach (var item in list)
                {
                    if (item is YamlScalarNode s)
                    {
                        where.Add(Expression(s));
                    }
                    else
                    {
                        Error(SourcePosition.Of(item), "each 'where' item is one expression (text).");
                    }
                }

                break;
            case var other:
                Error(SourcePosition.Of(other), "'where' is an expression or a list of expressions (all must hold).");
                break;
        }

        return new ElementSpec(kind, type, SourcePosition.Of(typeNode!), alias, SourcePosition.Of(aliasNode ?? typeNode!), where, SourcePosition.Of(map));
    }

    private ActionSpec? ReadAction(YamlNode node)
    {
        if (node is not YamlMappingNode map)
        {
            Error(SourcePosition.Of(node), "each 'then' item is a mapping: 'action: <name>' with its parameters under 'with'.");
            return null;
        }

        CheckKeys(map, ActionKeys, "action");
        var nameNode = Child(map, "action");
        var name = Text(nameNode);
        if (string.IsNullOrWhiteSpace(name))
        {
            Error(SourcePosition.Of(nameNode ?? map), "the action has no 'action' name.");
            return null;
        }

        var parameters = new List<ParameterSpec>();
        switch (Child(map, "with"))
        {
            case null:
                break;
            case YamlMappingNode with:
                parameters.AddRange(with.Children.Select(c => new ParameterSpec(Text(c.Key) ?? string.Empty, SourcePosition.Of(c.Key), c.Value)));
                break;
            case var other:
                Error(SourcePosition.Of(other), "'with' is a mapping of parameter names to values.");
                break;
        }

        return new ActionSpec(name, SourcePosition.Of(nameNode!), parameters);
    }

    private ExpressionSource Expression(YamlScalarNode scalar) => new(scalar.Value ?? string.Empty, SourcePosition.Of(scalar), scalar.Style, _lines);

    private void CheckKeys(YamlMappingNode map, string[] allowed, string what)
    {
        foreach (var key in map.Children.Keys)
        {
            var name = Text(key) ?? string.Empty;
            if (!allowed.Contains(name, StringComparer.Ordinal))
            {
                Error(SourcePosition.Of(key), $"unknown key '{name}' in a {what}{Schema.Suggest.Hint(name, allowed)}.");
            }
        }
    }

    private int? Integer(YamlNode node, string what)
    {
        if (node is YamlScalarNode { Value: { } v } && int.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i))
        {
            return i;
        }

        Error(SourcePosition.Of(node), $"'{what}' must be a whole number.");
        return null;
    }

    private bool? Bool(YamlNode node, string what)
    {
        if (node is YamlScalarNode { Value: "true" or "false" } s)
        {
            return s.Value == "true";
        }

        Error(SourcePosition.Of(node), $"'{what}' must be true or false.");
        return null;
    }

    private static YamlNode? Child(YamlMappingNode map, string key) =>
        map.Children.FirstOrDefault(c => c.Key is YamlScalarNode { Value: var k } && k == key).Value;

    private static string? Text(YamlNode? node) => (node as YamlScalarNode)?.Value;

    private void Error(SourcePosition at, string message) => _errors.Add(new RulePackError(_file, _rule, at.Line, at.Column, message));
}
