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
    private readonly List<Security.PendingAudit> _audit = [];
    private readonly EngineRuntime _runtime;
    private bool _completed;
    private int _savepoints;
    private readonly IServiceProvider _root;
    private Microsoft.Extensions.DependencyInjection.AsyncServiceScope? _services;

    private OperationScope(EngineRuntime runtime, DbConnection connection, DbTransaction transaction, TenantMetadata metadata, Security.AccessProfile access)
    {
        _runtime = runtime;
        _root = runtime.Services;
        Access = access;
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

    /// <summary>What the caller of the top-level operation may do; nested operations run under the same caller.</summary>
    public Security.AccessProfile Access { get; }

    /// <summary>The audit entries collected so far (written just before the commit).</summary>
    public IReadOnlyList<Security.PendingAudit> AuditEntries => _audit;

    public IReadOnlyList<IDomainEvent> Events => _events;

    /// <summary>
    /// The services of this operation: pipeline handlers are created here, so a handler may depend on scoped services,
    /// which live as long as the operation (shared by its nested operations), never as long as the engine.
    /// </summary>
    public IServiceProvider Services => (_services ??= Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.CreateAsyncScope(_root)).ServiceProvider;

    public static async Task<OperationScope> BeginAsync(EngineRuntime runtime, Abstractions.Tenancy.CallerContext caller, CancellationToken cancellationToken)
    {
        await runtime.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        var connection = await runtime.Storage.OpenAsync(cancellationToken).ConfigureAwait(false);
        DbTransaction? transaction = null;
        try
        {
            transaction = await runtime.Storage.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
            var metadata = await runtime.Metadata.GetAsync(connection, transaction, caller.TenantId, cancellationToken).ConfigureAwait(false);
            var access = await Security.AccessProfile.ForAsync(caller, connection, transaction, runtime.Storage.Dialect, cancellationToken).ConfigureAwait(false);
            return new OperationScope(runtime, connection, transaction, metadata, access);
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

    /// <summary>Adds an audit entry; it is written in this transaction, and undone with a nested operation that fails.</summary>
    public void Audit(Security.PendingAudit entry) => _audit.Add(entry);

    /// <summary>
    /// Runs a nested operation (one started by a handler) all or nothing inside the scope: if it fails, what it wrote
    /// and the events it queued are undone, even when the handler that started it catches the error and carries on.
    /// </summary>
    public async Task<T> NestAsync<T>(Func<Task<T>> operation, CancellationToken cancellationToken)
    {
        var savepoint = "crm_nested_" + (++_savepoints).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var queued = _events.Count;
        var audited = _audit.Count;
        await Transaction.SaveAsync(savepoint, cancellationToken).ConfigureAwait(false);
        T result;
        try
        {
            result = await operation().ConfigureAwait(false);
        }
        catch
        {
            await Transaction.RollbackAsync(savepoint, CancellationToken.None).ConfigureAwait(false);
            await Transaction.ReleaseAsync(savepoint, CancellationToken.None).ConfigureAwait(false);
            _events.RemoveRange(queued, _events.Count - queued);
            _audit.RemoveRange(audited, _audit.Count - audited);
            throw;
        }

        await Transaction.ReleaseAsync(savepoint, cancellationToken).ConfigureAwait(false);
        return result;
    }

    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        if (_audit.Count > 0)
        {
            await Security.AuditLog.WriteAsync(Batch, _runtime.Storage.Dialect, Metadata.TenantId, _runtime.Time.GetUtcNow(), _audit, cancellationToken).ConfigureAwait(false);
        }

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
        if (_services is { } services)
        {
            await services.DisposeAsync().ConfigureAwait(false);
        }
    }
}
