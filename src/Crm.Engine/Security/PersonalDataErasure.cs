using System.Buffers;
using System.Text;
using System.Text.Json;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Security;
using Crm.Engine.Abstractions.Tenancy;
using Crm.Engine.Pipeline;
using Crm.Engine.Records;
using Crm.Engine.Storage;
using Dapper;

namespace Crm.Engine.Security;

/// <summary>
/// One erasure, inside the caller's write transaction: anonymises the contact and the records about it (personal
/// values cleared, everything else kept so counts and sums stay the same), drops their phone and e-mail look-up keys,
/// scrubs their audit values, notifications and timer payloads, hunts the contact's identifying values (full name,
/// e-mail addresses, phone numbers) through the rest of the audit trail, notifications and timers, and writes one
/// <see cref="AuditAction.Erase"/> entry that holds no personal value. Direct SQL: no pipeline, no rule, no event.
/// </summary>
internal sealed class PersonalDataErasure(OperationScope scope, ISqlDialect dialect, string tenantId, CallerContext caller, DateTimeOffset now)
{
    private const string Placeholder = PersonalDataService.Placeholder;

    public async Task<ErasureReport> RunAsync(PersonalDataSubject subject, CancellationToken cancellationToken)
    {
        // Read before anything changes: the contact's values are what the other tables are searched for.
        var identifying = subject.IdentifyingValues();
        var addresses = subject.Addresses().Select(a => a.ToLowerInvariant()).ToList();
        var ids = subject.Ids(dialect);
        var entityOf = subject.All.ToDictionary(r => r.Id, r => r.EntityType);

        var anonymised = 0;
        var clearedFields = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var record in subject.All)
        {
            if (await AnonymiseAsync(subject, record, clearedFields, cancellationToken).ConfigureAwait(false))
            {
                anonymised++;
            }
        }

        var audit = await ScrubAuditAsync(subject, ids, entityOf, identifying, cancellationToken).ConfigureAwait(false);
        var other = await ScrubNotificationsAsync(subject, ids, addresses, identifying, cancellationToken).ConfigureAwait(false)
            + await ScrubTimersAsync(ids, identifying, cancellationToken).ConfigureAwait(false);

