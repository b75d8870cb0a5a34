using System.Collections.Frozen;
using System.Data;
using System.Data.Common;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Metadata;
using Crm.Engine.Storage;
using Crm.Engine.Work.Numbering;
using Dapper;

namespace Crm.Engine.Records;

/// <summary>
/// The SQL of records: one <c>records</c> table for every entity type (record columns plus a JSON column of field
/// values), <c>record_refs</c> for look-ups (a real foreign key, so a referenced record cannot vanish), and
/// <c>record_keys</c> for phone and e-mail look-up. Every statement is keyed by tenant.
/// </summary>
internal sealed class RecordStore(IStorageProvider storage)
{
    public const string SelectColumns = "id, entity_type, version, owner_id, created_at, created_by, modified_at, modified_by, fields";

    private const string InsertSql =
        "INSERT INTO records (tenant_id, id, entity_type, version, owner_id, created_at, created_by, modified_at, modified_by, fields) " +
        "VALUES (@tenant, @id, @entityType, @version, @owner, @createdAt, @createdBy, @modifiedAt, @modifiedBy, @fields)";

    private const string UpdateSql =
        "UPDATE records SET version = @version, owner_id = @owner, modified_at = @modifiedAt, modified_by = @modifiedBy, fields = @fields " +
        "WHERE tenant_id = @tenant AND id = @id AND version = @expected";

    private const string RefSql = "INSERT INTO record_refs (tenant_id, source_id, field, target_id) VALUES (@tenant, @id, @field, @target)";
    private const string KeySql = "INSERT INTO record_keys (tenant_id, kind, key, record_id, field) VALUES (@tenant, @kind, @key, @id, @field)";

    private static readonly IReadOnlyDictionary<string, TenantField> Empty = new Dictionary<string, TenantField>();

    // Parameter names in the order of the values set by position below.
    private static readonly string[] InsertParameters = ["@tenant", "@id", "@entityType", "@version", "@owner", "@createdAt", "@createdBy", "@modifiedAt", "@modifiedBy", "@fields"];
    private static readonly string[] UpdateParameters = ["@tenant", "@id", "@version", "@owner", "@modifiedAt", "@modifiedBy", "@fields", "@expected"];
    private static readonly string[] ClearParameters = ["@tenant", "@id"];
    private static readonly string[] RefParameters = ["@tenant", "@id", "@field", "@target"];
    private static readonly string[] KeyParameters = ["@tenant", "@kind", "@key", "@id", "@field"];

    private ISqlDialect Dialect => storage.Dialect;

    public async Task<CrmRecord?> GetAsync(DbConnection connection, DbTransaction? transaction, TenantMetadata metadata, string entityType, Guid id, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT {SelectColumns} FROM records WHERE tenant_id = @tenant AND id = @id AND entity_type = @entityType";
        AddParameter(command, "@tenant", metadata.TenantId);
        AddParameter(command, "@id", Dialect.IdParameter(id));
        AddParameter(command, "@entityType", entityType);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Materialize(reader, metadata) : null;
    }

    public static CrmRecord Materialize(DbDataReader reader, TenantMetadata metadata)
    {
        var entityType = reader.GetString(1);
        var fields = metadata.FindFields(entityType) ?? Empty;
        var values = RecordJson.Read(reader.GetString(8), fields);
        return new CrmRecord(
            entityType,
            DbValues.ToGuid(reader.GetValue(0)),
            reader.GetInt64(2),
            values,
            new RecordStamps(
                DbValues.ToNullableGuid(reader.GetValue(3)),
                DbValues.ToTime(reader.GetValue(4)),
                DbValues.ToNullableGuid(reader.GetValue(5)),
                DbValues.ToTime(reader.GetValue(6)),
                DbValues.ToNullableGuid(reader.GetValue(7))));
    }

