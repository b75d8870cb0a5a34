using System.Collections.Concurrent;
using System.Data.Common;
using System.Text.Json;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Storage;
using Dapper;

namespace Crm.Engine.Metadata;

/// <summary>
/// Builds and caches each tenant's <see cref="TenantMetadata"/>. Every operation reads the tenant's metadata
/// version (one indexed row, which also proves the tenant exists); the cached view is reused while it matches,
/// so a change made by another process is seen by the next operation.
/// </summary>
internal sealed class MetadataCache(CrmRegistry registry, IStorageProvider storage)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly ConcurrentDictionary<string, TenantMetadata> _cache = new(StringComparer.Ordinal);

    public async Task<TenantMetadata> GetAsync(DbConnection connection, DbTransaction? transaction, string tenantId, CancellationToken cancellationToken)
    {
        var version = await connection.QuerySingleOrDefaultAsync<long?>(
            new CommandDefinition("SELECT metadata_version FROM tenants WHERE id = @tenantId", new { tenantId }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (version is null)
        {
            throw new CrmTenantNotFoundException(tenantId);
        }

        if (_cache.TryGetValue(tenantId, out var cached) && cached.Version == version)
        {
            return cached;
        }

        var built = await LoadAsync(connection, transaction, tenantId, version.Value, cancellationToken).ConfigureAwait(false);
        _cache[tenantId] = built;
        return built;
    }

    private async Task<TenantMetadata> LoadAsync(DbConnection connection, DbTransaction? transaction, string tenantId, long version, CancellationToken cancellationToken)
    {
        var args = new { tenantId };
        var entityLabels = (await connection.QueryAsync<(string EntityType, string DisplayName, string PluralName)>(
            new CommandDefinition("SELECT entity_type, display_name, plural_name FROM entity_labels WHERE tenant_id = @tenantId", args, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false))
            .ToDictionary(r => r.EntityType, StringComparer.Ordinal);
        var fieldLabels = (await connection.QueryAsync<(string EntityType, string ApiName, string Label)>(
            new CommandDefinition("SELECT entity_type, api_name, label FROM field_labels WHERE tenant_id = @tenantId", args, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false))
            .ToDictionary(r => (r.EntityType, r.ApiName), r => r.Label);
        var formats = (await connection.QueryAsync<(string EntityType, string ApiName, string Format)>(
            new CommandDefinition("SELECT entity_type, api_name, format FROM field_auto_numbers WHERE tenant_id = @tenantId", args, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false))
            .ToDictionary(r => (r.EntityType, r.ApiName), r => r.Format);
        var custom = (await connection.QueryAsync<(string EntityType, string Definition)>(
            new CommandDefinition("SELECT entity_type, definition FROM custom_fields WHERE tenant_id = @tenantId ORDER BY created_at, api_name", args, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false))
            .Select(r => (r.EntityType, Field: JsonSerializer.Deserialize<FieldDefinition>(r.Definition, Json)!))
            .ToLookup(r => r.EntityType, r => r.Field with { IsCustom = true }, StringComparer.Ordinal);

        var entities = registry.Entities.Select(definition =>
        {
            var fields = definition.Fields.Concat(custom[definition.ApiName])
                .Select(f => formats.TryGetValue((definition.ApiName, f.ApiName), out var format) ? f with { AutoNumber = format } : f)
                .Select(f => new TenantField(f, fieldLabels.GetValueOrDefault((definition.ApiName, f.ApiName)) ?? f.Label ?? Humanize(f.ApiName, f.Type)))
                .ToList();
            var labels = entityLabels.GetValueOrDefault(definition.ApiName);
            return new TenantEntity(
                definition,
                labels.DisplayName ?? definition.DisplayName,
                labels.PluralName ?? definition.PluralName ?? definition.DisplayName + "s",
                fields);
        });
        return new TenantMetadata(tenantId, version, entities);
    }

    /// <summary>Creates the JSON expression indexes of system fields marked <see cref="FieldDefinition.Indexed"/>.</summary>
    public async Task EnsureSystemIndexesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await storage.OpenAsync(cancellationToken).ConfigureAwait(false);
        foreach (var entity in registry.Entities)
        {
            foreach (var field in entity.Fields.Where(f => f.Indexed))
            {
                await connection.ExecuteAsync(new CommandDefinition(
                    storage.Dialect.CreateJsonFieldIndex(IndexName(field.ApiName), field.ApiName), cancellationToken: cancellationToken)).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// One index per field name, shared by every entity type and tenant that has a field of that name
    /// (the index key starts with tenant and entity type).
    /// </summary>
    public static string IndexName(string field) => $"ix_records_f_{field}";

    /// <summary>A label from an API name: <c>loyaltyTier_c</c> → "Loyalty tier"; a look-up's "Id" is dropped (<c>accountId</c> → "Account"), another field's kept (<c>mqlId_c</c> → "Mql id").</summary>
    public static string Humanize(string apiName, FieldType type)
    {
        var name = apiName.EndsWith("_c", StringComparison.Ordinal) ? apiName[..^2] : apiName;
        if (type == FieldType.Lookup && name.EndsWith("Id", StringComparison.Ordinal) && name.Length > 2)
        {
            name = name[..^2];
        }

        var chars = new System.Text.StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (i == 0)
            {
                chars.Append(char.ToUpperInvariant(c));
            }
            else if (char.IsUpper(c) || c == '_')
            {
                chars.Append(' ');
                if (c != '_')
                {
                    chars.Append(char.ToLowerInvariant(c));
                }
            }
            else
            {
                chars.Append(c);
            }
        }

        return chars.ToString();
    }
}
