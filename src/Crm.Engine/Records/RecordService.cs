using System.Buffers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Events;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Pipeline;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Security;
using Crm.Engine.Abstractions.Tenancy;
using Crm.Engine.Metadata;
using Crm.Engine.Pipeline;
using Crm.Engine.Security;
using Crm.Engine.Work.Numbering;
using Dapper;

namespace Crm.Engine.Records;

/// <summary>
/// The record API and the entity pipeline. A top-level call opens an <see cref="OperationScope"/> (one write
/// transaction); calls made by handlers through <see cref="IPipelineContext.Records"/> join it one level deeper.
/// Order of one write: PreValidation handlers → metadata validation → PreOperation handlers → validation of what
/// they changed → write → PostOperation handlers → commit → domain events.
/// </summary>
internal sealed class RecordService(EngineRuntime runtime, PipelineRunner pipeline, RecordStore store, CallerContext caller, OperationScope? ambient = null, int depth = 0, AccessProfile? view = null)
    : IRecordService
{
    public CallerContext Caller => caller;

    public Task<CrmRecord> CreateAsync(string entityType, IReadOnlyDictionary<string, object?> values, CreateOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        return InScopeAsync(scope => CreateInScopeAsync(scope, NewCreatePlan(scope, entityType, bulk: false), values, options, cancellationToken), cancellationToken);
    }

    public async Task<IReadOnlyList<CrmRecord>> CreateManyAsync(string entityType, IEnumerable<IReadOnlyDictionary<string, object?>> rows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return await InScopeAsync(async scope =>
        {
            // Worked out once for the batch: the entity, its handlers per stage, its write plan, owners checked.
            var plan = NewCreatePlan(scope, entityType, bulk: true);
            var created = rows.TryGetNonEnumeratedCount(out var count) ? new List<CrmRecord>(count) : [];
            var index = 0;
            foreach (var row in rows)
            {
                try
                {
                    created.Add(await CreateInScopeAsync(scope, plan, row, null, cancellationToken).ConfigureAwait(false));
                }
                catch (CrmValidationException ex)
                {
                    throw new CrmValidationException(ex.Errors.Select(e => e with { Message = $"row {index + 1}: {e.Message}" }).ToList());
                }
                catch (CrmOperationRejectedException ex)
                {
                    // A handler's rejection names the row at fault too.
                    throw new CrmOperationRejectedException($"row {index + 1}: {ex.Message}", ex.Field);
                }

                index++;
            }

            return (IReadOnlyList<CrmRecord>)created;
        }, cancellationToken).ConfigureAwait(false);
    }

    public Task<CrmRecord?> GetAsync(string entityType, Guid id, CancellationToken cancellationToken = default) =>
        ReadAsync(async (connection, transaction, metadata, access) =>
        {
            metadata.GetEntity(entityType);
            var record = await store.GetAsync(connection, transaction, metadata, entityType, id, cancellationToken).ConfigureAwait(false);
            if (record is null || !await RecordAccess.AllowsAsync(connection, transaction, runtime.Storage.Dialect, access, record.EntityType, id, RecordPrivilege.Read, cancellationToken).ConfigureAwait(false))
            {
                // Not there and not readable look the same: ids cannot be probed.
                return null;
            }

            return access.Redact(record);
        }, cancellationToken);

    public Task<CrmRecord> UpdateAsync(string entityType, Guid id, long? expectedVersion, IReadOnlyDictionary<string, object?> changes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(changes);
        return InScopeAsync(scope => WriteExistingAsync(scope, PipelineMessages.Update, entityType, id, expectedVersion, changes, null, cancellationToken), cancellationToken);
    }

    public Task<CrmRecord> AssignAsync(string entityType, Guid id, Guid ownerId, CancellationToken cancellationToken = default) =>
        InScopeAsync(scope => WriteExistingAsync(scope, PipelineMessages.Assign, entityType, id, null, new Dictionary<string, object?>(), ownerId, cancellationToken), cancellationToken);

    public Task DeleteAsync(string entityType, Guid id, long? expectedVersion = null, CancellationToken cancellationToken = default) =>
        InScopeAsync(scope => DeleteInScopeAsync(scope, entityType, id, expectedVersion, audit: true, cancellationToken), cancellationToken);

    private async Task<bool> DeleteInScopeAsync(OperationScope scope, string entityType, Guid id, long? expectedVersion, bool audit, CancellationToken cancellationToken)
    {
        var (entity, before) = await LoadForWriteAsync(scope, PipelineMessages.Delete, entityType, id, expectedVersion, cancellationToken).ConfigureAwait(false);
        var context = NewContext(scope, PipelineMessages.Delete, entity.ApiName, id, new Dictionary<string, object?>(), before, null);
        await pipeline.RunAsync(context, PipelineStage.PreValidation, cancellationToken).ConfigureAwait(false);
        await pipeline.RunAsync(context, PipelineStage.PreOperation, cancellationToken).ConfigureAwait(false);
        var references = await store.CountReferencesAsync(scope.Connection, scope.Transaction, caller.TenantId, id, cancellationToken).ConfigureAwait(false);
        if (references > 0)
        {
            throw new CrmInUseException(entityType, id, references);
        }

        await store.DeleteAsync(scope.Batch, caller.TenantId, id, cancellationToken).ConfigureAwait(false);
        await pipeline.RunAsync(context, PipelineStage.PostOperation, cancellationToken).ConfigureAwait(false);
        if (audit)
        {
            await scope.AuditAsync(new PendingAudit(AuditCaller, AuditAction.Delete, entity.ApiName, id, PendingAudit.Diff(before, null)), cancellationToken).ConfigureAwait(false);
        }

        scope.Queue(new RecordDeleted(caller.TenantId, runtime.Time.GetUtcNow(), before));
        return true;
    }

    public async Task<RecordPage> QueryAsync(RecordQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return await ReadAsync(async (connection, transaction, metadata, access) =>
        {
            var builder = new QueryBuilder(runtime.Storage.Dialect, metadata, query, access);
            var (sql, sortCount) = builder.BuildSelect(runtime.Options.DefaultPageSize);
            var pageSize = query.PageSize <= 0 ? runtime.Options.DefaultPageSize : query.PageSize;
            var records = new List<CrmRecord>(Math.Min(pageSize, 1024));
            object?[]? lastSort = null;
            var hasMore = false;
            await using (var reader = await connection.ExecuteReaderAsync(new CommandDefinition(sql, builder.Parameters, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (records.Count == pageSize)
                    {
                        hasMore = true;
                        break;
                    }

                    records.Add(access.Redact(RecordStore.Materialize(reader, metadata)));
                    lastSort = new object?[sortCount];
                    for (var i = 0; i < sortCount; i++)
                    {
                        lastSort[i] = reader.IsDBNull(9 + i) ? null : reader.GetValue(9 + i);
                    }
                }
            }

            long? total = null;
            if (query.IncludeTotalCount)
            {
                var countBuilder = new QueryBuilder(runtime.Storage.Dialect, metadata, query, access);
                total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(countBuilder.BuildCount(), countBuilder.Parameters, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            }

            var token = hasMore && query.Offset == 0 ? builder.MakeToken(lastSort!, records[^1].Id) : null;
            return new RecordPage(records, token, total);
        }, cancellationToken).ConfigureAwait(false);
    }

    public Task<long> CountAsync(RecordQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return ReadAsync((connection, transaction, metadata, access) =>
        {
            var builder = new QueryBuilder(runtime.Storage.Dialect, metadata, query, access);
            return connection.ExecuteScalarAsync<long>(new CommandDefinition(builder.BuildCount(), builder.Parameters, transaction, cancellationToken: cancellationToken));
        }, cancellationToken);
    }

    public Task<IReadOnlyList<AggregateRow>> AggregateAsync(AggregateQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return ReadAsync<IReadOnlyList<AggregateRow>>(async (connection, transaction, metadata, access) =>
        {
            var entity = metadata.GetEntity(query.EntityType);
            var builder = new QueryBuilder(runtime.Storage.Dialect, metadata, new RecordQuery { EntityType = query.EntityType, Filters = query.Filters }, access);
            var sql = builder.BuildAggregate(query);
            var specs = query.Aggregates.Count == 0 ? [new AggregateSpec(AggregateFunction.Count, null, "count")] : query.Aggregates;
            var rows = new List<AggregateRow>();
            await using var reader = await connection.ExecuteReaderAsync(new CommandDefinition(sql, builder.Parameters, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var keys = new Dictionary<string, object?>(StringComparer.Ordinal);
                for (var i = 0; i < query.GroupBy.Count; i++)
                {
                    keys[query.GroupBy[i]] = ReportValue(entity, query.GroupBy[i], reader.IsDBNull(i) ? null : reader.GetValue(i), AggregateFunction.Min);
                }

                var values = new Dictionary<string, object?>(StringComparer.Ordinal);
                for (var i = 0; i < specs.Count; i++)
                {
                    var ordinal = query.GroupBy.Count + i;
                    values[specs[i].Alias] = ReportValue(entity, specs[i].Field, reader.IsDBNull(ordinal) ? null : reader.GetValue(ordinal), specs[i].Function);
                }

                rows.Add(new AggregateRow(keys, values));
            }

            return rows;
        }, cancellationToken);
    }

    public async IAsyncEnumerable<CrmRecord> ExportAsync(RecordQuery query, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        const int Batch = 500;
        var page = query with { Sort = [], PageSize = Batch, ContinuationToken = null, Offset = 0, IncludeTotalCount = false };
        while (true)
        {
            var (records, token) = await ReadAsync(async (connection, transaction, metadata, access) =>
            {
                var entity = metadata.GetEntity(query.EntityType);
                if (access.Depth(entity.ApiName, RecordPrivilege.Export) == AccessDepth.None)
                {
                    throw new CrmAccessDeniedException($"exporting {entity.ApiName} records needs the Export privilege, which none of your security roles gives.", entity.ApiName);
                }

                var builder = new QueryBuilder(runtime.Storage.Dialect, metadata, page, access, RecordPrivilege.Export);
                var (sql, _) = builder.BuildSelect(Batch);
                var batch = new List<CrmRecord>(Batch);
                var more = false;
                await using (var reader = await connection.ExecuteReaderAsync(new CommandDefinition(sql, builder.Parameters, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        if (batch.Count == Batch)
                        {
                            more = true;
                            break;
                        }

                        batch.Add(access.Redact(RecordStore.Materialize(reader, metadata)));
                    }
                }

                return (batch, more ? builder.MakeToken([], batch[^1].Id) : null);
            }, cancellationToken).ConfigureAwait(false);

            foreach (var record in records)
            {
                yield return record;
            }

            if (token is null)
            {
                yield break;
            }

            page = page with { ContinuationToken = token };
        }
    }

    public Task<CrmRecord> MergeAsync(string entityType, Guid survivorId, Guid duplicateId, IReadOnlyDictionary<string, object?>? survivorChanges = null, CancellationToken cancellationToken = default)
    {
        if (survivorId == duplicateId)
        {
            throw new CrmValidationException(new CrmValidationError(entityType, RecordColumns.Id, duplicateId, "merge", "a record cannot be merged into itself."));
        }

        return InScopeAsync(async scope =>
        {
            var (_, duplicate) = await LoadForWriteAsync(scope, PipelineMessages.Delete, entityType, duplicateId, null, cancellationToken).ConfigureAwait(false);
            await LoadForWriteAsync(scope, PipelineMessages.Update, entityType, survivorId, null, cancellationToken).ConfigureAwait(false);

            // Re-point every look-up that names the duplicate. The merge's caller may not see every referrer: the
            // re-pointing is part of the merge (audited with it), not a change the caller makes to those records.
            var referrers = (await scope.Connection.QueryAsync<(object Source, string Field)>(new CommandDefinition(
                "SELECT source_id, field FROM record_refs WHERE tenant_id = @tenant AND target_id = @id AND source_id <> @id ORDER BY source_id, field",
                new { tenant = caller.TenantId, id = runtime.Storage.Dialect.IdParameter(duplicateId) }, scope.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
            // One level deeper, like a handler's write: the engine sets look-ups it maintains (e.g. activity.accountId) too.
            var system = new RecordService(runtime, pipeline, store, caller, scope, depth + 1, SystemView(scope));
            foreach (var group in referrers.GroupBy(r => Storage.DbValues.ToGuid(r.Source)))
            {
                var type = await store.EntityTypeOfAsync(scope.Connection, scope.Transaction, caller.TenantId, group.Key, cancellationToken).ConfigureAwait(false);
                var referrer = await store.GetAsync(scope.Connection, scope.Transaction, scope.Metadata, type!, group.Key, cancellationToken).ConfigureAwait(false);
                var changes = group.ToDictionary(r => r.Field, r => (object?)(referrer?[r.Field] is RecordRef old ? new RecordRef(old.EntityType, survivorId) : survivorId), StringComparer.Ordinal);
                await system.WriteExistingAsync(scope, PipelineMessages.Update, type!, group.Key, null, changes, null, cancellationToken).ConfigureAwait(false);
            }

            var survivor = await WriteExistingAsync(scope, PipelineMessages.Update, entityType, survivorId, null, survivorChanges ?? new Dictionary<string, object?>(), null, cancellationToken).ConfigureAwait(false);
            await DeleteInScopeAsync(scope, entityType, duplicateId, null, audit: false, cancellationToken).ConfigureAwait(false);
            await scope.AuditAsync(new PendingAudit(AuditCaller, AuditAction.Merge, entityType, survivorId, PendingAudit.Diff(duplicate, null),
                $"merged {entityType} {duplicateId} into {survivorId}; {referrers.Count} look-up value(s) re-pointed"), cancellationToken).ConfigureAwait(false);
            return survivor;
        }, cancellationToken);
    }

    /// <summary>Finds records by phone or e-mail keys, in the tenant (see <see cref="RecordStore.FindByKeysAsync"/>).</summary>
    internal Task<IReadOnlyList<CrmRecord>> FindByKeysAsync(string kind, string? keyPrefix, IReadOnlyList<string> exactKeys, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<CrmRecord>>(async (connection, transaction, metadata, access) =>
        {
            var found = await RecordStore.FindByKeysAsync(connection, transaction, metadata, kind, keyPrefix, exactKeys, access.HiddenFields(), cancellationToken).ConfigureAwait(false);
            if (access.IsSystem)
            {
                return found;
            }

            // Screen pop: only the matches the caller may read.
            var visible = new List<CrmRecord>(found.Count);
            foreach (var record in found)
            {
                if (await RecordAccess.AllowsAsync(connection, transaction, runtime.Storage.Dialect, access, record.EntityType, record.Id, RecordPrivilege.Read, cancellationToken).ConfigureAwait(false))
                {
                    visible.Add(access.Redact(record));
                }
            }

            return visible;
        }, cancellationToken);

    private async Task<T> ReadAsync<T>(Func<System.Data.Common.DbConnection, System.Data.Common.DbTransaction?, TenantMetadata, AccessProfile, Task<T>> read, CancellationToken cancellationToken)
    {
        if (ambient is not null)
        {
            return await read(ambient.Connection, ambient.Transaction, ambient.Metadata, view ?? ambient.Access).ConfigureAwait(false);
        }

        await runtime.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await runtime.Storage.OpenAsync(cancellationToken).ConfigureAwait(false);
        var metadata = await runtime.Metadata.GetAsync(connection, null, caller.TenantId, cancellationToken).ConfigureAwait(false);
        var access = await AccessProfile.ForAsync(caller, connection, null, runtime.Storage.Dialect, cancellationToken).ConfigureAwait(false);
        return await read(connection, null, metadata, access).ConfigureAwait(false);
    }

    /// <summary>The access the operation runs with: the caller's, or the system's for the engine's own steps (merge re-pointing).</summary>
    private AccessProfile Access(OperationScope scope) => view ?? scope.Access;

    private static AccessProfile SystemView(OperationScope scope) => AccessProfile.System(scope.Metadata.TenantId);

    /// <summary>Who the audit names: the caller, or, for a write a pipeline handler makes, the caller through that plugin handler.</summary>
    private CallerContext AuditCaller => Origin?.CurrentHandler is { } handler
        ? caller with { Source = OperationSource.Plugin, SourceName = handler.FullName ?? handler.Name }
        : caller;

    /// <summary>The pipeline context whose handlers use this service (for nested operations).</summary>
    internal PipelineContext? Origin { get; set; }

    private async Task<T> InScopeAsync<T>(Func<OperationScope, Task<T>> operation, CancellationToken cancellationToken, bool commit = true)
    {
        if (ambient is not null)
        {
            return await ambient.NestAsync(() => operation(ambient), cancellationToken).ConfigureAwait(false);
        }

        IReadOnlyList<IDomainEvent> events = [];
        T result;
        await using (var scope = await OperationScope.BeginAsync(runtime, caller, cancellationToken).ConfigureAwait(false))
        {
            result = await operation(scope).ConfigureAwait(false);
            if (commit)
            {
                await scope.CommitAsync(cancellationToken).ConfigureAwait(false);
                events = scope.Events;
            }
        }

        await runtime.Events.PublishAsync(events, cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>
    /// Runs an import batch in one write transaction. With <paramref name="savepoints"/>, each write of the session is
    /// all or nothing on its own (a savepoint), so a row that fails leaves the others of the batch; without, a failed
    /// write may leave part of itself and the caller must give up the batch (throw). The batch commits as a whole, or,
    /// when <paramref name="commit"/> is false (a dry run), is rolled back whole. An exception out of
    /// <paramref name="work"/> rolls back the whole batch. The new records' ids come from <paramref name="ids"/>: one
    /// <see cref="BatchIds"/> for all the batches of an import keeps them increasing from batch to batch, so each
    /// batch appends to the key indexes instead of starting at a random place in them.
    /// </summary>
    internal Task<T> BulkAsync<T>(string entityType, BatchIds ids, bool commit, bool savepoints, Func<BulkSession, Task<T>> work, CancellationToken cancellationToken) =>
        InScopeAsync(scope => work(new BulkSession(this, scope, NewCreatePlan(scope, entityType, bulk: true, ids), savepoints)), cancellationToken, commit);

    /// <summary>A source of increasing record ids for <see cref="BulkAsync{T}"/>, on the engine's clock.</summary>
    internal BatchIds NewBatchIds() => new(runtime.Time);

    /// <summary>The same caller's record service, joining a scope (reads in its transaction).</summary>
    private RecordService Joining(OperationScope scope) => new(runtime, pipeline, store, caller, scope);

    /// <summary>The writes of one import batch, in its transaction, as the service's caller.</summary>
    internal sealed class BulkSession(RecordService service, OperationScope scope, CreatePlan plan, bool savepoints)
    {
        private RecordService? _reader;

        public TenantEntity Entity => plan.Entity;

        public AccessProfile Access => scope.Access;

        /// <summary>Creates a record like <see cref="CreateManyAsync"/> does for one row, undone alone if it fails.</summary>
        public Task<CrmRecord> CreateAsync(IReadOnlyDictionary<string, object?> values, CancellationToken cancellationToken) => savepoints
            ? scope.NestAsync(() => service.CreateInScopeAsync(scope, plan, values, null, cancellationToken), cancellationToken)
            : service.CreateInScopeAsync(scope, plan, values, null, cancellationToken);

        /// <summary>Updates a record like <see cref="UpdateAsync"/>, undone alone if it fails.</summary>
        public Task<CrmRecord> UpdateAsync(Guid id, IReadOnlyDictionary<string, object?> changes, CancellationToken cancellationToken) => savepoints
            ? scope.NestAsync(() => service.WriteExistingAsync(scope, PipelineMessages.Update, plan.Entity.ApiName, id, null, changes, null, cancellationToken), cancellationToken)
            : service.WriteExistingAsync(scope, PipelineMessages.Update, plan.Entity.ApiName, id, null, changes, null, cancellationToken);

        /// <summary>Whether each write is its own savepoint (a failed row can be left out of the batch).</summary>
        public bool Savepoints => savepoints;

        /// <summary>Queries in the batch's transaction, with the caller's access.</summary>
        public Task<RecordPage> QueryAsync(RecordQuery query, CancellationToken cancellationToken) =>
            (_reader ??= service.Joining(scope)).QueryAsync(query, cancellationToken);
    }

    private CreatePlan NewCreatePlan(OperationScope scope, string entityType, bool bulk, BatchIds? ids = null)
    {
        var entity = scope.Metadata.GetEntity(entityType);
        return new CreatePlan(
            entity,
            pipeline.Steps(PipelineMessages.Create, entity.ApiName, PipelineStage.PreValidation),
            pipeline.Steps(PipelineMessages.Create, entity.ApiName, PipelineStage.PreOperation),
            pipeline.Steps(PipelineMessages.Create, entity.ApiName, PipelineStage.PostOperation),
            ids ?? new BatchIds(runtime.Time),
            bulk ? new Dictionary<Guid, Guid>() : null);
    }

    private async Task<CrmRecord> CreateInScopeAsync(OperationScope scope, CreatePlan plan, IReadOnlyDictionary<string, object?> values, CreateOptions? options, CancellationToken cancellationToken)
    {
        var entity = plan.Entity;
        GuardDepth(PipelineMessages.Create, entity.ApiName);
        var access = Access(scope);
        CheckCallerInput(scope, entity, values, access);
        if (options?.Id is not null && !access.IsSystem)
        {
            // A chosen id that is taken fails, readable or not: that would tell a user whether a record they may not
            // see exists. Ids from other systems (integrations, migrations) come through the system context.
            throw new CrmAccessDeniedException($"choosing the id of a new {entity.ApiName} is for the system context (integrations and migrations); a user's records get new ids.", entity.ApiName);
        }

        var id = options?.Id ?? plan.Ids.Next();
        var owner = options?.OwnerId ?? caller.UserId;
        await CheckOwnerAsync(scope, access, entity.ApiName, RecordPrivilege.Create, owner, plan.OwnerUnits, cancellationToken).ConfigureAwait(false);
        // Room for what handlers add (a contact's full name), so the dictionary does not grow row by row.
        var target = new Dictionary<string, object?>(values.Count + 2, StringComparer.Ordinal);
        foreach (var (key, value) in values)
        {
            target.Add(key, value);
        }

        var context = NewContext(scope, PipelineMessages.Create, entity.ApiName, id, target, null, owner);

        await pipeline.RunAsync(context, PipelineStage.PreValidation, plan.PreValidation, cancellationToken).ConfigureAwait(false);
        var numbered = scope.Batch.PlanFor(entity).AutoNumbers;
        if (numbered.Length > 0)
        {
            await AutoNumbers.AssignAsync(scope.Batch, caller.TenantId, entity, numbered, target, runtime.Time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        }

        await ValidateAsync(scope, entity, target, isCreate: true, cancellationToken).ConfigureAwait(false);
        await RunPreOperationAsync(scope, context, plan.PreOperation, entity, target, isCreate: true, cancellationToken).ConfigureAwait(false);

        var now = runtime.Time.GetUtcNow();
        // The record gets its own copy: PostOperation handlers still hold the target.
        var record = new CrmRecord(entity.ApiName, id, 1, Snapshot(target), new RecordStamps(owner, now, caller.UserId, now, caller.UserId));
        try
        {
            await store.InsertAsync(scope.Batch, caller.TenantId, record, entity, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (runtime.Storage.IsUniqueViolation(ex))
        {
            throw new CrmValidationException(new CrmValidationError(entity.ApiName, RecordColumns.Id, id, "duplicate", $"a record with id {id} already exists."));
        }
        catch (Exception ex) when (runtime.Storage.IsForeignKeyViolation(ex))
        {
            throw await DanglingLookupAsync(scope, entity, target, isCreate: true, ex, cancellationToken).ConfigureAwait(false);
        }

        context.PostImage = record;
        await pipeline.RunAsync(context, PipelineStage.PostOperation, plan.PostOperation, cancellationToken).ConfigureAwait(false);
        await scope.AuditAsync(new PendingAudit(AuditCaller, AuditAction.Create, entity.ApiName, id, PendingAudit.Diff(null, record)), cancellationToken).ConfigureAwait(false);
        scope.Queue(new RecordCreated(caller.TenantId, now, record));
        return access.Redact(record);
    }

    /// <summary>
    /// Runs the PreOperation handlers, then validates again only if they changed the values: the values are
    /// canonical after the first validation, so a value still the same object, under the same keys, needs no second
    /// look (canonical values are immutable). A handler that sets, adds or removes anything triggers the full check.
    /// </summary>
    private async Task RunPreOperationAsync(OperationScope scope, PipelineContext context, PipelineStep[] steps, TenantEntity entity, Dictionary<string, object?> target, bool isCreate, CancellationToken cancellationToken)
    {
        if (steps.Length == 0)
        {
            return;
        }

        var validated = target.ToArray();
        await pipeline.RunAsync(context, PipelineStage.PreOperation, steps, cancellationToken).ConfigureAwait(false);
        if (ChangedSince(target, validated))
        {
            await ValidateAsync(scope, entity, target, isCreate, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Whether the values differ from the snapshot: another key set, or any value another object.</summary>
    internal static bool ChangedSince(Dictionary<string, object?> target, KeyValuePair<string, object?>[] snapshot)
    {
        if (target.Count != snapshot.Length)
        {
            return true;
        }

        foreach (var (key, value) in snapshot)
        {
            if (!target.TryGetValue(key, out var now) || !ReferenceEquals(now, value))
            {
                return true;
            }
        }

        return false;
    }

    private async Task<CrmRecord> WriteExistingAsync(OperationScope scope, string message, string entityType, Guid id, long? expectedVersion, IReadOnlyDictionary<string, object?> changes, Guid? newOwner, CancellationToken cancellationToken)
    {
        var (entity, before) = await LoadForWriteAsync(scope, message, entityType, id, expectedVersion, cancellationToken).ConfigureAwait(false);
        var access = Access(scope);
        CheckCallerInput(scope, entity, changes, access);
        if (newOwner is { } assignee)
        {
            await CheckOwnerAsync(scope, access, entity.ApiName, null, assignee, null, cancellationToken).ConfigureAwait(false);
        }

        var target = new Dictionary<string, object?>(changes, StringComparer.Ordinal);
        var context = NewContext(scope, message, entity.ApiName, id, target, before, newOwner);

        await pipeline.RunAsync(context, PipelineStage.PreValidation, cancellationToken).ConfigureAwait(false);
        await ValidateAsync(scope, entity, target, isCreate: false, cancellationToken).ConfigureAwait(false);
        await RunPreOperationAsync(scope, context, pipeline.Steps(message, entity.ApiName, PipelineStage.PreOperation), entity, target, isCreate: false, cancellationToken).ConfigureAwait(false);

        var merged = new Dictionary<string, object?>(before.Values, StringComparer.Ordinal);
        foreach (var (key, value) in target)
        {
            merged[key] = value;
        }

        var changed = target.Where(p => !ValueEquals(before[p.Key], p.Value)).Select(p => p.Key).ToList();
        var owner = newOwner ?? before.OwnerId;
        if (owner != before.OwnerId)
        {
            changed.Add(RecordColumns.OwnerId);
        }

        var now = runtime.Time.GetUtcNow();
        var after = new CrmRecord(entity.ApiName, id, before.Version + 1, Snapshot(merged),
            before.Stamps with { OwnerId = owner, ModifiedAt = now, ModifiedBy = caller.UserId });
        bool updated;
        try
        {
            updated = await store.UpdateAsync(scope.Batch, caller.TenantId, after, before.Version, entity, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (runtime.Storage.IsForeignKeyViolation(ex))
        {
            throw await DanglingLookupAsync(scope, entity, target, isCreate: false, ex, cancellationToken).ConfigureAwait(false);
        }

        if (!updated)
        {
            // Only another transaction can have moved the version since we read it under our write lock;
            // report what is stored now.
            var current = await store.GetAsync(scope.Connection, scope.Transaction, scope.Metadata, entityType, id, cancellationToken).ConfigureAwait(false);
            throw new CrmConcurrencyException(entityType, id, before.Version, current?.Version ?? -1);
        }

        context.PostImage = after;
        await pipeline.RunAsync(context, PipelineStage.PostOperation, cancellationToken).ConfigureAwait(false);
        if (changed.Count > 0)
        {
            await scope.AuditAsync(new PendingAudit(AuditCaller, message == PipelineMessages.Assign ? AuditAction.Assign : AuditAction.Update, entity.ApiName, id, PendingAudit.Diff(before, after)), cancellationToken).ConfigureAwait(false);
        }

        scope.Queue(new RecordUpdated(caller.TenantId, now, before, after, changed));
        return access.Redact(after);
    }

    private async Task<(TenantEntity Entity, CrmRecord Before)> LoadForWriteAsync(OperationScope scope, string message, string entityType, Guid id, long? expectedVersion, CancellationToken cancellationToken)
    {
        var entity = scope.Metadata.GetEntity(entityType);
        GuardDepth(message, entityType);
        var before = await store.GetAsync(scope.Connection, scope.Transaction, scope.Metadata, entityType, id, cancellationToken).ConfigureAwait(false)
            ?? throw new CrmNotFoundException(entityType, id);
        var privilege = message switch
        {
            PipelineMessages.Delete => RecordPrivilege.Delete,
            PipelineMessages.Assign => RecordPrivilege.Assign,
            _ => RecordPrivilege.Write,
        };
        await RecordAccess.EnsureAsync(scope.Connection, scope.Transaction, runtime.Storage.Dialect, Access(scope), entity.ApiName, id, privilege, cancellationToken).ConfigureAwait(false);
        if (expectedVersion is { } expected && expected != before.Version)
        {
            throw new CrmConcurrencyException(entityType, id, expected, before.Version);
        }

        return (entity, before);
    }

    private PipelineContext NewContext(OperationScope scope, string message, string entityType, Guid id, Dictionary<string, object?> target, CrmRecord? before, Guid? newOwner)
    {
        // Handlers act with the caller's access (a handler cannot lift a user's limits), and what they write is
        // audited as the caller through that handler.
        // The engine's own system view (merge re-pointing) is not handed on: handlers always get the caller's access.
        var nested = new RecordService(runtime, pipeline, store, caller, scope, depth + 1);
        var system = new RecordService(runtime, pipeline, store, caller, scope, depth + 1, SystemView(scope));
        var context = new PipelineContext(caller, message, entityType, id, depth + 1, target, before, newOwner, nested, system, scope);
        nested.Origin = context;
        system.Origin = context;
        return context;
    }

    /// <summary>
    /// The owner must be a user or team of the tenant; for a create, the caller's Create depth must reach a record
    /// with that owner (creating for someone in another unit needs a deeper privilege).
    /// </summary>
    private async Task CheckOwnerAsync(OperationScope scope, AccessProfile access, string entityType, RecordPrivilege? privilege, Guid? owner, Dictionary<Guid, Guid>? knownOwners, CancellationToken cancellationToken)
    {
        Guid? unit = null;
        if (owner is { } o && knownOwners is not null && knownOwners.TryGetValue(o, out var known))
        {
            // Checked for an earlier row of the same batch.
            unit = known;
        }
        else if (owner is { } o2)
        {
            var found = await scope.Connection.ExecuteScalarAsync<object?>(new CommandDefinition(
                "SELECT unit_id FROM users WHERE tenant_id = @tenant AND id = @id UNION ALL SELECT unit_id FROM teams WHERE tenant_id = @tenant AND id = @id",
                new { tenant = caller.TenantId, id = runtime.Storage.Dialect.IdParameter(o2) }, scope.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (found is null or DBNull)
            {
                throw new CrmValidationException(new CrmValidationError(entityType, RecordColumns.OwnerId, o2, "owner", $"no user or team with id {o2} exists in this tenant; a record's owner must be one."));
            }

            unit = Storage.DbValues.ToGuid(found);
            knownOwners?.Add(o2, unit.Value);
        }

        if (privilege is { } p && !access.IsSystem)
        {
            var depth = access.Depth(entityType, p);
            if (!access.Covers(depth, owner, unit))
            {
                throw new CrmAccessDeniedException(depth == AccessDepth.None
                    ? $"you may not create {entityType} records: none of your security roles gives Create on {entityType}."
                    : $"you may create {entityType} records only within depth {depth}; owner {(owner is null ? "(none)" : owner.ToString())} is outside it.", entityType);
            }
        }
    }

    private void GuardDepth(string message, string entityType)
    {
        if (depth + 1 > runtime.Options.MaxPipelineDepth)
        {
            throw new CrmDepthExceededException(runtime.Options.MaxPipelineDepth, message, entityType);
        }
    }

    /// <summary>Callers may not name unknown fields, and callers at depth 0 may not set fields the engine maintains.</summary>
    private void CheckCallerInput(OperationScope scope, TenantEntity entity, IReadOnlyDictionary<string, object?> values, AccessProfile access)
    {
        var fields = scope.Batch.PlanFor(entity);
        List<CrmValidationError>? errors = null;
        foreach (var key in values.Keys)
        {
            var field = fields.FindField(key);
            if (field is not null && access.Field(entity.ApiName, key) != FieldAccess.ReadWrite)
            {
                throw new CrmAccessDeniedException(
                    $"you may not set {entity.ApiName}.{key}: it is a secured field and your security roles give {(access.CanRead(entity.ApiName, key) ? "read-only" : "no")} access to it.", entity.ApiName, key);
            }

            if (field is null)
            {
                var near = Suggestions.Closest(key, entity.Fields.Select(f => f.ApiName));
                (errors ??= []).Add(new CrmValidationError(entity.ApiName, key, values[key], "unknown_field",
                    $"{entity.ApiName} has no field '{key}'.{(near is null ? " Add it as a custom field first." : $" Did you mean '{near}'?")}"));
            }
            else if (field.Definition.ReadOnly && depth == 0)
            {
                (errors ??= []).Add(new CrmValidationError(entity.ApiName, key, values[key], "read_only", $"{entity.ApiName}.{key} is maintained by the engine and cannot be set."));
            }
            else if (FieldRules.TryCoerce(entity.ApiName, field.Definition, values[key], out _) is { } valueError)
            {
                // Reported together with unknown fields, so the caller sees every problem at once.
                (errors ??= []).Add(valueError);
            }
        }

        if (errors is not null)
        {
            throw new CrmValidationException(errors);
        }
    }

    /// <summary>Converts every value to its canonical type and checks it; all problems are reported at once.</summary>
    private async Task ValidateAsync(OperationScope scope, TenantEntity entity, Dictionary<string, object?> target, bool isCreate, CancellationToken cancellationToken)
    {
        List<CrmValidationError>? errors = null;
        var fields = scope.Batch.PlanFor(entity);
        // The keys are copied: values are replaced by their canonical forms on the way.
        var keys = ArrayPool<string>.Shared.Rent(target.Count);
        var count = target.Count;
        try
        {
            target.Keys.CopyTo(keys, 0);
            for (var i = 0; i < count; i++)
            {
                var key = keys[i];
                var field = fields.FindField(key);
                if (field is null)
                {
                    (errors ??= []).Add(new CrmValidationError(entity.ApiName, key, target[key], "unknown_field", $"{entity.ApiName} has no field '{key}' (set by a pipeline handler)."));
                    continue;
                }

                var raw = target[key];
                var value = raw is string s && s.Length == 0 && field.Type != FieldType.Text ? null : raw;
                if (FieldRules.TryCoerce(entity.ApiName, field.Definition, value, out var canonical) is { } error)
                {
                    (errors ??= []).Add(error);
                    continue;
                }

                if (field.Definition.Required && (canonical is null || (canonical is string text && string.IsNullOrWhiteSpace(text))))
                {
                    (errors ??= []).Add(new CrmValidationError(entity.ApiName, key, raw, "required", $"{entity.ApiName}.{key} ({field.Label}) is required and cannot be empty."));
                    continue;
                }

                if (!ReferenceEquals(canonical, raw))
                {
                    target[key] = canonical;
                }

                if (canonical is not null && field.Type == FieldType.Lookup
                    && await CheckLookupAsync(scope, entity, field, canonical, cancellationToken).ConfigureAwait(false) is { } lookupError)
                {
                    (errors ??= []).Add(lookupError);
                }
            }
        }
        finally
        {
            ArrayPool<string>.Shared.Return(keys, clearArray: true);
        }

        if (isCreate)
        {
            foreach (var field in scope.Batch.PlanFor(entity).Required)
            {
                if (!target.ContainsKey(field.ApiName))
                {
                    (errors ??= []).Add(new CrmValidationError(entity.ApiName, field.ApiName, null, "required", $"{entity.ApiName}.{field.ApiName} ({field.Label}) is required."));
                }
            }
        }

        if (errors is not null)
        {
            throw new CrmValidationException(errors);
        }
    }

    /// <summary>
    /// A write failed on a foreign key: a look-up's target went away after the values were validated (a PreOperation
    /// handler deleted it; values it left unchanged are not validated twice). Validating again names the field; the
    /// store's exception is returned (to be thrown) only if validation finds nothing, which would be an engine fault.
    /// </summary>
    private async Task<Exception> DanglingLookupAsync(OperationScope scope, TenantEntity entity, Dictionary<string, object?> target, bool isCreate, Exception violation, CancellationToken cancellationToken)
    {
        try
        {
            await ValidateAsync(scope, entity, target, isCreate, cancellationToken).ConfigureAwait(false);
        }
        catch (CrmValidationException invalid)
        {
            return invalid;
        }

        return new InvalidOperationException($"Writing {entity.ApiName} failed on a foreign key, yet its values are valid: {violation.Message}", violation);
    }

    private async Task<CrmValidationError?> CheckLookupAsync(OperationScope scope, TenantEntity entity, TenantField field, object value, CancellationToken cancellationToken)
    {
        var (expectedType, id) = value switch
        {
            RecordRef r => (r.EntityType, r.Id),
            Guid g => (field.Definition.LookupTarget!, g),
            _ => (string.Empty, Guid.Empty),
        };
        var actual = await store.EntityTypeOfAsync(scope.Connection, scope.Transaction, caller.TenantId, id, cancellationToken).ConfigureAwait(false);
        var readable = actual is not null
            && await RecordAccess.AllowsAsync(scope.Connection, scope.Transaction, runtime.Storage.Dialect, Access(scope), actual, id, RecordPrivilege.Read, cancellationToken).ConfigureAwait(false);
        return readable && string.Equals(actual, expectedType, StringComparison.Ordinal)
            ? null
            : new CrmValidationError(entity.ApiName, field.ApiName, value, "lookup", $"no {expectedType} with id {id} exists in this tenant.");
    }

    /// <summary>A report cell in the field's canonical form: counts as long, sums and averages of numbers as decimal.</summary>
    private static object? ReportValue(TenantEntity entity, string? field, object? raw, AggregateFunction function)
    {
        if (raw is null)
        {
            return function == AggregateFunction.Count ? 0L : null;
        }

        if (function == AggregateFunction.Count)
        {
            return Convert.ToInt64(raw, System.Globalization.CultureInfo.InvariantCulture);
        }

        var type = field is null ? FieldType.Number
            : RecordColumns.Map.TryGetValue(field, out var column) ? column.Type
            : entity.FindField(field)?.Type ?? FieldType.Text;
        return type switch
        {
            _ when function is AggregateFunction.Sum or AggregateFunction.Average => Convert.ToDecimal(raw, System.Globalization.CultureInfo.InvariantCulture),
            FieldType.Number or FieldType.Money => Convert.ToDecimal(raw, System.Globalization.CultureInfo.InvariantCulture),
            FieldType.Bool => Convert.ToInt64(raw, System.Globalization.CultureInfo.InvariantCulture) != 0,
            FieldType.Lookup when raw is string s && Guid.TryParse(s, out var g) => g,
            FieldType.DateTime when raw is string s => Storage.DbValues.ToTime(s),
            _ => raw,
        };
    }

    /// <summary>The values with a value (a null is no value), as the read-only dictionary a record keeps without copying it again.</summary>
    private static System.Collections.ObjectModel.ReadOnlyDictionary<string, object?> Snapshot(Dictionary<string, object?> values)
    {
        var kept = new Dictionary<string, object?>(values.Count, StringComparer.Ordinal);
        foreach (var (key, value) in values)
        {
            if (value is not null)
            {
                kept.Add(key, value);
            }
        }

        return new System.Collections.ObjectModel.ReadOnlyDictionary<string, object?>(kept);
    }

    internal static bool ValueEquals(object? a, object? b) => (a, b) switch
    {
        (null, null) => true,
        (IReadOnlyList<string> x, IReadOnlyList<string> y) => x.SequenceEqual(y, StringComparer.Ordinal),
        _ => Equals(a, b),
    };

    /// <summary>What every create of an entity type in one call shares: for a batch, worked out once.</summary>
    /// <param name="Entity">The entity type.</param>
    /// <param name="PreValidation">Its PreValidation handlers.</param>
    /// <param name="PreOperation">Its PreOperation handlers.</param>
    /// <param name="PostOperation">Its PostOperation handlers.</param>
    /// <param name="Ids">The ids of the new records (increasing within the batch).</param>
    /// <param name="OwnerUnits">For a batch: the owners already found in the tenant, with their unit.</param>
    internal sealed record CreatePlan(TenantEntity Entity, PipelineStep[] PreValidation, PipelineStep[] PreOperation, PipelineStep[] PostOperation, BatchIds Ids, Dictionary<Guid, Guid>? OwnerUnits);
}
