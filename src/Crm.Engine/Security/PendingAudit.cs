using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Security;
using Crm.Engine.Abstractions.Tenancy;

namespace Crm.Engine.Security;

/// <summary>An audit entry collected during an operation, written by <see cref="AuditLog"/> in the same transaction just before it commits.</summary>
/// <param name="Caller">Who, and through what.</param>
/// <param name="Action">What happened.</param>
/// <param name="EntityType">The record's entity type.</param>
/// <param name="RecordId">The record.</param>
/// <param name="Changes">Changed fields with old and new values.</param>
/// <param name="Detail">More about the action.</param>
internal sealed record PendingAudit(CallerContext Caller, AuditAction Action, string EntityType, Guid RecordId, IReadOnlyList<AuditChange> Changes, string? Detail = null)
{
    /// <summary>The changed fields between two images of a record (either may be missing), the owner included.</summary>
    public static IReadOnlyList<AuditChange> Diff(CrmRecord? before, CrmRecord? after)
    {
        if (before is null || after is null)
        {
            return before is null && after is null ? [] : Whole(before, after);
        }

        var changes = new List<AuditChange>();
        var keys = before.Values.Keys.Union(after.Values.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            var old = before[key];
            var now = after[key];
            if (!Records.RecordService.ValueEquals(old, now))
            {
                changes.Add(new AuditChange(key, old, now));
            }
        }

        if (before.OwnerId != after.OwnerId)
        {
            changes.Add(new AuditChange(Metadata.RecordColumns.OwnerId, before.OwnerId, after.OwnerId));
        }

        return changes;
    }

    /// <summary>A record created (only <paramref name="after"/>) or removed (only <paramref name="before"/>): every value it has.</summary>
    private static List<AuditChange> Whole(CrmRecord? before, CrmRecord? after)
    {
        var record = (before ?? after)!;
        var keys = Records.RecordJson.SortedKeys(record.Values);
        var changes = new List<AuditChange>(keys.Length + 1);
        foreach (var key in keys)
        {
            if (record.Values[key] is { } value)
            {
                changes.Add(before is null ? new AuditChange(key, null, value) : new AuditChange(key, value, null));
            }
        }

        if (record.OwnerId is { } owner)
        {
            changes.Add(before is null ? new AuditChange(Metadata.RecordColumns.OwnerId, null, owner) : new AuditChange(Metadata.RecordColumns.OwnerId, owner, null));
        }

        return changes;
    }
}
