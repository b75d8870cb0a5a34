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
    private readonly EngineRuntime _runtime;
    private bool _completed;
    private int _savepoints;

    /// <summary>The largest block of audit sequence numbers reserved at once.</summary>
    private const int MaxAuditBlock = 1024;

    // Audit sequence numbers of this transaction: the last one written and the last one reserved (what the tenant's
    // counter holds now, in this transaction); the size of the next block; the time all entries carry.
    private long _lastSeq;
    private long _reservedSeq;
    private int _auditBlock = 1;
    private object? _auditAt;
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
        Batch = new Records.WriteBatch(connection, transaction, runtime.Storage.Dialect);
    }

    /// <summary>The prepared commands of this transaction.</summary>
    public Records.WriteBatch Batch { get; }

    public DbConnection Connection { get; }

    public DbTransaction Transaction { get; }

    public TenantMetadata Metadata { get; }

    /// <summary>What the caller of the top-level operation may do; nested operations run under the same caller.</summary>
    public Security.AccessProfile Access { get; }

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

    /// <summary>
    /// Writes an audit entry now, in this transaction, with the tenant's next sequence number; returns that number. A
    /// nested operation that fails takes its entries with it (its savepoint is rolled back, and so are the numbers it
    /// used: see <see cref="NestAsync{T}"/>).
    /// </summary>
    /// <remarks>
    /// Sequence numbers are reserved in growing blocks (1, 2, 4, ... up to <see cref="MaxAuditBlock"/>) through the
    /// tenant's counter, <c>audit_settings.last_seq</c>, which this transaction then holds locked (writers are
    /// serialised: SQLite's write transactions are <c>BEGIN IMMEDIATE</c>). Numbers reserved but not used are handed
    /// back at the commit, so the committed numbers of a tenant are gap-free and strictly increasing; entries of one
    /// operation carry one time (when its first entry was written).
    /// </remarks>
    public async ValueTask<long> AuditAsync(Security.PendingAudit entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (_lastSeq == _reservedSeq)
        {
            _reservedSeq = await Security.AuditLog.ReserveAsync(Batch, Metadata.TenantId, _auditBlock, cancellationToken).ConfigureAwait(false);
            _lastSeq = _reservedSeq - _auditBlock;
            _auditBlock = Math.Min(_auditBlock * 2, MaxAuditBlock);
        }

        _auditAt ??= _runtime.Storage.Dialect.TimeParameter(_runtime.Time.GetUtcNow());
        var seq = _lastSeq + 1;
        await Security.AuditLog.WriteAsync(Batch, _runtime.Storage.Dialect, Metadata.TenantId, _auditAt, seq, entry, cancellationToken).ConfigureAwait(false);
        _lastSeq = seq;
        return seq;
    }

    /// <summary>
    /// Runs a nested operation (one started by a handler) all or nothing inside the scope: if it fails, what it wrote
    /// and the events it queued are undone, even when the handler that started it catches the error and carries on.
    /// </summary>
    public async Task<T> NestAsync<T>(Func<Task<T>> operation, CancellationToken cancellationToken)
    {
        var savepoint = "crm_nested_" + (++_savepoints).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var queued = _events.Count;
        var (lastSeq, reservedSeq, auditBlock) = (_lastSeq, _reservedSeq, _auditBlock);
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
            // The rollback took the operation's audit rows and any reservation it made of the tenant's counter with
            // it: the numbers it used are free again, and the next entry continues where the scope stood.
            (_lastSeq, _reservedSeq, _auditBlock) = (lastSeq, reservedSeq, auditBlock);
            throw;
        }

        await Transaction.ReleaseAsync(savepoint, cancellationToken).ConfigureAwait(false);
        return result;
    }

    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        if (_reservedSeq > _lastSeq
            && !await Security.AuditLog.ReturnAsync(Batch, Metadata.TenantId, _lastSeq, _reservedSeq, cancellationToken).ConfigureAwait(false))
        {
            // Cannot happen while this transaction holds the counter; committing would reuse or skip numbers.
            throw new InvalidOperationException($"the audit sequence counter of tenant '{Metadata.TenantId}' moved under an open write transaction; nothing was committed.");
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
