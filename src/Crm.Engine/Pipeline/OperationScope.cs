using System.Data.Common;
using Crm.Engine.Abstractions.Events;
using Crm.Engine.Metadata;

namespace Crm.Engine.Pipeline;

/// <summary>
/// One top-level write and everything its handlers do: one connection, one transaction, the tenant's metadata as
/// read at the start, and the events to publish once it commits. Nested operations join the scope.
/// </summary>
internal sealed class OperationScope : IAsyncDisposable
{
    private readonly List<IDomainEvent> _events = [];
    private bool _completed;

    private OperationScope(DbConnection connection, DbTransaction transaction, TenantMetadata metadata)
    {
        Connection = connection;
        Transaction = transaction;
        Metadata = metadata;
        Batch = new Records.WriteBatch(connection, transaction);
    }

    /// <summary>The prepared commands of this transaction.</summary>
    public Records.WriteBatch Batch { get; }

    public DbConnection Connection { get; }

    public DbTransaction Transaction { get; }

    public TenantMetadata Metadata { get; }

    public IReadOnlyList<IDomainEvent> Events => _events;

    public static async Task<OperationScope> BeginAsync(EngineRuntime runtime, string tenantId, CancellationToken cancellationToken)
    {
        await runtime.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        var connection = await runtime.Storage.OpenAsync(cancellationToken).ConfigureAwait(false);
        DbTransaction? transaction = null;
        try
        {
            transaction = await runtime.Storage.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
            var metadata = await runtime.Metadata.GetAsync(connection, transaction, tenantId, cancellationToken).ConfigureAwait(false);
            return new OperationScope(connection, transaction, metadata);
        }
        catch
        {
            if (transaction is not null)
            {
                await transaction.DisposeAsync().ConfigureAwait(false);
            }

            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public void Queue(IDomainEvent domainEvent) => _events.Add(domainEvent);

    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        await Transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        _completed = true;
    }

    public async ValueTask DisposeAsync()
    {
        await Batch.DisposeAsync().ConfigureAwait(false);
        if (!_completed)
        {
            // Rolled back: whatever a handler did inside the transaction is undone, and no event is published.
            await Transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
        }

        await Transaction.DisposeAsync().ConfigureAwait(false);
        await Connection.DisposeAsync().ConfigureAwait(false);
    }
}
