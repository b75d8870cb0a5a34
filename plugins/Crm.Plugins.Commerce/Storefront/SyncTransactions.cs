using System.Collections.Concurrent;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Pipeline;
using Crm.Engine.Abstractions.Records;

namespace Crm.Plugins.Commerce.Storefront;

/// <summary>
/// Runs a storefront sync's writes in one transaction. The record API gives a plugin no transaction over several
/// top-level writes, but every write a pipeline handler makes joins its operation's transaction. So a sync creates
/// one <see cref="CommerceEntities.StorefrontSync"/> record (the sync log) and its handler performs the sync's writes
/// through <see cref="IPipelineContext.Records"/>: if any of them fails, the whole sync rolls back, log record included.
/// The writes to perform are handed over here, keyed by a one-time token the log record carries (a user may not
/// choose a new record's id, so the token, not the id, ties the record to its sync).
/// </summary>
internal sealed class SyncTransactions
{
    private readonly ConcurrentDictionary<string, Func<IRecordService, CancellationToken, Task>> _pending = new(StringComparer.Ordinal);

    /// <summary>Runs <paramref name="writes"/> inside the creation of a sync log record, as the tenant view's caller.</summary>
    public async Task RunAsync(IRecordService records, string channel, string externalId, Func<IRecordService, CancellationToken, Task> writes, CancellationToken cancellationToken)
    {
        var token = Guid.NewGuid().ToString("N");
        _pending[token] = writes;
        try
        {
            await records.CreateAsync(
                CommerceEntities.StorefrontSync,
                new Dictionary<string, object?> { [StorefrontSyncFields.Channel] = channel, [StorefrontSyncFields.ExternalId] = externalId, [StorefrontSyncFields.SyncToken] = token },
                cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _pending.TryRemove(token, out _);
        }
    }

    /// <summary>The writes waiting for the log record being created, if it is one of this process's syncs.</summary>
    public Func<IRecordService, CancellationToken, Task>? Take(string? token) => token is not null && _pending.TryRemove(token, out var writes) ? writes : null;
}

/// <summary>Performs a sync's writes in the transaction of its log record (see <see cref="SyncTransactions"/>).</summary>
internal sealed class StorefrontSyncHandler(SyncTransactions transactions) : IPipelineHandler
{
    public Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
    {
        var writes = transactions.Take(context.PostImage?[StorefrontSyncFields.SyncToken] as string)
            ?? throw new CrmOperationRejectedException($"{CommerceEntities.StorefrontSync} records are the storefront sync's log; they are written by ICommerceTenant.SyncOrderAsync only.");
        return writes(context.Records, cancellationToken);
    }
}
