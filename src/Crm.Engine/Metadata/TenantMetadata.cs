using System.Collections.Frozen;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Metadata;

namespace Crm.Engine.Metadata;

/// <summary>
/// The metadata one tenant sees, at one metadata version: code definitions merged with the tenant's labels and
/// custom fields. Immutable; rebuilt when the tenant's metadata version moves.
/// </summary>
internal sealed class TenantMetadata
{
    private readonly FrozenDictionary<string, TenantEntity> _entities;
    private readonly FrozenDictionary<string, FrozenDictionary<string, TenantField>> _fields;

    public TenantMetadata(string tenantId, long version, IEnumerable<TenantEntity> entities)
    {
        TenantId = tenantId;
        Version = version;
        _entities = entities.ToFrozenDictionary(e => e.ApiName, StringComparer.Ordinal);
        _fields = _entities.ToFrozenDictionary(
            e => e.Key,
            e => e.Value.Fields.ToFrozenDictionary(f => f.ApiName, StringComparer.Ordinal),
            StringComparer.Ordinal);
    }

    public string TenantId { get; }

    public long Version { get; }

    public IEnumerable<TenantEntity> Entities => _entities.Values;

    public TenantEntity GetEntity(string entityType)
    {
        if (_entities.TryGetValue(entityType, out var entity))
        {
            return entity;
        }

        var near = Suggestions.Closest(entityType, _entities.Keys);
        throw new CrmNotFoundException($"Entity type '{entityType}'{(near is null ? string.Empty : $" (did you mean '{near}'?)")}");
    }

    public IReadOnlyDictionary<string, TenantField> FieldsOf(string entityType)
    {
        GetEntity(entityType);
        return _fields[entityType];
    }

    /// <summary>The fields of an entity type, or null when the type is not (or no longer) registered.</summary>
    public IReadOnlyDictionary<string, TenantField>? FindFields(string entityType) =>
        _fields.TryGetValue(entityType, out var fields) ? fields : null;

    public TenantField? FindField(string entityType, string field) =>
        _fields.TryGetValue(entityType, out var fields) && fields.TryGetValue(field, out var f) ? f : null;
}
