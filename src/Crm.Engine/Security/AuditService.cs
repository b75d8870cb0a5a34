using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Security;
using Crm.Engine.Abstractions.Tenancy;
using Crm.Engine.Pipeline;
using Crm.Engine.Storage;
using Dapper;

namespace Crm.Engine.Security;

/// <summary>
/// Reads the audit trail of one tenant, and keeps it within the tenant's retention. There is deliberately no way to
/// change or delete single entries: rows are written only by <see cref="AuditLog"/> in the transaction of the change
/// they record, deleted only by <see cref="PurgeExpiredAsync"/> (the tenant's retention) and scrubbed only by a
/// personal-data erasure.
/// </summary>
internal sealed class AuditService(EngineRuntime runtime, CallerContext caller) : IAuditService
{
    /// <summary>The most entries one page may hold.</summary>
    public const int MaxPageSize = 1000;

    private const string TokenPrefix = "a1.";

    private string Tenant => caller.TenantId;

    private ISqlDialect Dialect => runtime.Storage.Dialect;

    public async Task<AuditPage> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var errors = new List<CrmValidationError>();
        if (query.PageSize is < 1 or > MaxPageSize)
        {
            errors.Add(new CrmValidationError("audit", "pageSize", query.PageSize, "range", $"the page size must be between 1 and {MaxPageSize}; it was {query.PageSize}."));
        }

        long? after = null;
        if (query.ContinuationToken is { } token)
        {
            after = ReadToken(token);
            if (after is null)
            {
                errors.Add(new CrmValidationError("audit", "continuationToken", token, "format", "the continuation token is not one this service handed out; pass the token of the previous page unchanged."));
            }
        }

        if (query.From is { } from && query.To is { } to && to < from)
        {
            errors.Add(new CrmValidationError("audit", "to", to, "range", $"'to' ({to:O}) is before 'from' ({from:O})."));
        }

        if (errors.Count > 0)
        {
            throw new CrmValidationException(errors);
        }

        await runtime.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await runtime.Storage.OpenAsync(cancellationToken).ConfigureAwait(false);
        await runtime.Metadata.GetAsync(connection, null, Tenant, cancellationToken).ConfigureAwait(false);
        var access = await AccessProfile.ForAsync(caller, connection, null, Dialect, cancellationToken).ConfigureAwait(false);
        access.Require(TenantPrivilege.ReadAudit, "reading the audit trail");

        var sql = new StringBuilder($"SELECT {AuditRow.Columns} FROM audit_log WHERE tenant_id = @tenant");
        var args = new DynamicParameters();
        args.Add("tenant", Tenant);
        if (query.RecordId is { } recordId)
        {
            sql.Append(" AND record_id = @recordId");
            args.Add("recordId", Dialect.IdParameter(recordId));
        }

        if (query.EntityType is { } entityType)
        {
            sql.Append(" AND entity_type = @entityType");
            args.Add("entityType", entityType);
        }

        if (query.UserId is { } userId)
        {
            sql.Append(" AND user_id = @userId");
            args.Add("userId", Dialect.IdParameter(userId));
        }

        if (query.From is { } start)
        {
            sql.Append(" AND at >= @from");
            args.Add("from", Dialect.TimeParameter(start));
        }

        if (query.To is { } end)
        {
            sql.Append(" AND at < @to");
            args.Add("to", Dialect.TimeParameter(end));
        }

        if (after is { } seq)
        {
            sql.Append(" AND seq < @after");
            args.Add("after", seq);
        }

        sql.Append(" ORDER BY seq DESC LIMIT @limit");
        args.Add("limit", query.PageSize + 1);

