using System.Text.RegularExpressions;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Pipeline;
using Crm.Engine.Abstractions.Storage;

namespace Crm.Engine.Metadata;

/// <summary>
/// Everything the core and the plugins registered at start-up: entity types with their system fields, pipeline
/// steps and migration sources. Filled while services are configured; read-only once the engine runs.
/// </summary>
public sealed partial class CrmRegistry
{
    private readonly Dictionary<string, EntityDefinition> _entities = new(StringComparer.Ordinal);
    private readonly List<(string PluginId, PipelineStep Step)> _steps = [];
    private readonly List<IMigrationSource> _migrations = [];
    private readonly List<string> _plugins = [];

    /// <summary>The module id of the core schema's migrations.</summary>
    public const string CoreSchemaModule = "core";

    /// <summary>The registered plugins (including <c>core</c>), in registration order.</summary>
    public IReadOnlyList<string> Plugins => _plugins;

    /// <summary>The entity types.</summary>
    public IReadOnlyCollection<EntityDefinition> Entities => _entities.Values;

    /// <summary>The pipeline steps.</summary>
    public IReadOnlyList<PipelineStep> Steps => _steps.Select(s => s.Step).ToList();

    /// <summary>The migration sources, in registration order (core first).</summary>
    public IReadOnlyList<IMigrationSource> Migrations => _migrations;

    internal void AddPlugin(string pluginId)
    {
        if (_plugins.Contains(pluginId, StringComparer.Ordinal))
        {
            throw new CrmConfigurationException($"Plugin '{pluginId}' is registered twice.");
        }

        _plugins.Add(pluginId);
    }

    internal void AddEntity(string pluginId, EntityDefinition entity)
    {
        ArgumentNullException.ThrowIfNull(entity);
        if (!IsIdentifier(entity.ApiName))
        {
            throw new CrmConfigurationException($"Plugin '{pluginId}' defines an entity type with the invalid API name '{entity.ApiName}': use lower camelCase letters and digits.");
        }

        if (_entities.TryGetValue(entity.ApiName, out var existing))
        {
            throw new CrmConfigurationException($"Plugin '{pluginId}' defines entity type '{entity.ApiName}', already defined by '{existing.Module}'.");
        }

        var fields = entity.Fields.Select(f => f with { IsCustom = false }).ToList();
        CheckFields(pluginId, entity.ApiName, fields, []);
        if (!fields.Any(f => f.ApiName == entity.PrimaryField))
        {
            throw new CrmConfigurationException($"Plugin '{pluginId}': entity type '{entity.ApiName}' names primary field '{entity.PrimaryField}', which it does not define.");
        }

        _entities[entity.ApiName] = entity with { Module = pluginId, Fields = fields };
    }

    internal void ExtendEntity(string pluginId, string entityType, IReadOnlyList<FieldDefinition> fields)
    {
        if (!_entities.TryGetValue(entityType, out var entity))
        {
            throw new CrmConfigurationException($"Plugin '{pluginId}' extends entity type '{entityType}', which is not defined (is the plugin that defines it loaded first?).");
        }

        var added = fields.Select(f => f with { IsCustom = false }).ToList();
        CheckFields(pluginId, entityType, added, entity.Fields);
        _entities[entityType] = entity with { Fields = [.. entity.Fields, .. added] };
    }

    internal void AddStep(string pluginId, PipelineStep step)
    {
        if (!typeof(IPipelineHandler).IsAssignableFrom(step.HandlerType))
        {
            throw new CrmConfigurationException($"Plugin '{pluginId}' registers {step.HandlerType.FullName} as a pipeline handler, but it does not implement IPipelineHandler.");
        }

        _steps.Add((pluginId, step));
    }

    internal void AddMigrations(IMigrationSource source)
    {
        if (source.ModuleId == CoreSchemaModule || _migrations.Any(m => m.ModuleId == source.ModuleId))
        {
            throw new CrmConfigurationException($"Migrations of module '{source.ModuleId}' are registered twice (module ids are unique; '{CoreSchemaModule}' belongs to the storage provider).");
        }

        _migrations.Add(source);
    }

    /// <summary>The core schema runs before any module's, whatever the registration order; a provider sets it.</summary>
    internal void SetCoreSchema(IMigrationSource source)
    {
        _migrations.RemoveAll(m => m.ModuleId == CoreSchemaModule);
        _migrations.Insert(0, source);
    }

    /// <summary>Finds an entity type definition.</summary>
    /// <param name="apiName">The API name.</param>
    /// <returns>The definition, or <see langword="null"/>.</returns>
    public EntityDefinition? FindEntity(string apiName) => _entities.GetValueOrDefault(apiName);

    internal static bool IsIdentifier(string? name) => name is not null && Identifier().IsMatch(name);

    private static void CheckFields(string pluginId, string entityType, IReadOnlyList<FieldDefinition> fields, IReadOnlyList<FieldDefinition> existing)
    {
        var names = new HashSet<string>(existing.Select(f => f.ApiName), StringComparer.Ordinal);
        names.UnionWith(RecordColumns.Names);
        foreach (var field in fields)
        {
            if (!IsIdentifier(field.ApiName) || field.ApiName.EndsWith("_c", StringComparison.Ordinal))
            {
                throw new CrmConfigurationException($"Plugin '{pluginId}': field '{entityType}.{field.ApiName}' has an invalid API name: use lower camelCase (the suffix _c is kept for custom fields).");
            }

            if (!names.Add(field.ApiName))
            {
                throw new CrmConfigurationException($"Plugin '{pluginId}': field '{entityType}.{field.ApiName}' is defined twice or clashes with a record column.");
            }

            var problems = FieldRules.CheckDefinition(entityType, field);
            if (problems.Count > 0)
            {
                throw new CrmConfigurationException($"Plugin '{pluginId}': {string.Join("; ", problems.Select(p => p.Message))}");
            }
        }
    }

    [GeneratedRegex("^[a-z][A-Za-z0-9_]{0,62}$")]
    private static partial Regex Identifier();
}

/// <summary>The columns every record has, whatever its entity type; they can be filtered and sorted on.</summary>
internal static class RecordColumns
{
    public const string Id = "id";
    public const string Version = "version";
    public const string OwnerId = "ownerId";
    public const string CreatedAt = "createdAt";
    public const string CreatedBy = "createdBy";
    public const string ModifiedAt = "modifiedAt";
    public const string ModifiedBy = "modifiedBy";

    public static readonly IReadOnlyDictionary<string, (string Column, FieldType Type)> Map = new Dictionary<string, (string, FieldType)>(StringComparer.Ordinal)
    {
        [Id] = ("id", FieldType.Lookup),
        [Version] = ("version", FieldType.Number),
        [OwnerId] = ("owner_id", FieldType.Lookup),
        [CreatedAt] = ("created_at", FieldType.DateTime),
        [CreatedBy] = ("created_by", FieldType.Lookup),
        [ModifiedAt] = ("modified_at", FieldType.DateTime),
        [ModifiedBy] = ("modified_by", FieldType.Lookup),
    };

    public static IEnumerable<string> Names => Map.Keys;
}
