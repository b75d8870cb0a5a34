using System.Data.Common;
using Crm.Engine.Abstractions.Events;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Tenancy;
using Crm.Engine.Pipeline;
using Crm.Engine.Records;
using Crm.Engine.Storage;

namespace Crm.Engine.Work;

/// <summary>
/// One tenant's work services' access to the store: on their own (each write its own transaction, events published
/// after commit) or joined to a running pipeline operation (writes share its transaction and its queued events).
/// </summary>
internal sealed class WorkContext(EngineRuntime runtime, PipelineRunner pipeline, RecordStore store, CallerContext caller, OperationScope? ambient, int depth)
{
    public EngineRuntime Runtime { get; } = runtime;

    public CallerContext Caller { get; } = caller;

    public string TenantId => Caller.TenantId;

    public ISqlDialect Dialect => Runtime.Storage.Dialect;

    public DateTimeOffset Now => Runtime.Time.GetUtcNow();

    public object Id(Guid id) => Dialect.IdParameter(id);

    public static string Time(DateTimeOffset instant) => DbValues.FormatTime(instant);

    public async Task<T> WriteAsync<T>(Func<OperationScope, Task<T>> operation, CancellationToken cancellationToken)
    {
        if (ambient is not null)
        {
            return await operation(ambient).ConfigureAwait(false);
        }

        T result;
        IReadOnlyList<IDomainEvent> events;
        await using (var scope = await OperationScope.BeginAsync(Runtime, Caller, cancellationToken).ConfigureAwait(false))
        {
            result = await operation(scope).ConfigureAwait(false);
            await scope.CommitAsync(cancellationToken).ConfigureAwait(false);
            events = [.. scope.Events];
        }

        await Runtime.Events.PublishAsync(events, cancellationToken).ConfigureAwait(false);
        return result;
    }

    public async Task<T> ReadAsync<T>(Func<DbConnection, DbTransaction?, Task<T>> read, CancellationToken cancellationToken)
    {
        if (ambient is not null)
        {
            return await read(ambient.Connection, ambient.Transaction).ConfigureAwait(false);
        }

        await Runtime.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await Runtime.Storage.OpenAsync(cancellationToken).ConfigureAwait(false);
        // Proves the tenant exists (typed error otherwise).
        await Runtime.Metadata.GetAsync(connection, null, TenantId, cancellationToken).ConfigureAwait(false);
        return await read(connection, null).ConfigureAwait(false);
    }

    /// <summary>
    /// Whose access the work mechanisms' own checks (queues, timers, outbox, responsibility, numbering) apply. Joined to
    /// a running operation (<c>ForContext</c>: module code in a pipeline handler, trusted like rules) they act as the
    /// tenant's automation; record changes they make still go through the record pipeline as the operation's caller.
    /// </summary>
    public Security.AccessProfile AccessOf(OperationScope scope) => ambient is not null ? Security.AccessProfile.System(TenantId) : scope.Access;

    /// <summary>The caller's access (see <see cref="AccessOf"/>), for reads outside a write scope.</summary>
    public Task<Security.AccessProfile> AccessAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken) =>
        ambient is not null ? Task.FromResult(Security.AccessProfile.System(TenantId)) : Security.AccessProfile.ForAsync(Caller, connection, transaction, Dialect, cancellationToken);

    /// <summary>
    /// For a caller with a user: throws unless the record exists and the user holds the privilege on it
    /// (<see cref="Abstractions.Errors.CrmNotFoundException"/> when missing or unreadable, so ids cannot be probed).
    /// The system context may do anything.
    /// </summary>
    public async Task EnsureRecordAsync(DbConnection connection, DbTransaction? transaction, Security.AccessProfile access, Guid recordId, Abstractions.Security.RecordPrivilege privilege, CancellationToken cancellationToken)
    {
        if (access.IsSystem)
        {
            return;
        }

        var entityType = await store.EntityTypeOfAsync(connection, transaction, TenantId, recordId, cancellationToken).ConfigureAwait(false)
            ?? throw new Abstractions.Errors.CrmNotFoundException("record", recordId);
        try
        {
            await Security.RecordAccess.EnsureAsync(connection, transaction, Dialect, access, entityType, recordId, privilege, cancellationToken).ConfigureAwait(false);
        }
        catch (Abstractions.Errors.CrmNotFoundException)
        {
            // The same error as for a missing id: naming the type would tell that the record exists.
            throw new Abstractions.Errors.CrmNotFoundException("record", recordId);
        }
    }

    /// <summary>The record API inside a scope (the pipeline runs one level deeper than the caller).</summary>
    public IRecordService Records(OperationScope scope) => new RecordService(Runtime, pipeline, store, Caller, scope, depth);
}