        var rows = (await connection.QueryAsync<AuditRow>(new CommandDefinition(sql.ToString(), args, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
        var hasMore = rows.Count > query.PageSize;
        if (hasMore)
        {
            rows.RemoveAt(rows.Count - 1);
        }

        var entries = rows.Select(r => r.ToEntry(access)).ToList();
        return new AuditPage(entries, hasMore ? MakeToken(rows[^1].Seq) : null);
    }

    public async Task<int?> GetRetentionDaysAsync(CancellationToken cancellationToken = default)
    {
        await runtime.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await runtime.Storage.OpenAsync(cancellationToken).ConfigureAwait(false);
        await runtime.Metadata.GetAsync(connection, null, Tenant, cancellationToken).ConfigureAwait(false);
        var access = await AccessProfile.ForAsync(caller, connection, null, Dialect, cancellationToken).ConfigureAwait(false);
        if (!access.Has(TenantPrivilege.ManageSecurity))
        {
            access.Require(TenantPrivilege.ReadAudit, "reading the audit retention");
        }

        return await ReadRetentionAsync(connection, null, cancellationToken).ConfigureAwait(false);
    }

    public async Task SetRetentionDaysAsync(int? days, CancellationToken cancellationToken = default)
    {
        if (days is < 1)
        {
            throw new CrmValidationException(new CrmValidationError("audit", "retentionDays", days, "range",
                $"the audit retention must be at least 1 day, or null to keep entries forever; it was {days}."));
        }

        await using var scope = await OperationScope.BeginAsync(runtime, caller, cancellationToken).ConfigureAwait(false);
        scope.Access.Require(TenantPrivilege.ManageSecurity, "changing the audit retention");
        var before = await ReadRetentionAsync(scope.Connection, scope.Transaction, cancellationToken).ConfigureAwait(false);
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO audit_settings (tenant_id, retention_days) VALUES (@tenant, @days) ON CONFLICT (tenant_id) DO UPDATE SET retention_days = excluded.retention_days",
            new { tenant = Tenant, days }, scope.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await scope.AuditAsync(new PendingAudit(caller, AuditAction.Security, "security", Guid.Empty,
            [new AuditChange("audit:retentionDays", (decimal?)before, (decimal?)days)],
            days is { } d ? $"audit retention set to {d.ToString(CultureInfo.InvariantCulture)} day(s)" : "audit retention removed: entries are kept forever"), cancellationToken).ConfigureAwait(false);
        await scope.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<long> PurgeExpiredAsync(CancellationToken cancellationToken = default)
    {
        await using var scope = await OperationScope.BeginAsync(runtime, caller, cancellationToken).ConfigureAwait(false);
        scope.Access.Require(TenantPrivilege.ManageSecurity, "purging expired audit entries");
        if (await ReadRetentionAsync(scope.Connection, scope.Transaction, cancellationToken).ConfigureAwait(false) is not { } days)
        {
            return 0;
        }

        var cutoff = runtime.Time.GetUtcNow().AddDays(-days);
        var deleted = await scope.Connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM audit_log WHERE tenant_id = @tenant AND at < @cutoff",
            new { tenant = Tenant, cutoff = Dialect.TimeParameter(cutoff) }, scope.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await scope.CommitAsync(cancellationToken).ConfigureAwait(false);
        return deleted;
    }

    /// <summary>Reads the <c>changes</c> column back into typed values (string, decimal, bool, list of strings).</summary>
    internal static IReadOnlyList<AuditChange> ReadChanges(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var changes = new List<AuditChange>();
        foreach (var item in doc.RootElement.EnumerateArray())
        {
            var field = item.TryGetProperty("field", out var f) ? f.GetString() ?? string.Empty : string.Empty;
            changes.Add(new AuditChange(field, Value(item, "old"), Value(item, "new")));
        }

        return changes;
    }

    private static object? Value(JsonElement change, string name) =>
        change.TryGetProperty(name, out var value) ? ReadValue(value) : null;

    private static object? ReadValue(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.GetDecimal(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Array => element.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString() ?? string.Empty : e.GetRawText()).ToList().AsReadOnly(),
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        _ => element.GetRawText(),
    };

    private async Task<int?> ReadRetentionAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        var days = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT retention_days FROM audit_settings WHERE tenant_id = @tenant", new { tenant = Tenant }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return days is { } d ? (int)d : null;
    }

    private static string MakeToken(long seq) =>
        TokenPrefix + Convert.ToBase64String(Encoding.UTF8.GetBytes(seq.ToString(CultureInfo.InvariantCulture)));

    private static long? ReadToken(string token)
    {
        if (!token.StartsWith(TokenPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var bytes = new byte[token.Length];
        return Convert.TryFromBase64String(token[TokenPrefix.Length..], bytes, out var written)
            && long.TryParse(Encoding.UTF8.GetString(bytes, 0, written), NumberStyles.None, CultureInfo.InvariantCulture, out var seq) && seq > 0
            ? seq
            : null;
    }
}

/// <summary>An audit_log row as read by Dapper.</summary>
internal sealed class AuditRow
{
    public const string Columns = "seq AS Seq, at AS At, user_id AS UserId, source AS Source, source_name AS SourceName, action AS Action, entity_type AS EntityType, record_id AS RecordId, changes AS Changes, detail AS Detail";

    public long Seq { get; set; }

    public object At { get; set; } = string.Empty;

    public object? UserId { get; set; }

    public string Source { get; set; } = string.Empty;

    public string? SourceName { get; set; }

    public string Action { get; set; } = string.Empty;

    public string EntityType { get; set; } = string.Empty;

    public object RecordId { get; set; } = string.Empty;

    public string Changes { get; set; } = "[]";

    public string? Detail { get; set; }

    public AuditEntry ToEntry(AccessProfile access) =>
        new(
            Seq,
            DbValues.ToTime(At),
            DbValues.ToNullableGuid(UserId),
            Enum.TryParse<OperationSource>(Source, out var source) ? source : OperationSource.System,
            SourceName,
            Enum.Parse<AuditAction>(Action),
            EntityType,
            DbValues.ToGuid(RecordId),
            [.. AuditService.ReadChanges(Changes).Where(c => access.CanRead(EntityType, c.Field))])
        {
            Detail = Detail,
        };
}
