using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Records;
using Crm.Engine.Storage;
using Dapper;

namespace Crm.Engine.Security;

/// <summary>
/// Writes the export of a personal-data request: one UTF-8 JSON object with the contact, the records about it, their
/// shares, queue items and timers, the notifications to the contact or about these records, and the audit entries of
/// all these records. Field values are in the records' canonical JSON forms (see <see cref="RecordJson"/>).
/// </summary>
internal sealed class PersonalDataExport(DbConnection connection, ISqlDialect dialect, string tenantId, DateTimeOffset now)
{
    /// <summary>The version of the document's shape, written as <c>format</c>.</summary>
    public const string Format = "crm-personal-data/1";

    public async Task WriteAsync(PersonalDataSubject subject, Stream output, CancellationToken cancellationToken)
    {
        var ids = subject.Ids(dialect);
        var contactId = dialect.IdParameter(subject.Contact.Id);
        var addresses = subject.Addresses().Select(a => a.ToLowerInvariant()).ToList();

        await using var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        writer.WriteStartObject();
        writer.WriteString("format", Format);
        writer.WriteString("tenant", tenantId);
        writer.WriteString("exportedAt", DbValues.FormatTime(now));
        writer.WritePropertyName("contact");
        WriteRecord(writer, subject.Contact);
        writer.WriteStartArray("relatedRecords");
        foreach (var record in subject.Related)
        {
            WriteRecord(writer, record);
        }

        writer.WriteEndArray();

        await WriteRowsAsync(writer, "shares",
            "SELECT record_id AS recordId, principal_type AS principalType, principal_id AS principalId, rights, shared_at AS sharedAt, shared_by AS sharedBy " +
            "FROM record_shares WHERE tenant_id = @tenant AND record_id IN @ids ORDER BY record_id, principal_type, principal_id",
            new { tenant = tenantId, ids }, cancellationToken).ConfigureAwait(false);
        await WriteRowsAsync(writer, "queueItems",
            "SELECT i.id, i.queue_id AS queueId, q.name AS queueName, i.record_id AS recordId, i.skill, i.language, i.status, i.assigned_to AS assignedTo, i.created_at AS createdAt, i.assigned_at AS assignedAt " +
            "FROM work_queue_items i LEFT JOIN work_queues q ON q.tenant_id = i.tenant_id AND q.id = i.queue_id WHERE i.tenant_id = @tenant AND i.record_id IN @ids ORDER BY i.created_at, i.id",
            new { tenant = tenantId, ids }, cancellationToken).ConfigureAwait(false);
        await WriteRowsAsync(writer, "timers",
            "SELECT id, timer_key AS \"key\", event_name AS eventName, record_id AS recordId, due_at AS dueAt, state, fired_at AS firedAt, created_at AS createdAt, payload " +
            "FROM work_timers WHERE tenant_id = @tenant AND record_id IN @ids ORDER BY created_at, id",
            new { tenant = tenantId, ids }, cancellationToken).ConfigureAwait(false);
        await WriteRowsAsync(writer, "notifications",
            "SELECT id, channel, recipient_kind AS recipientKind, recipient_id AS recipientId, address, subject, body, record_id AS recordId, status, created_at AS createdAt, sent_at AS sentAt " +
            "FROM work_notifications WHERE tenant_id = @tenant AND (record_id IN @ids OR (recipient_kind = 'contact' AND recipient_id = @contact)" +
            (addresses.Count > 0 ? " OR lower(address) IN @addresses" : string.Empty) + ") ORDER BY created_at, id",
            new { tenant = tenantId, ids, contact = contactId, addresses }, cancellationToken).ConfigureAwait(false);
        await WriteAuditAsync(writer, ids, cancellationToken).ConfigureAwait(false);

        writer.WriteEndObject();
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static void WriteRecord(Utf8JsonWriter writer, CrmRecord record)
    {
        writer.WriteStartObject();
        writer.WriteString("entityType", record.EntityType);
        writer.WriteString("id", record.Id.ToString("D"));
        writer.WriteNumber("version", record.Version);
        WriteId(writer, "ownerId", record.Stamps.OwnerId);
        writer.WriteString("createdAt", DbValues.FormatTime(record.Stamps.CreatedAt));
        WriteId(writer, "createdBy", record.Stamps.CreatedBy);
        writer.WriteString("modifiedAt", DbValues.FormatTime(record.Stamps.ModifiedAt));
        WriteId(writer, "modifiedBy", record.Stamps.ModifiedBy);
        writer.WriteStartObject("fields");
        foreach (var (key, value) in record.Values.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (value is not null)
            {
                writer.WritePropertyName(key);
                RecordJson.WriteValue(writer, value);
            }
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteId(Utf8JsonWriter writer, string name, Guid? id)
    {
        if (id is { } g)
        {
            writer.WriteString(name, g.ToString("D"));
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    private async Task WriteAuditAsync(Utf8JsonWriter writer, IReadOnlyList<object> ids, CancellationToken cancellationToken)
    {
        writer.WriteStartArray("auditEntries");
        var rows = await connection.QueryAsync<AuditRow>(new CommandDefinition(
            $"SELECT {AuditRow.Columns} FROM audit_log WHERE tenant_id = @tenant AND record_id IN @ids ORDER BY seq",
            new { tenant = tenantId, ids }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        foreach (var row in rows)
        {
            writer.WriteStartObject();
            writer.WriteNumber("id", row.Seq);
            writer.WriteString("at", DbValues.FormatTime(DbValues.ToTime(row.At)));
            WriteId(writer, "userId", DbValues.ToNullableGuid(row.UserId));
            writer.WriteString("source", row.Source);
            writer.WriteString("sourceName", row.SourceName);
            writer.WriteString("action", row.Action);
            writer.WriteString("entityType", row.EntityType);
            writer.WriteString("recordId", DbValues.ToGuid(row.RecordId).ToString("D"));
            writer.WriteString("detail", row.Detail);
            writer.WritePropertyName("changes");
            writer.WriteRawValue(row.Changes);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    /// <summary>Writes the rows of a query as an array of objects named by the query's column aliases; a <c>payload</c> column is JSON.</summary>
    private async Task WriteRowsAsync(Utf8JsonWriter writer, string name, string sql, object args, CancellationToken cancellationToken)
    {
        writer.WriteStartArray(name);
        await using (var reader = await connection.ExecuteReaderAsync(new CommandDefinition(sql, args, cancellationToken: cancellationToken)).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                writer.WriteStartObject();
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    var column = reader.GetName(i);
                    var value = reader.IsDBNull(i) ? null : reader.GetValue(i);
                    writer.WritePropertyName(column);
                    switch (value)
                    {
                        case null:
                            writer.WriteNullValue();
                            break;
                        case string json when column == "payload":
                            writer.WriteRawValue(json);
                            break;
                        case string s:
                            writer.WriteStringValue(s);
                            break;
                        case long l:
                            writer.WriteNumberValue(l);
                            break;
                        case int n:
                            writer.WriteNumberValue(n);
                            break;
                        case double d:
                            writer.WriteNumberValue(d);
                            break;
                        case decimal m:
                            writer.WriteNumberValue(m);
                            break;
                        case bool b:
                            writer.WriteBooleanValue(b);
                            break;
                        case Guid g:
                            writer.WriteStringValue(g.ToString("D"));
                            break;
                        case DateTime or DateTimeOffset:
                            writer.WriteStringValue(DbValues.FormatTime(DbValues.ToTime(value)));
                            break;
                        default:
                            writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                            break;
                    }
                }

                writer.WriteEndObject();
            }
        }

        writer.WriteEndArray();
    }
}
