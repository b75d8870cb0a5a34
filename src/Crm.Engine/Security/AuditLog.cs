using System.Buffers;
using System.Text;
using System.Text.Json;
using Crm.Engine.Abstractions.Security;
using Crm.Engine.Records;
using Crm.Engine.Storage;
using Dapper;

namespace Crm.Engine.Security;

/// <summary>
/// Writes the audit trail: one row per <see cref="PendingAudit"/>, in the transaction of the change it records, so a
/// change and its audit commit or roll back together. The <c>changes</c> column is a JSON array of
/// <c>{"field", "old", "new"}</c> objects in the records' canonical JSON value forms.
/// </summary>
internal static class AuditLog
{
    public const string InsertSql =
        "INSERT INTO audit_log (tenant_id, seq, at, user_id, source, source_name, action, entity_type, record_id, changes, detail) " +
        "VALUES (@tenant, @seq, @at, @user, @source, @sourceName, @action, @entityType, @recordId, @changes, @detail)";

    /// <summary>
    /// Writes the entries with the tenant's next sequence numbers (reserved in the same transaction) through one
    /// prepared statement of the operation's batch; returns the last sequence number.
    /// </summary>
    public static async Task<long> WriteAsync(WriteBatch batch, ISqlDialect dialect, string tenantId, DateTimeOffset at, IReadOnlyList<PendingAudit> entries, CancellationToken cancellationToken)
    {
        var last = await batch.Connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "INSERT INTO audit_settings (tenant_id, retention_days, last_seq) VALUES (@tenant, NULL, @count) " +
            "ON CONFLICT (tenant_id) DO UPDATE SET last_seq = audit_settings.last_seq + @count RETURNING last_seq",
            new { tenant = tenantId, count = entries.Count }, batch.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var seq = last - entries.Count;
        var command = batch.Command("audit", InsertSql, "@tenant", "@seq", "@at", "@user", "@source", "@sourceName", "@action", "@entityType", "@recordId", "@changes", "@detail");
        var time = dialect.TimeParameter(at);
        foreach (var entry in entries)
        {
            var p = command.Parameters;
            p["@tenant"].Value = tenantId;
            p["@seq"].Value = ++seq;
            p["@at"].Value = time;
            p["@user"].Value = entry.Caller.UserId is { } u ? dialect.IdParameter(u) : DBNull.Value;
            p["@source"].Value = entry.Caller.Source.ToString();
            p["@sourceName"].Value = (object?)entry.Caller.SourceName ?? DBNull.Value;
            p["@action"].Value = entry.Action.ToString();
            p["@entityType"].Value = entry.EntityType;
            p["@recordId"].Value = dialect.IdParameter(entry.RecordId);
            p["@changes"].Value = dialect.JsonParameter(WriteChanges(entry.Changes));
            p["@detail"].Value = (object?)entry.Detail ?? DBNull.Value;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return last;
    }

    public static string WriteChanges(IReadOnlyList<AuditChange> changes)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var change in changes)
            {
                writer.WriteStartObject();
                writer.WriteString("field", change.Field);
                Value(writer, "old", change.OldValue);
                Value(writer, "new", change.NewValue);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void Value(Utf8JsonWriter writer, string name, object? value)
    {
        writer.WritePropertyName(name);
        if (value is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            RecordJson.WriteValue(writer, value);
        }
    }
}
