using System.Data.Common;
using System.Globalization;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Security;
using Crm.Engine.Abstractions.Tenancy;
using Crm.Engine.Metadata;
using Crm.Engine.Pipeline;
using Crm.Engine.Records;
using Crm.Engine.Storage;
using Dapper;

namespace Crm.Engine.Security;

/// <summary>
/// Personal-data requests about a contact: export everything held about them as one JSON document, or erase it.
/// "About the contact" means the contact record and every record whose look-up points at it (activities regarding
/// it or naming it as their contact, cases, custom entities), except other parties (accounts and other contacts,
/// whose data belongs to someone else), plus what hangs off these records: shares, queue items, timers,
/// notifications and audit entries. Both need <see cref="TenantPrivilege.PersonalData"/>; both see every field
/// (field-level security does not apply to a data-subject request).
/// </summary>
internal sealed class PersonalDataService(EngineRuntime runtime, RecordStore store, CallerContext caller) : IPersonalDataService
{
    /// <summary>What replaces a required text value, a notification's text and a scrubbed audit value.</summary>
    public const string Placeholder = "[erased]";

    /// <summary>Entity types that are parties of their own: a record of these types referring to the contact is not "about" it.</summary>
    private static readonly HashSet<string> PartyTypes = new(StringComparer.Ordinal) { CoreEntities.Contact, CoreEntities.Account };

    private string Tenant => caller.TenantId;

    private ISqlDialect Dialect => runtime.Storage.Dialect;