    public async Task InsertAsync(WriteBatch batch, string tenantId, CrmRecord record, TenantEntity entity, CancellationToken cancellationToken)
    {
        var command = batch.Command("insert", InsertSql, InsertParameters);
        var p = command.Parameters;
        var id = Dialect.IdParameter(record.Id);
        var stamps = record.Stamps;
        p[0].Value = tenantId;
        p[1].Value = id;
        p[2].Value = record.EntityType;
        p[3].Value = record.Version;
        p[4].Value = Id(stamps.OwnerId);
        p[5].Value = batch.Time(stamps.CreatedAt);
        p[6].Value = Id(stamps.CreatedBy);
        p[7].Value = batch.Time(stamps.ModifiedAt);
        p[8].Value = Id(stamps.ModifiedBy);
        p[9].Value = Dialect.JsonParameter(RecordJson.Write(record.Values));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await WriteSideTablesAsync(batch, tenantId, record, id, batch.PlanFor(entity), isNew: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes a new version; returns false when the stored version is not <paramref name="expectedVersion"/>.</summary>
    public async Task<bool> UpdateAsync(WriteBatch batch, string tenantId, CrmRecord record, long expectedVersion, TenantEntity entity, CancellationToken cancellationToken)
    {
        var command = batch.Command("update", UpdateSql, UpdateParameters);
        var p = command.Parameters;
        var id = Dialect.IdParameter(record.Id);
        p[0].Value = tenantId;
        p[1].Value = id;
        p[2].Value = record.Version;
        p[3].Value = Id(record.Stamps.OwnerId);
        p[4].Value = batch.Time(record.Stamps.ModifiedAt);
        p[5].Value = Id(record.Stamps.ModifiedBy);
        p[6].Value = Dialect.JsonParameter(RecordJson.Write(record.Values));
        p[7].Value = expectedVersion;
        if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
        {
            return false;
        }

        await WriteSideTablesAsync(batch, tenantId, record, id, batch.PlanFor(entity), isNew: false, cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async Task DeleteAsync(WriteBatch batch, string tenantId, Guid id, CancellationToken cancellationToken)
    {
        var args = new { tenant = tenantId, id = Dialect.IdParameter(id) };
        await batch.Connection.ExecuteAsync(new CommandDefinition("DELETE FROM record_keys WHERE tenant_id = @tenant AND record_id = @id", args, batch.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await batch.Connection.ExecuteAsync(new CommandDefinition("DELETE FROM record_refs WHERE tenant_id = @tenant AND source_id = @id", args, batch.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await batch.Connection.ExecuteAsync(new CommandDefinition("DELETE FROM records WHERE tenant_id = @tenant AND id = @id", args, batch.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public Task<long> CountReferencesAsync(DbConnection connection, DbTransaction transaction, string tenantId, Guid id, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM record_refs WHERE tenant_id = @tenant AND target_id = @id AND source_id <> @id",
            new { tenant = tenantId, id = Dialect.IdParameter(id) }, transaction, cancellationToken: cancellationToken));

    public async Task<string?> EntityTypeOfAsync(DbConnection connection, DbTransaction? transaction, string tenantId, Guid id, CancellationToken cancellationToken) =>
        await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT entity_type FROM records WHERE tenant_id = @tenant AND id = @id",
            new { tenant = tenantId, id = Dialect.IdParameter(id) }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);

    /// <summary>
    /// The records holding a look-up key: keys starting with <paramref name="keyPrefix"/> (when given) or equal to one
    /// of <paramref name="exactKeys"/>. One statement; records of a type no longer registered come back raw.
    /// </summary>
    public static async Task<IReadOnlyList<CrmRecord>> FindByKeysAsync(DbConnection connection, DbTransaction? transaction, TenantMetadata metadata, string kind, string? keyPrefix, IReadOnlyList<string> exactKeys, IReadOnlyCollection<(string EntityType, string Field)> hiddenFields, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        var conditions = new List<string>();
        if (keyPrefix is not null)
        {
            conditions.Add("(k.key >= @prefix AND k.key < @upper)");
            AddParameter(command, "@prefix", keyPrefix);
            AddParameter(command, "@upper", keyPrefix + "\uffff");
        }

        if (exactKeys.Count > 0)
        {
            var names = exactKeys.Select((k, i) => "@k" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
            conditions.Add($"k.key IN ({string.Join(", ", names)})");
            for (var i = 0; i < names.Count; i++)
            {
                AddParameter(command, names[i], exactKeys[i]);
            }
        }

        if (conditions.Count == 0)
        {
            return [];
        }

        // A match in a field the caller may not read does not count: it would tell them the hidden value.
        var hidden = new List<string>();
        foreach (var (entityType, field) in hiddenFields)
        {
            var n = hidden.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            hidden.Add($"(r.entity_type = @he{n} AND k.field = @hf{n})");
            AddParameter(command, "@he" + n, entityType);
            AddParameter(command, "@hf" + n, field);
        }

        command.CommandText =
            $"SELECT {SelectColumns} FROM records WHERE tenant_id = @tenant AND id IN " +
            $"(SELECT k.record_id FROM record_keys k JOIN records r ON r.tenant_id = k.tenant_id AND r.id = k.record_id " +
            $"WHERE k.tenant_id = @tenant AND k.kind = @kind AND ({string.Join(" OR ", conditions)}){(hidden.Count == 0 ? string.Empty : $" AND NOT ({string.Join(" OR ", hidden)})")})";
        AddParameter(command, "@tenant", metadata.TenantId);
        AddParameter(command, "@kind", kind);
        var found = new List<CrmRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            found.Add(Materialize(reader, metadata));
        }

        return found;
    }

    private object Id(Guid? id) => id is { } g ? Dialect.IdParameter(g) : DBNull.Value;

    private async Task WriteSideTablesAsync(WriteBatch batch, string tenantId, CrmRecord record, object id, EntityWritePlan plan, bool isNew, CancellationToken cancellationToken)
    {
        if (!isNew)
        {
            if (plan.Lookups.Length > 0)
            {
                var clear = batch.Command("refs_clear", "DELETE FROM record_refs WHERE tenant_id = @tenant AND source_id = @id", ClearParameters);
                clear.Parameters[0].Value = tenantId;
                clear.Parameters[1].Value = id;
                await clear.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            if (plan.Keyed.Length > 0)
            {
                var clear = batch.Command("keys_clear", "DELETE FROM record_keys WHERE tenant_id = @tenant AND record_id = @id", ClearParameters);
                clear.Parameters[0].Value = tenantId;
                clear.Parameters[1].Value = id;
                await clear.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        foreach (var field in plan.Lookups)
        {
            var target = record[field] switch
            {
                Guid g => g,
                RecordRef r => r.Id,
                _ => (Guid?)null,
            };
            if (target is null)
            {
                continue;
            }

            var insert = batch.Command("ref", RefSql, RefParameters);
            var p = insert.Parameters;
            p[0].Value = tenantId;
            p[1].Value = id;
            p[2].Value = field;
            p[3].Value = Dialect.IdParameter(target.Value);
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        foreach (var field in plan.Keyed)
        {
            if (record[field.ApiName] is not string text || LookupKeys.Key(field.Type, text) is not { } key)
            {
                continue;
            }

            var insert = batch.Command("key", KeySql, KeyParameters);
            var p = insert.Parameters;
            p[0].Value = tenantId;
            p[1].Value = field.Kind;
            p[2].Value = key;
            p[3].Value = id;
            p[4].Value = field.ApiName;
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static void AddParameter(DbCommand command, string name, object? value)
    {
        var p = command.CreateParameter();
        p.ParameterName = name;
        p.Value = value ?? DBNull.Value;
        command.Parameters.Add(p);
    }

    internal static DbCommand Prepare(DbConnection connection, DbTransaction transaction, string sql, string[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            AddParameter(command, name, null);
        }

        command.Prepare();
        return command;
    }
}

/// <summary>
/// The prepared commands of one transaction, reused for every row it writes: the bulk path costs one parse per
/// statement, not one per row. Also keeps what every row of an entity type would otherwise recompute: the entity's
/// write plan, and the last instant in its parameter form.
/// </summary>
internal sealed class WriteBatch(DbConnection connection, DbTransaction transaction, ISqlDialect dialect) : IAsyncDisposable
{
    private readonly Dictionary<string, DbCommand> _commands = new(StringComparer.Ordinal);
    private readonly Dictionary<TenantEntity, EntityWritePlan> _plans = new(ReferenceEqualityComparer.Instance);
    private DateTimeOffset _lastTime;
    private object? _lastTimeParameter;

    public DbConnection Connection { get; } = connection;

    public DbTransaction Transaction { get; } = transaction;

    /// <summary>The tenant's time zone once an auto-number with date tokens needed it (see <c>NumberSequenceStore</c>).</summary>
    public TimeZoneInfo? TenantTimeZone { get; set; }

    /// <summary>The prepared command for <paramref name="key"/>; its parameters are in the order of <paramref name="parameters"/>.</summary>
    public DbCommand Command(string key, string sql, string[] parameters)
    {
        if (!_commands.TryGetValue(key, out var command))
        {
            command = RecordStore.Prepare(Connection, Transaction, sql, parameters);
            _commands[key] = command;
        }

        return command;
    }

    /// <summary>
    /// The write plan of an entity type, made once per transaction (the transaction's metadata does not change under
    /// it: entities are keyed by instance).
    /// </summary>
    public EntityWritePlan PlanFor(TenantEntity entity)
    {
        if (!_plans.TryGetValue(entity, out var plan))
        {
            plan = new EntityWritePlan(entity);
            _plans[entity] = plan;
        }

        return plan;
    }

    /// <summary>An instant as a parameter value; rows written at the same instant share one.</summary>
    public object Time(DateTimeOffset instant)
    {
        if (_lastTimeParameter is null || instant != _lastTime || instant.Offset != _lastTime.Offset)
        {
            _lastTimeParameter = dialect.TimeParameter(instant);
            _lastTime = instant;
        }

        return _lastTimeParameter;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var command in _commands.Values)
        {
            await command.DisposeAsync().ConfigureAwait(false);
        }

        _commands.Clear();
    }
}

/// <summary>
/// What a write of one entity type touches besides its <c>records</c> row, and what its validation checks for every
/// row: worked out from the entity's fields once, not per row.
/// </summary>
internal sealed class EntityWritePlan
{
    public EntityWritePlan(TenantEntity entity)
    {
        Lookups = [.. entity.Fields.Where(f => f.Type == FieldType.Lookup).Select(f => f.ApiName)];
        Keyed = [.. entity.Fields.Where(f => LookupKeys.Kind(f.Type) is not null).Select(f => new KeyedField(f.ApiName, f.Type, LookupKeys.Kind(f.Type)!))];
        Required = [.. entity.Fields.Where(f => f.Definition.Required)];
        AutoNumbers = [.. entity.Fields.Where(f => f.Definition.AutoNumber is not null && f.Type == FieldType.Text).Select(f => new AutoNumberField(f,
            AutoNumberFormat.TryParse(f.Definition.AutoNumber, out var error) ?? throw new InvalidOperationException($"{entity.ApiName}.{f.ApiName}: auto-number format: {error}")))];
        _fields = entity.Fields.ToFrozenDictionary(f => f.ApiName, StringComparer.Ordinal);
    }

    private readonly FrozenDictionary<string, TenantField> _fields;

    /// <summary>Look-up fields: a value is written to <c>record_refs</c>.</summary>
    public string[] Lookups { get; }

    /// <summary>Phone and e-mail fields: a value is written to <c>record_keys</c>.</summary>
    public KeyedField[] Keyed { get; }

    /// <summary>Required fields: a create must give them a value.</summary>
    public TenantField[] Required { get; }

    /// <summary>Auto-number fields: a create without a value draws one.</summary>
    public AutoNumberField[] AutoNumbers { get; }

    /// <summary>The entity's field of that API name (what <see cref="TenantEntity.FindField"/> finds, by hash).</summary>
    public TenantField? FindField(string apiName) => _fields.GetValueOrDefault(apiName);
}

/// <summary>A field whose values are look-up keys of a kind (<see cref="LookupKeys"/>).</summary>
/// <param name="ApiName">The field.</param>
/// <param name="Type">Its type (phone or e-mail).</param>
/// <param name="Kind">The key kind.</param>
internal sealed record KeyedField(string ApiName, FieldType Type, string Kind);
