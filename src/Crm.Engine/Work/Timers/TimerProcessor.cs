using System.Data.Common;
using Crm.Engine.Abstractions.Events;
using Crm.Engine.Abstractions.Work;
using Dapper;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Crm.Engine.Work.Timers;

/// <summary>
/// Fires due timers of every tenant. Each timer is claimed in its own write transaction with a conditional UPDATE
/// (pending and due, or a claim older than the lease), so of several processes polling one database exactly one wins
/// the claim; the event is published after the claim commits, then the timer is marked fired. A process dying between
/// claim and mark leaves a stale claim that another poll takes over after the lease: firing is at-least-once, with
/// <see cref="DeadlineReached.TimerId"/> as the idempotency key.
/// </summary>
internal sealed partial class TimerProcessor(EngineRuntime runtime, IOptions<WorkOptions> options, ILogger<TimerProcessor> logger) : ITimerProcessor
{
    private const string DuePredicate = "((state = 'pending' AND due_at <= @now) OR (state = 'firing' AND claimed_at <= @stale))";

    /// <summary>This process's claim signature.</summary>
    public string InstanceId { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    public async Task<int> FireDueAsync(CancellationToken cancellationToken = default)
    {
        await runtime.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        var fired = 0;
        var seen = new HashSet<(string, string)>();
        while (true)
        {
            var now = runtime.Time.GetUtcNow();
            var args = new { now = WorkContext.Time(now), stale = WorkContext.Time(now - options.Value.LeaseTimeout), batch = options.Value.BatchSize };
            List<(string Tenant, string Id)> due;
            await using (var connection = await runtime.Storage.OpenAsync(cancellationToken).ConfigureAwait(false))
            {
                due = [.. (await connection.QueryAsync<(string, object)>(new CommandDefinition(
                    $"SELECT tenant_id, id FROM work_timers WHERE {DuePredicate} ORDER BY due_at LIMIT @batch", args, cancellationToken: cancellationToken)).ConfigureAwait(false))
                    .Select(r => (r.Item1, Convert.ToString(r.Item2, System.Globalization.CultureInfo.InvariantCulture)!))
                    .Where(seen.Add)];
            }

            if (due.Count == 0)
            {
                return fired;
            }

            foreach (var (tenant, id) in due)
            {
                if (await FireOneAsync(tenant, id, cancellationToken).ConfigureAwait(false))
                {
                    fired++;
                }
            }
        }
    }

    private async Task<bool> FireOneAsync(string tenant, string id, CancellationToken cancellationToken)
    {
        TimerRow? row;
        var now = runtime.Time.GetUtcNow();
        await using (var connection = await runtime.Storage.OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            await using var tx = await runtime.Storage.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
            var claimed = await connection.ExecuteAsync(new CommandDefinition(
                $"UPDATE work_timers SET state = 'firing', claimed_by = @me, claimed_at = @now, attempts = attempts + 1 WHERE tenant_id = @tenant AND id = @id AND {DuePredicate}",
                new { me = InstanceId, now = WorkContext.Time(now), stale = WorkContext.Time(now - options.Value.LeaseTimeout), tenant, id }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (claimed == 0)
            {
                // Another process claimed it first (or it was canceled / re-scheduled meanwhile).
                return false;
            }

            row = await connection.QuerySingleAsync<TimerRow>(new CommandDefinition(
                $"SELECT {WorkTimerService.Columns} FROM work_timers WHERE tenant_id = @tenant AND id = @id", new { tenant, id }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        var timer = row.ToTimer();
        var deadline = new DeadlineReached(tenant, now, timer.Id, timer.Key, timer.EventName, timer.RecordId, timer.DueAt, timer.Payload);
        await runtime.Events.PublishAsync([deadline], cancellationToken).ConfigureAwait(false);

        await using (var connection = await runtime.Storage.OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            await using var tx = await runtime.Storage.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE work_timers SET state = 'fired', fired_at = @now WHERE tenant_id = @tenant AND id = @id AND state = 'firing' AND claimed_by = @me",
                new { now = WorkContext.Time(runtime.Time.GetUtcNow()), tenant, id, me = InstanceId }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        LogFired(tenant, timer.Key, timer.EventName, timer.DueAt);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Timer {Key} ({EventName}) of tenant {Tenant}, due {DueAt}, fired")]
    private partial void LogFired(string tenant, string key, string eventName, DateTimeOffset dueAt);
}