    public async Task ExportContactAsync(Guid contactId, Stream output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        await runtime.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await runtime.Storage.OpenAsync(cancellationToken).ConfigureAwait(false);
        var metadata = await runtime.Metadata.GetAsync(connection, null, Tenant, cancellationToken).ConfigureAwait(false);
        var access = await AccessProfile.ForAsync(caller, connection, null, Dialect, cancellationToken).ConfigureAwait(false);
        access.Require(TenantPrivilege.PersonalData, "exporting a contact's personal data");
        var subject = await LoadSubjectAsync(connection, null, metadata, contactId, cancellationToken).ConfigureAwait(false);
        var export = new PersonalDataExport(connection, Dialect, Tenant, runtime.Time.GetUtcNow());
        await export.WriteAsync(subject, output, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ErasureReport> EraseContactAsync(Guid contactId, CancellationToken cancellationToken = default)
    {
        // The erasure is deliberately not a record write: no pipeline handler or rule sees the values it removes, and
        // nothing fires on the anonymised records.
        ErasureReport report;
        await using (var scope = await OperationScope.BeginAsync(runtime, caller, cancellationToken).ConfigureAwait(false))
        {
            scope.Access.Require(TenantPrivilege.PersonalData, "erasing a contact's personal data");
            var subject = await LoadSubjectAsync(scope.Connection, scope.Transaction, scope.Metadata, contactId, cancellationToken).ConfigureAwait(false);
            var erasure = new PersonalDataErasure(scope, Dialect, Tenant, caller, runtime.Time.GetUtcNow());
            report = await erasure.RunAsync(subject, cancellationToken).ConfigureAwait(false);
            await scope.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        // Only now are the old row images unreachable; make sure they leave the files too.
        await runtime.Storage.CompactAfterErasureAsync(cancellationToken).ConfigureAwait(false);
        return report;
    }

    /// <summary>Whether a field holds personal data: free text, e-mail and phone fields, and fields flagged as personal.</summary>
    internal static bool IsPersonal(FieldDefinition field) =>
        field.PersonalData || field.Type is FieldType.Text or FieldType.Email or FieldType.Phone;

    private async Task<PersonalDataSubject> LoadSubjectAsync(DbConnection connection, DbTransaction? transaction, TenantMetadata metadata, Guid contactId, CancellationToken cancellationToken)
    {
        var contact = await store.GetAsync(connection, transaction, metadata, CoreEntities.Contact, contactId, cancellationToken).ConfigureAwait(false)
            ?? throw new CrmNotFoundException(CoreEntities.Contact, contactId);
        var related = new List<CrmRecord>();
        var ids = (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT DISTINCT source_id FROM record_refs WHERE tenant_id = @tenant AND target_id = @id AND source_id <> @id",
            new { tenant = Tenant, id = Dialect.IdParameter(contactId) }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
        foreach (var chunk in ids.Chunk(500))
        {
            await using var reader = await connection.ExecuteReaderAsync(new CommandDefinition(
                $"SELECT {RecordStore.SelectColumns} FROM records WHERE tenant_id = @tenant AND id IN @ids ORDER BY entity_type, id",
                new { tenant = Tenant, ids = chunk }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var record = RecordStore.Materialize(reader, metadata);
                if (!PartyTypes.Contains(record.EntityType))
                {
                    related.Add(record);
                }
            }
        }

        return new PersonalDataSubject(metadata, contact, related);
    }
}

/// <summary>A contact and the records about it, as read at the start of a request.</summary>
/// <param name="Metadata">The tenant's metadata.</param>
/// <param name="Contact">The contact.</param>
/// <param name="Related">The records about it (never accounts or other contacts).</param>
internal sealed record PersonalDataSubject(TenantMetadata Metadata, CrmRecord Contact, IReadOnlyList<CrmRecord> Related)
{
    /// <summary>The contact and the records about it.</summary>
    public IEnumerable<CrmRecord> All => Related.Prepend(Contact);

    /// <summary>The ids of <see cref="All"/>, as parameters.</summary>
    public IReadOnlyList<object> Ids(ISqlDialect dialect) => [.. All.Select(r => dialect.IdParameter(r.Id))];

    /// <summary>The contact's e-mail addresses and phone numbers (what notifications may have been addressed to).</summary>
    public IReadOnlyList<string> Addresses()
    {
        var fields = Metadata.FindFields(CoreEntities.Contact);
        return [.. Contact.Values
            .Where(p => p.Value is string && fields is not null && fields.TryGetValue(p.Key, out var f) && f.Type is FieldType.Email or FieldType.Phone)
            .Select(p => ((string)p.Value!).Trim())
            .Where(s => s.Length > 0)
            .Distinct(StringComparer.OrdinalIgnoreCase)];
    }

    /// <summary>
    /// The values that identify the contact wherever they appear (full name, e-mail addresses, phone numbers and
    /// fields flagged as personal data): other tables are searched for them and have them replaced.
    /// </summary>
    public IReadOnlyList<string> IdentifyingValues()
    {
        var fields = Metadata.FindFields(CoreEntities.Contact);
        var values = new List<string>();
        foreach (var (key, value) in Contact.Values)
        {
            if (value is not string text || string.IsNullOrWhiteSpace(text) || text == PersonalDataService.Placeholder)
            {
                continue;
            }

            var field = fields is not null && fields.TryGetValue(key, out var f) ? f : null;
            if (key == ContactFields.Name || field is null || field.Definition.PersonalData || field.Type is FieldType.Email or FieldType.Phone)
            {
                values.Add(text.Trim());
            }
        }

        var first = Contact[ContactFields.FirstName] as string;
        var last = Contact[ContactFields.LastName] as string;
        if (!string.IsNullOrWhiteSpace(first) && !string.IsNullOrWhiteSpace(last) && last != PersonalDataService.Placeholder)
        {
            values.Add($"{first.Trim()} {last.Trim()}");
        }

        // Short fragments ("Li") would rewrite unrelated text; they are cleared where they are fields, not hunted.
        return [.. values.Where(v => v.Length >= 4).Distinct(StringComparer.OrdinalIgnoreCase).OrderByDescending(v => v.Length)];
    }

    /// <summary>
    /// Whether a field of a record (or of an audit change) holds personal data. Record columns (owner, stamps) and the
    /// engine's pseudo-fields of audit entries (<c>share:…</c>) do not; a stored field no longer defined counts as
    /// personal when it holds text other than an id, number, instant or record reference.
    /// </summary>
    public bool IsPersonal(string entityType, string field, object? value)
    {
        if (Metadata.FindField(entityType, field) is { } f)
        {
            return PersonalDataService.IsPersonal(f.Definition);
        }

        return !RecordColumns.Map.ContainsKey(field) && !field.Contains(':', StringComparison.Ordinal) && value is string s && !IsTechnical(s);
    }

    /// <summary>Values the engine works with rather than text about a person: ids, numbers, instants, record references, flags.</summary>
    public static bool IsTechnical(string value) =>
        Guid.TryParse(value, out _)
        || decimal.TryParse(value, NumberStyles.Number, CultureInfo.InvariantCulture, out _)
        || DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.None, out _)
        || RecordRef.TryParse(value, out _)
        || bool.TryParse(value, out _);
}
