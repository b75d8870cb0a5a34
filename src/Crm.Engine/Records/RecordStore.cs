using System.Data;
using System.Data.Common;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Metadata;
using Crm.Engine.Storage;
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

    private static readonly IReadOnlyDictionary<string, TenantField> Empty = new Dictionary<string, TenantField>();

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
        var command = batch.Command("insert", InsertSql, "@tenant", "@id", "@entityType", "@version", "@owner", "@createdAt", "@createdBy", "@modifiedAt", "@modifiedBy", "@fields");
        SetRow(command, tenantId, record);
        command.Parameters["@entityType"].Value = record.EntityType;
        command.Parameters["@createdAt"].Value = Dialect.TimeParameter(record.Stamps.CreatedAt);
        command.Parameters["@createdBy"].Value = Id(record.Stamps.CreatedBy);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await WriteSideTablesAsync(batch, tenantId, record, entity, isNew: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes a new version; returns false when the stored version is not <paramref name="expectedVersion"/>.</summary>
    public async Task<bool> UpdateAsync(WriteBatch batch, string tenantId, CrmRecord record, long expectedVersion, TenantEntity entity, CancellationToken cancellationToken)
    {
        var command = batch.Command("update", UpdateSql, "@tenant", "@id", "@version", "@owner", "@modifiedAt", "@modifiedBy", "@fields", "@expected");
        SetRow(command, tenantId, record);
        command.Parameters["@expected"].Value = expectedVersion;
        if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
        {
            return false;
        }

        await WriteSideTablesAsync(batch, tenantId, record, entity, isNew: false, cancellationToken).ConfigureAwait(false);
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

    private void SetRow(DbCommand command, string tenantId, CrmRecord record)
    {
        command.Parameters["@tenant"].Value = tenantId;
        command.Parameters["@id"].Value = Dialect.IdParameter(record.Id);
        command.Parameters["@version"].Value = record.Version;
        command.Parameters["@owner"].Value = Id(record.Stamps.OwnerId);
        command.Parameters["@modifiedAt"].Value = Dialect.TimeParameter(record.Stamps.ModifiedAt);
        command.Parameters["@modifiedBy"].Value = Id(record.Stamps.ModifiedBy);
        command.Parameters["@fields"].Value = Dialect.JsonParameter(RecordJson.Write(record.Values));
    }

    private object Id(Guid? id) => id is { } g ? Dialect.IdParameter(g) : DBNull.Value;

    private async Task WriteSideTablesAsync(WriteBatch batch, string tenantId, CrmRecord record, TenantEntity entity, bool isNew, CancellationToken cancellationToken)
    {
        var lookups = entity.Fields.Where(f => f.Type == FieldType.Lookup).ToList();
        var keyed = entity.Fields.Where(f => LookupKeys.Kind(f.Type) is not null).ToList();
        var id = Dialect.IdParameter(record.Id);
        if (!isNew)
        {
            if (lookups.Count > 0)
            {
                var clear = batch.Command("refs_clear", "DELETE FROM record_refs WHERE tenant_id = @tenant AND source_id = @id", "@tenant", "@id");
                clear.Parameters["@tenant"].Value = tenantId;
                clear.Parameters["@id"].Value = id;
                await clear.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            if (keyed.Count > 0)
            {
                var clear = batch.Command("keys_clear", "DELETE FROM record_keys WHERE tenant_id = @tenant AND record_id = @id", "@tenant", "@id");
                clear.Parameters["@tenant"].Value = tenantId;
                clear.Parameters["@id"].Value = id;
                await clear.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        foreach (var field in lookups)
        {
            var target = record[field.ApiName] switch
            {
                Guid g => g,
                RecordRef r => r.Id,
                _ => (Guid?)null,
            };
            if (target is null)
            {
                continue;
            }

            var insert = batch.Command("ref", "INSERT INTO record_refs (tenant_id, source_id, field, target_id) VALUES (@tenant, @id, @field, @target)", "@tenant", "@id", "@field", "@target");
            insert.Parameters["@tenant"].Value = tenantId;
            insert.Parameters["@id"].Value = id;
            insert.Parameters["@field"].Value = field.ApiName;
            insert.Parameters["@target"].Value = Dialect.IdParameter(target.Value);
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        foreach (var field in keyed)
        {
            if (record[field.ApiName] is not string text || LookupKeys.Key(field.Type, text) is not { } key)
            {
                continue;
            }

            var insert = batch.Command("key", "INSERT INTO record_keys (tenant_id, kind, key, record_id, field) VALUES (@tenant, @kind, @key, @id, @field)", "@tenant", "@kind", "@key", "@id", "@field");
            insert.Parameters["@tenant"].Value = tenantId;
            insert.Parameters["@kind"].Value = LookupKeys.Kind(field.Type);
            insert.Parameters["@key"].Value = key;
            insert.Parameters["@id"].Value = id;
            insert.Parameters["@field"].Value = field.ApiName;
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

    internal static DbCommand Prepare(DbConnection connection, DbTransaction transaction, string sql, IReadOnlyList<string> parameters)
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
/// statement, not one per row.
/// </summary>
internal sealed class WriteBatch(DbConnection connection, DbTransaction transaction) : IAsyncDisposable
{
    private readonly Dictionary<string, DbCommand> _commands = new(StringComparer.Ordinal);

    public DbConnection Connection { get; } = connection;

    public DbTransaction Transaction { get; } = transaction;

    public DbCommand Command(string key, string sql, params IReadOnlyList<string> parameters)
    {
        if (!_commands.TryGetValue(key, out var command))
        {
            command = RecordStore.Prepare(Connection, Transaction, sql, parameters);
            _commands[key] = command;
        }

        return command;
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
