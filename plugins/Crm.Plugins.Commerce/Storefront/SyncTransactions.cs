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
/// The writes to perform are handed over here, keyed by the log record's id (chosen by the caller).
/// </summary>
internal sealed class SyncTransactions
{
    private readonly ConcurrentDictionary<Guid, Func<IRecordService, CancellationToken, Task>> _pending = new();

    /// <summary>Runs <paramref name="writes"/> inside the creation of a sync log record, as the tenant view's caller.</summary>
    public async Task RunAsync(IRecordService records, string channel, string externalId, Func<IRecordService, CancellationToken, Task> writes, CancellationToken cancellationToken)
    {
        var id = Guid.CreateVersion7();
        _pending[id] = writes;
        try
        {
            await records.CreateAsync(
                CommerceEntities.StorefrontSync,
                new Dictionary<string, object?> { [StorefrontSyncFields.Channel] = channel, [StorefrontSyncFields.ExternalId] = externalId },
                new CreateOptions { Id = id },
                cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    /// <summary>The writes waiting for the log record being created, if it is one of this process's syncs.</summary>
    public Func<IRecordService, CancellationToken, Task>? Take(Guid id) => _pending.TryRemove(id, out var writes) ? writes : null;
}

/// <summary>Performs a sync's writes in the transaction of its log record (see <see cref="SyncTransactions"/>).</summary>
internal sealed class StorefrontSyncHandler(SyncTransactions transactions) : IPipelineHandler
{
    public Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
    {
        var writes = transactions.Take(context.RecordId)
            ?? throw new CrmOperationRejectedException($"{CommerceEntities.StorefrontSync} records are the storefront sync's log; they are written by ICommerceTenant.SyncOrderAsync only.");
        return writes(context.Records, cancellationToken);
    }
}
