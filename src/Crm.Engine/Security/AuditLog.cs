using System.Text.Json;
using Crm.Engine.Abstractions.Security;
using Crm.Engine.Records;
using Crm.Engine.Storage;

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

    private static readonly string[] InsertParameters = ["@tenant", "@seq", "@at", "@user", "@source", "@sourceName", "@action", "@entityType", "@recordId", "@changes", "@detail"];
    private static readonly string[] ReserveParameters = ["@tenant", "@count"];
    private static readonly string[] ReturnParameters = ["@tenant", "@used", "@reserved"];

    /// <summary>
    /// Reserves the tenant's next <paramref name="count"/> sequence numbers in the operation's transaction (the
    /// counter row stays locked by it until it ends); returns the last one reserved.
    /// </summary>
    public static async Task<long> ReserveAsync(WriteBatch batch, string tenantId, int count, CancellationToken cancellationToken)
    {
        var command = batch.Command("audit_reserve",
            "INSERT INTO audit_settings (tenant_id, retention_days, last_seq) VALUES (@tenant, NULL, @count) " +
            "ON CONFLICT (tenant_id) DO UPDATE SET last_seq = audit_settings.last_seq + @count RETURNING last_seq",
            ReserveParameters);
        command.Parameters[0].Value = tenantId;
        command.Parameters[1].Value = count;
        var last = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return Convert.ToInt64(last, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Hands back reserved numbers the operation did not use: the counter goes back from <paramref name="reserved"/>
    /// to <paramref name="used"/>, so the numbers stay gap-free. Returns false when the counter is no longer at
    /// <paramref name="reserved"/> (nothing is changed then).
    /// </summary>
    public static async Task<bool> ReturnAsync(WriteBatch batch, string tenantId, long used, long reserved, CancellationToken cancellationToken)
    {
        var command = batch.Command("audit_return", "UPDATE audit_settings SET last_seq = @used WHERE tenant_id = @tenant AND last_seq = @reserved", ReturnParameters);
        command.Parameters[0].Value = tenantId;
        command.Parameters[1].Value = used;
        command.Parameters[2].Value = reserved;
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>Writes one entry with a sequence number reserved by the operation, through the batch's prepared statement.</summary>
    /// <param name="batch">The operation's prepared commands.</param>
    /// <param name="dialect">The storage dialect.</param>
    /// <param name="tenantId">The tenant.</param>
    /// <param name="at">The entry's time, already in the dialect's parameter form.</param>
    /// <param name="seq">The entry's sequence number.</param>
    /// <param name="entry">The entry.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    public static Task WriteAsync(WriteBatch batch, ISqlDialect dialect, string tenantId, object at, long seq, PendingAudit entry, CancellationToken cancellationToken)
    {
        var command = batch.Command("audit", InsertSql, InsertParameters);
        var p = command.Parameters;
        p[0].Value = tenantId;
        p[1].Value = seq;
        p[2].Value = at;
        p[3].Value = entry.Caller.UserId is { } u ? dialect.IdParameter(u) : DBNull.Value;
        p[4].Value = Enum.GetName(entry.Caller.Source) ?? entry.Caller.Source.ToString();
        p[5].Value = (object?)entry.Caller.SourceName ?? DBNull.Value;
        p[6].Value = Enum.GetName(entry.Action) ?? entry.Action.ToString();
        p[7].Value = entry.EntityType;
        p[8].Value = dialect.IdParameter(entry.RecordId);
        p[9].Value = dialect.JsonParameter(WriteChanges(entry.Changes));
        p[10].Value = (object?)entry.Detail ?? DBNull.Value;
        return command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static string WriteChanges(IReadOnlyList<AuditChange> changes) => JsonScratch.Write(changes, static (writer, changes) =>
    {
        writer.WriteStartArray();
        for (var i = 0; i < changes.Count; i++)
        {
            var change = changes[i];
            writer.WriteStartObject();
            writer.WriteString("field", change.Field);
            Value(writer, "old", change.OldValue);
            Value(writer, "new", change.NewValue);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    });

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
