using System.Collections.ObjectModel;

namespace Crm.Engine.Abstractions.Records;

/// <summary>
/// A stored record of any entity type: its identity, version, owner and stamps, and the values of its system and
/// custom fields in their canonical types (see <see cref="Metadata.FieldType"/>). Immutable.
/// </summary>
public sealed class CrmRecord
{
    /// <summary>Creates a record. Engines and tests create records; callers normally receive them.</summary>
    /// <param name="entityType">The entity type's API name.</param>
    /// <param name="id">The record id.</param>
    /// <param name="version">The version, incremented by every write.</param>
    /// <param name="values">Field values by API name (system and custom fields, without the record columns).</param>
    /// <param name="stamps">Owner and create/modify stamps.</param>
    public CrmRecord(string entityType, Guid id, long version, IReadOnlyDictionary<string, object?> values, RecordStamps stamps)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(stamps);
        EntityType = entityType;
        Id = id;
        Version = version;
        Values = values as ReadOnlyDictionary<string, object?> ?? new ReadOnlyDictionary<string, object?>(new Dictionary<string, object?>(values, StringComparer.Ordinal));
        Stamps = stamps;
    }

    /// <summary>The entity type's API name.</summary>
    public string EntityType { get; }

    /// <summary>The record id.</summary>
    public Guid Id { get; }

    /// <summary>The version, incremented by every write; send it back with an update for optimistic concurrency.</summary>
    public long Version { get; }

    /// <summary>Field values by API name. A field without a value is absent.</summary>
    public IReadOnlyDictionary<string, object?> Values { get; }

    /// <summary>Owner and create/modify stamps.</summary>
    public RecordStamps Stamps { get; }

    /// <summary>The owning user or team.</summary>
    public Guid? OwnerId => Stamps.OwnerId;

    /// <summary>A field's value, or <see langword="null"/> when it has none.</summary>
    /// <param name="field">The field's API name.</param>
    public object? this[string field] => Values.TryGetValue(field, out var v) ? v : null;

    /// <summary>A field's value in its canonical type.</summary>
    /// <typeparam name="T">The canonical type (see <see cref="Metadata.FieldType"/>).</typeparam>
    /// <param name="field">The field's API name.</param>
    /// <returns>The value, or <see langword="default"/> when the field has none.</returns>
    /// <exception cref="InvalidCastException">The value is not of type <typeparamref name="T"/>.</exception>
    public T? Get<T>(string field)
    {
        var value = this[field];
        return value switch
        {
            null => default,
            T typed => typed,
            _ => throw new InvalidCastException($"{EntityType}.{field} holds a {value.GetType().Name}, not a {typeof(T).Name}."),
        };
    }

    /// <inheritdoc />
    public override string ToString() => $"{EntityType} {Id} v{Version}";
}

/// <summary>Who owns a record and when and by whom it was created and last changed.</summary>
/// <param name="OwnerId">The owning user or team, if any.</param>
/// <param name="CreatedAt">When the record was created (UTC).</param>
/// <param name="CreatedBy">The user who created it, or <see langword="null"/> for the system.</param>
/// <param name="ModifiedAt">When the record was last changed (UTC).</param>
/// <param name="ModifiedBy">The user who last changed it, or <see langword="null"/> for the system.</param>
public sealed record RecordStamps(Guid? OwnerId, DateTimeOffset CreatedAt, Guid? CreatedBy, DateTimeOffset ModifiedAt, Guid? ModifiedBy);
