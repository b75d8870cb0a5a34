using System.Globalization;
using Crm.Engine.Abstractions.Work;
using Crm.Engine.Storage;
using Dapper;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Crm.Engine.Work.Notifications;

/// <summary>
/// Delivers due notifications of every tenant. A row is claimed (<c>sending</c>, attempt counted) in its own write
/// transaction before the channel is called, and acknowledged (<c>sent</c>) in another after it returns; a process
/// killed in between leaves a claim that another dispatcher takes over after the lease, so delivery is at-least-once
/// and a duplicate carries the same idempotency key. Failures are retried with exponential back-off, then marked
/// <c>failed</c> with the last error.
/// </summary>
internal sealed partial class NotificationDispatcher(EngineRuntime runtime, ChannelRegistry channels, IOptions<WorkOptions> options, ILogger<NotificationDispatcher> logger) : INotificationDispatcher
{
    private const string DuePredicate = "((status = 'pending' AND next_attempt_at <= @now) OR (status = 'sending' AND claimed_at <= @stale))";

    public string InstanceId { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    public async Task<int> DispatchDueAsync(CancellationToken cancellationToken = default)
    {
        await runtime.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        var attempts = 0;
        var seen = new HashSet<(string, string)>();
        while (true)
        {
            var now = runtime.Time.GetUtcNow();
            List<(string Tenant, string Id)> due;
            await using (var connection = await runtime.Storage.OpenAsync(cancellationToken).ConfigureAwait(false))
            {
                due = [.. (await connection.QueryAsync<(string, object)>(new CommandDefinition(
                    $"SELECT tenant_id, id FROM work_notifications WHERE {DuePredicate} ORDER BY next_attempt_at, id LIMIT @batch",
                    new { now = WorkContext.Time(now), stale = WorkContext.Time(now - options.Value.LeaseTimeout), batch = options.Value.BatchSize }, cancellationToken: cancellationToken)).ConfigureAwait(false))
                    .Select(r => (r.Item1, Convert.ToString(r.Item2, CultureInfo.InvariantCulture)!))
                    .Where(seen.Add)];
            }

            if (due.Count == 0)
            {
                return attempts;
            }

            foreach (var (tenant, id) in due)
            {
                if (await DeliverOneAsync(tenant, id, cancellationToken).ConfigureAwait(false))
                {
                    attempts++;
                }
            }
        }
    }

    private async Task<bool> DeliverOneAsync(string tenant, string id, CancellationToken cancellationToken)
    {
        var claimedAt = runtime.Time.GetUtcNow();
        NotificationRow? row;
        await using (var connection = await runtime.Storage.OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            await using var tx = await runtime.Storage.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
            var claimed = await connection.ExecuteAsync(new CommandDefinition(
                $"UPDATE work_notifications SET status = 'sending', claimed_by = @me, claimed_at = @now, attempts = attempts + 1 WHERE tenant_id = @tenant AND id = @id AND {DuePredicate}",
                new { me = InstanceId, now = WorkContext.Time(claimedAt), stale = WorkContext.Time(claimedAt - options.Value.LeaseTimeout), tenant, id }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (claimed == 0)
            {
                return false;
            }

            row = await connection.QuerySingleAsync<NotificationRow>(new CommandDefinition(
                "SELECT id AS Id, idempotency_key AS IdempotencyKey, channel AS Channel, address AS Address, subject AS Subject, body AS Body, attempts AS Attempts, record_id AS RecordId " +
                "FROM work_notifications WHERE tenant_id = @tenant AND id = @id", new { tenant, id }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        var message = new NotificationMessage(DbValues.ToGuid(row.Id), tenant, row.IdempotencyKey, row.Channel, row.Address ?? string.Empty, row.Subject, row.Body, (int)row.Attempts, DbValues.ToNullableGuid(row.RecordId));
        string? error = null;
        try
        {
            var channel = channels.Find(row.Channel) ?? throw new InvalidOperationException($"no notification channel named '{row.Channel}' is registered in this process.");
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.Value.SendTimeout);
            await channel.SendAsync(message, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down: the claim stays and is retried after the lease, with the same idempotency key.
            throw;
        }
        catch (Exception ex)
        {
            error = ex is OperationCanceledException ? $"the channel did not answer within {options.Value.SendTimeout}." : $"{ex.GetType().Name}: {ex.Message}";
        }

        var now = runtime.Time.GetUtcNow();
        await using (var connection = await runtime.Storage.OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            await using var tx = await runtime.Storage.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
            if (error is null)
            {
                await connection.ExecuteAsync(new CommandDefinition(
                    "UPDATE work_notifications SET status = 'sent', sent_at = @now, next_attempt_at = NULL, last_error = NULL WHERE tenant_id = @tenant AND id = @id AND claimed_by = @me AND status = 'sending'",
                    new { now = WorkContext.Time(now), tenant, id, me = InstanceId }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            }
            else
            {
                var giveUp = message.Attempt >= options.Value.MaxAttempts;
                var next = giveUp ? (DateTimeOffset?)null : now + Backoff(message.Attempt);
                await connection.ExecuteAsync(new CommandDefinition(
                    "UPDATE work_notifications SET status = @status, last_error = @error, next_attempt_at = @next WHERE tenant_id = @tenant AND id = @id AND claimed_by = @me AND status = 'sending'",
                    new { status = giveUp ? "failed" : "pending", error, next = next is { } n ? WorkContext.Time(n) : null, tenant, id, me = InstanceId }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
                LogFailed(tenant, message.IdempotencyKey, message.Channel, message.Attempt, giveUp, error);
            }

            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>The wait after attempt <paramref name="attempt"/> failed: base × 2^(attempt−1), capped.</summary>
    internal TimeSpan Backoff(int attempt)
    {
        var factor = Math.Pow(2, Math.Min(attempt - 1, 30));
        var delay = TimeSpan.FromTicks((long)Math.Min(options.Value.RetryBaseDelay.Ticks * factor, options.Value.RetryMaxDelay.Ticks));
        return delay;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notification {Key} of tenant {Tenant} on channel {Channel}: attempt {Attempt} failed (gave up: {GaveUp}): {Error}")]
    private partial void LogFailed(string tenant, string key, string channel, int attempt, bool gaveUp, string error);
}
