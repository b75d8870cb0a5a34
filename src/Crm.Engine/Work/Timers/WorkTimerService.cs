using System.Text.Json;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Security;
using Crm.Engine.Abstractions.Work;
using Crm.Engine.Storage;
using Dapper;

namespace Crm.Engine.Work.Timers;

/// <summary>A tenant's durable timers, one row per key.</summary>
internal sealed class WorkTimerService(WorkContext context) : IWorkTimerService
{
    internal const string Columns = "tenant_id AS TenantId, id AS Id, timer_key AS TimerKey, event_name AS EventName, record_id AS RecordId, due_at AS DueAt, payload AS Payload, state AS State, attempts AS Attempts, fired_at AS FiredAt";

    public Task<WorkTimer> ScheduleAsync(TimerRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new List<CrmValidationError>();
        if (string.IsNullOrWhiteSpace(request.Key))
        {
            errors.Add(new CrmValidationError("timer", "key", request.Key, "required", "a timer needs a key, e.g. 'case:{id}:plan-due'."));
        }

        if (string.IsNullOrWhiteSpace(request.EventName))
        {
            errors.Add(new CrmValidationError("timer", "eventName", request.EventName, "required", "a timer needs an event name, e.g. 'planOverdue'."));
        }

        if (errors.Count > 0)
        {
            throw new CrmValidationException(errors);
        }

        return context.WriteAsync(async scope =>
        {
            await EnsureMayChangeAsync(scope, request.RecordId, cancellationToken).ConfigureAwait(false);
            if (await StoredAsync(scope.Connection, scope.Transaction, request.Key, cancellationToken).ConfigureAwait(false) is { } replaced)
            {
                await EnsureMayChangeAsync(scope, replaced.RecordId, cancellationToken).ConfigureAwait(false);
            }

            var timer = new WorkTimer(Guid.CreateVersion7(), request.Key, request.EventName, request.DueAt.ToUniversalTime(), request.RecordId,
                request.Payload, WorkTimerState.Pending, 0, null);
            // A re-schedule replaces the row whatever its state; a process still firing the old one finds its row gone
            // and leaves the new one alone (its completion is keyed by the old id).
            await scope.Connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM work_timers WHERE tenant_id = @tenant AND timer_key = @key", new { tenant = context.TenantId, key = request.Key }, scope.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await scope.Connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO work_timers (tenant_id, id, timer_key, event_name, record_id, due_at, payload, state, attempts, created_at) " +
                "VALUES (@tenant, @id, @key, @eventName, @recordId, @dueAt, @payload, 'pending', 0, @at)",
                new
                {
                    tenant = context.TenantId,
                    id = context.Id(timer.Id),
                    key = timer.Key,
                    eventName = timer.EventName,
                    recordId = timer.RecordId is { } r ? context.Id(r) : null,
                    dueAt = WorkContext.Time(timer.DueAt),
                    payload = context.Dialect.JsonParameter(JsonSerializer.Serialize(timer.Payload)),
                    at = WorkContext.Time(context.Now),
                }, scope.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return timer;
        }, cancellationToken);
    }

    public Task<bool> CancelAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        return context.WriteAsync(async scope =>
        {
            if (await StoredAsync(scope.Connection, scope.Transaction, key, cancellationToken).ConfigureAwait(false) is not { } stored)
            {
                return false;
            }

            await EnsureMayChangeAsync(scope, stored.RecordId, cancellationToken).ConfigureAwait(false);
            return await scope.Connection.ExecuteAsync(new CommandDefinition(
                "UPDATE work_timers SET state = 'canceled' WHERE tenant_id = @tenant AND timer_key = @key AND state = 'pending'",
                new { tenant = context.TenantId, key }, scope.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false) > 0;
        }, cancellationToken);
    }

    public Task<WorkTimer?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        return context.ReadAsync(async (c, tx) =>
        {
            var timer = await StoredAsync(c, tx, key, cancellationToken).ConfigureAwait(false);
            var access = await context.AccessAsync(c, tx, cancellationToken).ConfigureAwait(false);
            if (timer is null || access.IsSystem)
            {
                return timer;
            }

            // A user sees the timers of records they may read (null otherwise, as for a missing key), and record-less
            // timers with the Customize privilege.
            if (timer.RecordId is { } record)
            {
                try
                {
                    await context.EnsureRecordAsync(c, tx, access, record, RecordPrivilege.Read, cancellationToken).ConfigureAwait(false);
                    return timer;
                }
                catch (CrmNotFoundException)
                {
                    return null;
                }
            }

            return access.Has(TenantPrivilege.Customize) ? timer : null;
        }, cancellationToken);
    }

    /// <summary>
    /// For a caller with a user: a timer about a record may be set, replaced or canceled only by someone who may
    /// change the record (its event drives the record's rules); a timer about no record needs Customize.
    /// </summary>
    private async Task EnsureMayChangeAsync(Pipeline.OperationScope scope, Guid? recordId, CancellationToken cancellationToken)
    {
        if (context.AccessOf(scope).IsSystem)
        {
            return;
        }

        if (recordId is { } record)
        {
            await context.EnsureRecordAsync(scope.Connection, scope.Transaction, context.AccessOf(scope), record, RecordPrivilege.Write, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            context.AccessOf(scope).Require(TenantPrivilege.Customize, "setting or canceling a timer that is about no record");
        }
    }

    private async Task<WorkTimer?> StoredAsync(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction? tx, string key, CancellationToken cancellationToken) =>
        (await c.QuerySingleOrDefaultAsync<TimerRow>(new CommandDefinition(
            $"SELECT {Columns} FROM work_timers WHERE tenant_id = @tenant AND timer_key = @key", new { tenant = context.TenantId, key }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false))?.ToTimer();
}

/// <summary>A timer row as read by Dapper.</summary>
internal sealed class TimerRow
{
    public string TenantId { get; set; } = string.Empty;

    public object Id { get; set; } = string.Empty;

    public string TimerKey { get; set; } = string.Empty;

    public string EventName { get; set; } = string.Empty;

    public object? RecordId { get; set; }

    public object DueAt { get; set; } = string.Empty;

    public string Payload { get; set; } = "{}";

    public string State { get; set; } = string.Empty;

    public long Attempts { get; set; }

    public object? FiredAt { get; set; }

    public WorkTimer ToTimer() => new(
        DbValues.ToGuid(Id), TimerKey, EventName, DbValues.ToTime(DueAt), DbValues.ToNullableGuid(RecordId),
        JsonSerializer.Deserialize<Dictionary<string, string?>>(Payload) ?? [],
        Enum.Parse<WorkTimerState>(State, ignoreCase: true), (int)Attempts, FiredAt is null or DBNull ? null : DbValues.ToTime(FiredAt));
}
