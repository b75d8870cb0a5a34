using System.Text.Json;
using System.Text.RegularExpressions;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Plugins.Versioning;
using Crm.Engine.Versioning;

namespace Crm.Engine.Plugins.Manifest;

/// <summary>A plugin's <c>plugin.json</c>, validated. See docs/plugins.md for the reference.</summary>
internal sealed partial record PluginManifest(
    string Id,
    SemanticVersion Version,
    string DisplayName,
    string? Description,
    string Assembly,
    SemanticVersion? MinimumEngineVersion,
    IReadOnlyList<KeyValuePair<string, VersionRange>> DependsOn,
    IReadOnlyList<string> Exports)
{
    public const string FileName = "plugin.json";

    private static readonly string[] KnownProperties =
        ["$schema", "id", "version", "displayName", "description", "assembly", "minimumEngineVersion", "dependsOn", "exports"];

    /// <summary>Reads and validates a manifest; every problem is a <see cref="CrmConfigurationException"/> naming the file and property.</summary>
    public static PluginManifest Read(string path)
    {
        var text = File.ReadAllText(path);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException ex)
        {
            var line = (int)(ex.LineNumber ?? 0);
            var lines = text.ReplaceLineEndings("\n").Split('\n');
            var source = line < lines.Length ? lines[line].Trim() : string.Empty;
            throw new CrmConfigurationException(
                $"{path} is not valid JSON at line {line + 1}, position {(ex.BytePositionInLine ?? 0) + 1}: `{source}`. {FirstSentence(ex.Message)}", ex);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Problem(path, null, "must be a JSON object");
            }

            foreach (var property in root.EnumerateObject())
            {
                if (!KnownProperties.Contains(property.Name, StringComparer.Ordinal))
                {
                    throw Problem(path, property.Name, $"is not a manifest property (known: {string.Join(", ", KnownProperties.Skip(1))})");
                }
            }

            var id = RequiredString(path, root, "id");
            if (!PluginId().IsMatch(id))
            {
                throw Problem(path, "id", $"'{id}' is not a valid plugin id: letters, digits, '.', '-' and '_', starting with a letter, at most 100 characters");
            }

            var version = ParseVersion(path, "version", RequiredString(path, root, "version"));
            var assembly = OptionalString(path, root, "assembly") ?? id + ".dll";
            if (assembly.IndexOfAny(['/', '\\']) >= 0 || !assembly.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            {
                throw Problem(path, "assembly", $"'{assembly}' must be the file name of a .dll in the plugin folder (no path)");
            }

            var minimum = OptionalString(path, root, "minimumEngineVersion") is { } m ? ParseVersion(path, "minimumEngineVersion", m) : null;
            var dependsOn = new List<KeyValuePair<string, VersionRange>>();
            if (root.TryGetProperty("dependsOn", out var deps) && deps.ValueKind != JsonValueKind.Null)
            {
                if (deps.ValueKind != JsonValueKind.Object)
                {
                    throw Problem(path, "dependsOn", "must be an object mapping plugin ids to version ranges, e.g. { \"Acme.Core\": \">=1.0.0 <2.0.0\" }");
                }

                foreach (var dep in deps.EnumerateObject())
                {
                    if (dep.Value.ValueKind != JsonValueKind.String || !VersionRange.TryParse(dep.Value.GetString(), out var range))
                    {
                        throw Problem(path, $"dependsOn.{dep.Name}", $"{dep.Value.GetRawText()} is not a version range (e.g. \">=1.0.0 <2.0.0\", \"^1.2\", \"~1.2.3\", \"1.4.0\")");
                    }

                    if (string.Equals(dep.Name, id, StringComparison.OrdinalIgnoreCase))
                    {
                        throw Problem(path, $"dependsOn.{dep.Name}", "a plugin cannot depend on itself");
                    }

                    dependsOn.Add(new(dep.Name, range));
                }
            }

            var exports = new List<string>();
            if (root.TryGetProperty("exports", out var exp) && exp.ValueKind != JsonValueKind.Null)
            {
                if (exp.ValueKind != JsonValueKind.Array || exp.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(e.GetString())))
                {
                    throw Problem(path, "exports", "must be an array of assembly names, e.g. [\"Acme.Loyalty.Contracts\"]");
                }

                exports.AddRange(exp.EnumerateArray().Select(e => e.GetString()!));
            }

            return new PluginManifest(id, version, OptionalString(path, root, "displayName") ?? id, OptionalString(path, root, "description"), assembly, minimum, dependsOn, exports);
        }
    }

    private static SemanticVersion ParseVersion(string path, string property, string text) =>
        SemanticVersion.TryParse(text, out var version)
            ? version
            : throw Problem(path, property, $"'{text}' is not a semantic version (major.minor.patch, e.g. 1.2.0)");

    private static string RequiredString(string path, JsonElement root, string property) =>
        OptionalString(path, root, property) ?? throw Problem(path, property, "is required");

    private static string? OptionalString(string path, JsonElement root, string property)
    {
        if (!root.TryGetProperty(property, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(value.GetString())
            ? value.GetString()!.Trim()
            : throw Problem(path, property, $"must be a non-empty string (found {value.GetRawText()})");
    }

    private static CrmConfigurationException Problem(string path, string? property, string message) =>
        new(property is null ? $"{path}: the manifest {message}." : $"{path}: property '{property}' {message}.");

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..(end + 1)];
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9._-]{0,99}$")]
    private static partial Regex PluginId();
}
