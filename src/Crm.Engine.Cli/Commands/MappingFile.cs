using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Crm.Engine.Abstractions.Import;
using Crm.Engine.RulePacks.Packs;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Crm.Engine.Cli.Commands;

/// <summary>
/// Reads an import mapping file: JSON, or YAML (the same shape, read with the YamlDotNet the rule packs use). Property
/// names are the <see cref="ImportMapping"/> members in camelCase; an unknown property is an error, so a typo never
/// silently changes nothing.
/// </summary>
internal static class MappingFile
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>Reads a mapping file; <paramref name="entityType"/> fills in <c>entityType</c> when the file has none (and must agree with it otherwise).</summary>
    public static async Task<ImportMapping> ReadAsync(string path, string? entityType, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            throw new CliException($"there is no mapping file {Path.GetFullPath(path)}.");
        }

        var text = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
        var yaml = path.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".yml", StringComparison.OrdinalIgnoreCase);
        JsonObject root;
        try
        {
            root = (yaml ? FromYaml(text, path) : JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true })) as JsonObject
                ?? throw new CliException($"{path}: a mapping file holds one object (entityType, columns, keyFields, ...).");
        }
        catch (JsonException ex)
        {
            throw new CliException($"{path}: {ex.Message}");
        }

        return Parse(root, path, entityType);
    }

    /// <summary>A mapping from options alone (no file): every column maps itself by header.</summary>
    public static ImportMapping ForEntity(string entityType) => new() { EntityType = entityType };

    private static ImportMapping Parse(JsonObject root, string path, string? entityType)
    {
        var given = root.FirstOrDefault(p => string.Equals(p.Key, "entityType", StringComparison.OrdinalIgnoreCase));
        if (given.Key is null && entityType is not null)
        {
            root["entityType"] = entityType;
        }
        else if (entityType is not null && given.Value?.GetValue<string>() is { } fileEntity && !string.Equals(fileEntity, entityType, StringComparison.Ordinal))
        {
            throw new CliException($"{path} maps to entity '{fileEntity}' but --entity says '{entityType}'.");
        }

        var unknown = new List<string>();
        CheckKeys(root, typeof(ImportMapping), string.Empty, unknown);
        if (unknown.Count > 0)
        {
            throw new CliException($"{path}: {string.Join("; ", unknown)}.");
        }

        try
        {
            return root.Deserialize<ImportMapping>(Options) ?? throw new CliException($"{path}: the mapping is empty.");
        }
        catch (JsonException ex)
        {
            throw new CliException($"{path}: {ex.Message}");
        }
        catch (InvalidOperationException ex)
        {
            throw new CliException($"{path}: {ex.Message}");
        }
    }

    /// <summary>
    /// Names every key the mapping types do not have (the serializer would only name the first, as a .NET member),
    /// with where it is (<c>columns[2]</c>) and the key meant, when one is close.
    /// </summary>
    private static void CheckKeys(JsonObject node, Type type, string where, List<string> unknown)
    {
        var known = type.GetProperties().Where(p => p.CanWrite).ToDictionary(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name), StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in node)
        {
            if (!known.TryGetValue(key, out var property))
            {
                var close = Suggestions.Closest(key, known.Keys);
                unknown.Add($"{(where.Length == 0 ? "the mapping" : where)} has no key '{key}'{(close is null ? string.Empty : $" (did you mean '{close}'?)")}; its keys are {string.Join(", ", known.Keys)}");
            }
            else if (property.PropertyType == typeof(IReadOnlyList<ColumnMapping>) && value is JsonArray columns)
            {
                for (var i = 0; i < columns.Count; i++)
                {
                    if (columns[i] is JsonObject column)
                    {
                        CheckKeys(column, typeof(ColumnMapping), string.Create(CultureInfo.InvariantCulture, $"columns[{i}]"), unknown);
                    }
                }
            }
        }
    }

    private static JsonNode? FromYaml(string text, string path)
    {
        if (!YamlText.TryLoad(text, out var stream, out var error))
        {
            throw new CliException(string.Create(CultureInfo.InvariantCulture, $"{path}({error.Line},{error.Column}): {error.Message}"));
        }

        return stream.Documents.Count == 0 ? null : Convert(stream.Documents[0].RootNode);
    }

    /// <summary>YAML to JSON; inside a <c>valueMap</c> every value stays text (so <c>ja: true</c> maps to the text "true").</summary>
    private static JsonNode? Convert(YamlNode node, bool text = false) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(p =>
        {
            var key = ((YamlScalarNode)p.Key).Value ?? string.Empty;
            return KeyValuePair.Create(key, Convert(p.Value, text || string.Equals(key, "valueMap", StringComparison.OrdinalIgnoreCase)));
        })),
        YamlSequenceNode list => new JsonArray([.. list.Children.Select(c => Convert(c, text))]),
        YamlScalarNode { Style: ScalarStyle.Plain } plain when !text => Plain(plain.Value),
        YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "~" or "null" } when text => null,
        YamlScalarNode scalar => JsonValue.Create(scalar.Value),
        _ => null,
    };

    /// <summary>An unquoted YAML scalar: null, a boolean or a number where YAML would read one; text otherwise.</summary>
    private static JsonValue? Plain(string? value) => value switch
    {
        null or "" or "~" or "null" or "Null" or "NULL" => null,
        "true" or "True" or "TRUE" => JsonValue.Create(true),
        "false" or "False" or "FALSE" => JsonValue.Create(false),
        _ when long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) => JsonValue.Create(number),
        _ => JsonValue.Create(value),
    };
}
