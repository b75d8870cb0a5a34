using Crm.Engine.Abstractions.Tenancy;

namespace Crm.Engine.Abstractions.Security;

/// <summary>What an audit entry records.</summary>
public enum AuditAction
{
    /// <summary>A record was created.</summary>
    Create = 0,

    /// <summary>A record was changed.</summary>
    Update = 1,

    /// <summary>A record was deleted.</summary>
    Delete = 2,

    /// <summary>A record got another owner.</summary>
    Assign = 3,

    /// <summary>A record was shared, or a share's rights changed.</summary>
    Share = 4,

    /// <summary>A share was removed.</summary>
    Unshare = 5,

    /// <summary>A record was merged into another (the entry is on the surviving record).</summary>
    Merge = 6,

    /// <summary>A contact's personal data was erased (the entry holds no personal value).</summary>
    Erase = 7,

    /// <summary>Security configuration changed (roles, role grants, secured fields).</summary>
    Security = 8,
}

/// <summary>One changed field of an audited change.</summary>
/// <param name="Field">The field's API name (or <c>ownerId</c>).</param>
/// <param name="OldValue">The value before (<see langword="null"/> for a create).</param>
/// <param name="NewValue">The value after (<see langword="null"/> for a delete).</param>
public sealed record AuditChange(string Field, object? OldValue, object? NewValue);

/// <summary>One entry of the append-only audit trail.</summary>
/// <param name="Id">Increasing id of the entry within the tenant.</param>
/// <param name="At">When the change was committed.</param>
/// <param name="UserId">Who made it (<see langword="null"/> for the system context).</param>
/// <param name="Source">Through what: API, import, rule, plugin, CLI or system.</param>
/// <param name="SourceName">Which one, e.g. <c>rule:escalate-vip@v3</c>, a plugin handler's name, an import's file.</param>
/// <param name="Action">What happened.</param>
/// <param name="EntityType">The record's entity type (or <c>security</c> for <see cref="AuditAction.Security"/>).</param>
/// <param name="RecordId">The record (or <see cref="Guid.Empty"/>).</param>
/// <param name="Changes">The fields changed, with old and new values; secured fields the reader may not read are left out.</param>
public sealed record AuditEntry(long Id, DateTimeOffset At, Guid? UserId, OperationSource Source, string? SourceName, AuditAction Action, string EntityType, Guid RecordId, IReadOnlyList<AuditChange> Changes)
{
    /// <summary>More about the action: the merged record's id, the share's principal and rights, the role changed.</summary>
    public string? Detail { get; init; }
}

/// <summary>A query over the audit trail; all given conditions must hold. Newest first.</summary>
public sealed record AuditQuery
{
    /// <summary>Only entries about this record.</summary>
    public Guid? RecordId { get; init; }

    /// <summary>Only entries about this entity type.</summary>
    public string? EntityType { get; init; }

    /// <summary>Only entries made by this user.</summary>
    public Guid? UserId { get; init; }

    /// <summary>Only entries at or after this time.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Only entries before this time.</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>Entries per page (1–1000, default 100).</summary>
    public int PageSize { get; init; } = 100;

    /// <summary>The token of the previous page, to read on.</summary>
    public string? ContinuationToken { get; init; }
}

/// <summary>A page of audit entries.</summary>
/// <param name="Entries">The entries, newest first.</param>
/// <param name="ContinuationToken">The token for the next page, or <see langword="null"/> at the end.</param>
public sealed record AuditPage(IReadOnlyList<AuditEntry> Entries, string? ContinuationToken);

/// <summary>
/// The audit trail of one tenant: written by the engine in the same transaction as every change, readable with
/// <see cref="TenantPrivilege.ReadAudit"/>, never editable through any API. Entries older than the tenant's
/// retention are purged.
/// </summary>
public interface IAuditService
{
    /// <summary>Reads entries.</summary>
    /// <param name="query">The conditions and page.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A page, newest first.</returns>
    Task<AuditPage> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default);

    /// <summary>The tenant's retention in days (<see langword="null"/>: kept forever).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The retention.</returns>
    Task<int?> GetRetentionDaysAsync(CancellationToken cancellationToken = default);

    /// <summary>Sets the tenant's retention (needs <see cref="TenantPrivilege.ManageSecurity"/>).</summary>
    /// <param name="days">Days to keep entries (at least 1), or <see langword="null"/> to keep them forever.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    Task SetRetentionDaysAsync(int? days, CancellationToken cancellationToken = default);

    /// <summary>Deletes the entries older than the retention (the engine's background worker calls it daily).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>How many entries were deleted.</returns>
    Task<long> PurgeExpiredAsync(CancellationToken cancellationToken = default);
}

/// <summary>What an erasure did.</summary>
/// <param name="ContactId">The contact.</param>
/// <param name="RecordsAnonymised">Records whose personal values were removed (the contact and the records about it).</param>
/// <param name="AuditEntriesScrubbed">Audit entries whose personal values were removed.</param>
/// <param name="OtherRowsScrubbed">Other rows scrubbed (notifications, timers, queue items, preferences).</param>
/// <param name="AuditEntryId">The audit entry that records the erasure.</param>
public sealed record ErasureReport(Guid ContactId, int RecordsAnonymised, int AuditEntriesScrubbed, int OtherRowsScrubbed, long AuditEntryId);

/// <summary>
/// Personal-data requests about a contact (needs <see cref="TenantPrivilege.PersonalData"/>): export everything the
/// tenant holds about them, or erase it while keeping the records (so counts and sums stay right) and the audit of
/// the erasure itself.
/// </summary>
public interface IPersonalDataService
{
    /// <summary>Exports the contact, the records about it, its consent and preferences, notifications sent to it, and the audit entries of all these, as one JSON document.</summary>
    /// <param name="contactId">The contact.</param>
    /// <param name="output">Where the UTF-8 JSON is written.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    Task ExportContactAsync(Guid contactId, Stream output, CancellationToken cancellationToken = default);

    /// <summary>
    /// Erases the contact's personal data: the contact's personal fields and the free text and addresses of the records
    /// about it are cleared, audit values and notification contents scrubbed, and freed storage overwritten. Ids,
    /// look-ups, choices, numbers and dates of records about the contact stay, so aggregates are unchanged.
    /// </summary>
    /// <param name="contactId">The contact.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>What was done.</returns>
    Task<ErasureReport> EraseContactAsync(Guid contactId, CancellationToken cancellationToken = default);
}