        var detail = $"personal data of contact {subject.Contact.Id:D} erased: {anonymised} record(s) anonymised, {audit} audit entr{(audit == 1 ? "y" : "ies")} and {other} other row(s) scrubbed" +
            (clearedFields.Count == 0 ? "." : $"; fields cleared: {string.Join(", ", clearedFields)}.");
        var entryId = await scope.AuditAsync(new PendingAudit(caller, AuditAction.Erase, CoreEntities.Contact, subject.Contact.Id, [], detail), cancellationToken).ConfigureAwait(false);
        return new ErasureReport(subject.Contact.Id, anonymised, audit, other, entryId);
    }

    /// <summary>Clears a record's personal values; required text fields (and a contact's name) keep a placeholder.</summary>
    private async Task<bool> AnonymiseAsync(PersonalDataSubject subject, CrmRecord record, SortedSet<string> clearedFields, CancellationToken cancellationToken)
    {
        var values = new Dictionary<string, object?>(record.Values, StringComparer.Ordinal);
        var changed = false;
        foreach (var (key, value) in record.Values)
        {
            if (value is null || !subject.IsPersonal(record.EntityType, key, value))
            {
                continue;
            }

            var field = subject.Metadata.FindField(record.EntityType, key);
            var keepsPlaceholder = field is not null && field.Type == FieldType.Text
                && (field.Definition.Required || (record.EntityType == CoreEntities.Contact && key == ContactFields.Name));
            object? replacement = keepsPlaceholder ? Placeholder : null;
            if (Equals(value, replacement))
            {
                continue;
            }

            values[key] = replacement;
            if (replacement is null)
            {
                values.Remove(key);
            }

            clearedFields.Add($"{record.EntityType}.{key}");
            changed = true;
        }

        var args = new { tenant = tenantId, id = dialect.IdParameter(record.Id) };
        // Phone and e-mail look-up keys exist only for the fields just cleared.
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM record_keys WHERE tenant_id = @tenant AND record_id = @id", args, scope.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (!changed)
        {
            return false;
        }

        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE records SET version = version + 1, modified_at = @at, modified_by = @by, fields = @fields WHERE tenant_id = @tenant AND id = @id",
            new
            {
                args.tenant,
                args.id,
                at = dialect.TimeParameter(now),
                by = caller.UserId is { } u ? dialect.IdParameter(u) : null,
                fields = dialect.JsonParameter(RecordJson.Write(values)),
            }, scope.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Scrubs the audit entries of the erased records (values of personal fields become the placeholder, field names
    /// stay) and any other entry holding one of the contact's identifying values (the value is replaced where it occurs).
    /// </summary>
    private async Task<int> ScrubAuditAsync(PersonalDataSubject subject, IReadOnlyList<object> ids, Dictionary<Guid, string> entityOf, IReadOnlyList<string> identifying, CancellationToken cancellationToken)
    {
        var args = new DynamicParameters(new { tenant = tenantId, ids });
        var hunt = Hunt(identifying, ["changes", "detail"], args, json: true);
        var rows = (await scope.Connection.QueryAsync<(long Seq, object RecordId, string Changes, string? Detail)>(new CommandDefinition(
            $"SELECT seq, record_id, changes, detail FROM audit_log WHERE tenant_id = @tenant AND (record_id IN @ids{hunt})",
            args, scope.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
        var scrubbed = 0;
        foreach (var row in rows)
        {
            var erasedRecord = entityOf.GetValueOrDefault(DbValues.ToGuid(row.RecordId));
            var changes = AuditService.ReadChanges(row.Changes).Select(c =>
                erasedRecord is not null && subject.IsPersonal(erasedRecord, c.Field, c.OldValue ?? c.NewValue)
                    ? c with { OldValue = c.OldValue is null ? null : Placeholder, NewValue = c.NewValue is null ? null : Placeholder }
                    : c with { OldValue = Replace(c.OldValue, identifying), NewValue = Replace(c.NewValue, identifying) }).ToList();
            var json = AuditLog.WriteChanges(changes);
            var detail = row.Detail is null ? null : ReplaceText(row.Detail, identifying);
            if (json == Normalise(row.Changes) && detail == row.Detail)
            {
                continue;
            }

            await scope.Connection.ExecuteAsync(new CommandDefinition(
                "UPDATE audit_log SET changes = @changes, detail = @detail WHERE seq = @seq AND tenant_id = @tenant",
                new { changes = dialect.JsonParameter(json), detail, seq = row.Seq, tenant = tenantId }, scope.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            scrubbed++;
        }

        return scrubbed;
    }

    /// <summary>
    /// Notifications to the contact or about the erased records lose their address and text (and are no longer sent);
    /// any other notification mentioning one of the contact's identifying values has it replaced.
    /// </summary>
    private async Task<int> ScrubNotificationsAsync(PersonalDataSubject subject, IReadOnlyList<object> ids, List<string> addresses, IReadOnlyList<string> identifying, CancellationToken cancellationToken)
    {
        var args = new DynamicParameters(new { tenant = tenantId, ids, contact = dialect.IdParameter(subject.Contact.Id), addresses });
        var direct = "record_id IN @ids OR (recipient_kind = 'contact' AND recipient_id = @contact)" + (addresses.Count > 0 ? " OR lower(address) IN @addresses" : string.Empty);
        var hunt = Hunt(identifying, ["address", "subject", "body", "last_error"], args, json: false);
        var rows = (await scope.Connection.QueryAsync<(object Id, string? Address, string? Subject, string Body, string? LastError, string Status, long Direct)>(new CommandDefinition(
            $"SELECT id, address, subject, body, last_error, status, CASE WHEN {direct} THEN 1 ELSE 0 END FROM work_notifications WHERE tenant_id = @tenant AND ({direct}{hunt})",
            args, scope.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
        var scrubbed = 0;
        foreach (var row in rows)
        {
            var isDirect = row.Direct == 1;
            var address = isDirect ? (row.Address is null ? null : Placeholder) : ReplaceText(row.Address, identifying);
            var subjectText = isDirect ? (row.Subject is null ? null : Placeholder) : ReplaceText(row.Subject, identifying);
            var body = isDirect ? Placeholder : ReplaceText(row.Body, identifying)!;
            var withdraw = isDirect && row.Status == "pending";
            var lastError = withdraw ? "not sent: the recipient's personal data was erased" : ReplaceText(row.LastError, identifying);
            if (address == row.Address && subjectText == row.Subject && body == row.Body && lastError == row.LastError && !withdraw)
            {
                continue;
            }

            await scope.Connection.ExecuteAsync(new CommandDefinition(
                "UPDATE work_notifications SET address = @address, subject = @subject, body = @body, last_error = @lastError" +
                (withdraw ? ", status = 'suppressed', next_attempt_at = NULL" : string.Empty) + " WHERE tenant_id = @tenant AND id = @id",
                new { address, subject = subjectText, body, lastError, tenant = tenantId, id = row.Id }, scope.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            scrubbed++;
        }

        return scrubbed;
    }

    /// <summary>
    /// Timers of the erased records keep the payload values the engine needs (ids, numbers, instants, record
    /// references) and lose the text; other timers have the contact's identifying values replaced.
    /// </summary>
    private async Task<int> ScrubTimersAsync(IReadOnlyList<object> ids, IReadOnlyList<string> identifying, CancellationToken cancellationToken)
    {
        var args = new DynamicParameters(new { tenant = tenantId, ids });
        var hunt = Hunt(identifying, ["payload"], args, json: true);
        var rows = (await scope.Connection.QueryAsync<(object Id, string Payload, long Direct)>(new CommandDefinition(
            $"SELECT id, payload, CASE WHEN record_id IN @ids THEN 1 ELSE 0 END FROM work_timers WHERE tenant_id = @tenant AND (record_id IN @ids{hunt})",
            args, scope.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
        var scrubbed = 0;
        foreach (var row in rows)
        {
            var payload = JsonSerializer.Deserialize<Dictionary<string, string?>>(row.Payload) ?? [];
            var changed = false;
            foreach (var key in payload.Keys.ToList())
            {
                var value = payload[key];
                var scrubbedValue = row.Direct == 1 && value is not null && !PersonalDataSubject.IsTechnical(value) ? Placeholder : ReplaceText(value, identifying);
                if (scrubbedValue != value)
                {
                    payload[key] = scrubbedValue;
                    changed = true;
                }
            }

            if (!changed)
            {
                continue;
            }

            await scope.Connection.ExecuteAsync(new CommandDefinition(
                "UPDATE work_timers SET payload = @payload WHERE tenant_id = @tenant AND id = @id",
                new { payload = dialect.JsonParameter(JsonSerializer.Serialize(payload)), tenant = tenantId, id = row.Id }, scope.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            scrubbed++;
        }

        return scrubbed;
    }

    /// <summary>
    /// The SQL that also selects rows whose columns contain one of the values (as written, and as a JSON string
    /// escapes it when <paramref name="json"/>); empty when there is nothing to look for.
    /// </summary>
    private string Hunt(IReadOnlyList<string> values, IReadOnlyList<string> columns, DynamicParameters args, bool json)
    {
        var conditions = new List<string>();
        for (var i = 0; i < values.Count; i++)
        {
            var forms = json ? new[] { values[i], JsonForm(values[i]) }.Distinct(StringComparer.Ordinal).ToArray() : [values[i]];
            for (var j = 0; j < forms.Length; j++)
            {
                var name = $"h{i}_{j}";
                args.Add(name, "%" + EscapeLike(forms[j]) + "%");
                conditions.AddRange(columns.Select(c => dialect.LikeInsensitive(c, "@" + name)));
            }
        }

        return conditions.Count == 0 ? string.Empty : " OR " + string.Join(" OR ", conditions);
    }

    private static string EscapeLike(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);

    /// <summary>How a JSON writer stores the text inside a string (the default encoder escapes e.g. '+' and non-ASCII).</summary>
    private static string JsonForm(string value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStringValue(value);
        }

        var quoted = Encoding.UTF8.GetString(buffer.WrittenSpan);
        return quoted[1..^1];
    }

    /// <summary>A changes array as <see cref="AuditLog.WriteChanges"/> writes it, to tell whether scrubbing changed anything.</summary>
    private static string Normalise(string changes) => AuditLog.WriteChanges(AuditService.ReadChanges(changes));

    private static object? Replace(object? value, IReadOnlyList<string> identifying) => value switch
    {
        string s => ReplaceText(s, identifying),
        IReadOnlyList<string> list => list.Select(s => ReplaceText(s, identifying)!).ToList().AsReadOnly(),
        _ => value,
    };

    private static string? ReplaceText(string? text, IReadOnlyList<string> identifying)
    {
        if (text is null)
        {
            return null;
        }

        foreach (var value in identifying)
        {
            text = text.Replace(value, Placeholder, StringComparison.OrdinalIgnoreCase);
        }

        return text;
    }
}
