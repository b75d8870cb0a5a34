using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Events;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Pipeline;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Tenancy;
using Crm.Engine.Metadata;
using Crm.Engine.Pipeline;
using Dapper;

namespace Crm.Engine.Records;

/// <summary>
/// The record API and the entity pipeline. A top-level call opens an <see cref="OperationScope"/> (one write
/// transaction); calls made by handlers through <see cref="IPipelineContext.Records"/> join it one level deeper.
/// Order of one write: PreValidation handlers → metadata validation → PreOperation handlers → validation of what
/// they changed → write → PostOperation handlers → commit → domain events.
/// </summary>
internal sealed class RecordService(EngineRuntime runtime, PipelineRunner pipeline, RecordStore store, CallerContext caller, OperationScope? ambient = null, int depth = 0)
    : IRecordService
{
    public CallerContext Caller => caller;

    public Task<CrmRecord> CreateAsync(string entityType, IReadOnlyDictionary<string, object?> values, CreateOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        return InScopeAsync(scope => CreateInScopeAsync(scope, entityType, values, options, cancellationToken), cancellationToken);
    }

    public async Task<IReadOnlyList<CrmRecord>> CreateManyAsync(string entityType, IEnumerable<IReadOnlyDictionary<string, object?>> rows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return await InScopeAsync(async scope =>
        {
            var created = new List<CrmRecord>();
            var index = 0;
            foreach (var row in rows)
            {
                try
                {
                    created.Add(await CreateInScopeAsync(scope, entityType, row, null, cancellationToken).ConfigureAwait(false));
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

    public async Task<CrmRecord?> GetAsync(string entityType, Guid id, CancellationToken cancellationToken = default)
    {
        if (ambient is not null)
        {
            ambient.Metadata.GetEntity(entityType);
            return await store.GetAsync(ambient.Connection, ambient.Transaction, ambient.Metadata, entityType, id, cancellationToken).ConfigureAwait(false);
        }

        await runtime.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await runtime.Storage.OpenAsync(cancellationToken).ConfigureAwait(false);
        var metadata = await runtime.Metadata.GetAsync(connection, null, caller.TenantId, cancellationToken).ConfigureAwait(false);
        metadata.GetEntity(entityType);
        return await store.GetAsync(connection, null, metadata, entityType, id, cancellationToken).ConfigureAwait(false);
    }

    public Task<CrmRecord> UpdateAsync(string entityType, Guid id, long? expectedVersion, IReadOnlyDictionary<string, object?> changes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(changes);
        return InScopeAsync(scope => WriteExistingAsync(scope, PipelineMessages.Update, entityType, id, expectedVersion, changes, null, cancellationToken), cancellationToken);
    }

    public Task<CrmRecord> AssignAsync(string entityType, Guid id, Guid ownerId, CancellationToken cancellationToken = default) =>
        InScopeAsync(scope => WriteExistingAsync(scope, PipelineMessages.Assign, entityType, id, null, new Dictionary<string, object?>(), ownerId, cancellationToken), cancellationToken);

    public Task DeleteAsync(string entityType, Guid id, long? expectedVersion = null, CancellationToken cancellationToken = default) =>
        InScopeAsync<bool>(async scope =>
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
            scope.Queue(new RecordDeleted(caller.TenantId, runtime.Time.GetUtcNow(), before));
            return true;
        }, cancellationToken);

    public async Task<RecordPage> QueryAsync(RecordQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return await ReadAsync(async (connection, transaction, metadata) =>
        {
            var builder = new QueryBuilder(runtime.Storage.Dialect, metadata, query);
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

                    records.Add(RecordStore.Materialize(reader, metadata));
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
                var countBuilder = new QueryBuilder(runtime.Storage.Dialect, metadata, query);
                total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(countBuilder.BuildCount(), countBuilder.Parameters, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            }

            var token = hasMore && query.Offset == 0 ? builder.MakeToken(lastSort!, records[^1].Id) : null;
            return new RecordPage(records, token, total);
        }, cancellationToken).ConfigureAwait(false);
    }

    public Task<long> CountAsync(RecordQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return ReadAsync((connection, transaction, metadata) =>
        {
            var builder = new QueryBuilder(runtime.Storage.Dialect, metadata, query);
            return connection.ExecuteScalarAsync<long>(new CommandDefinition(builder.BuildCount(), builder.Parameters, transaction, cancellationToken: cancellationToken));
        }, cancellationToken);
    }

    /// <summary>Finds records by phone or e-mail keys, in the tenant (see <see cref="RecordStore.FindByKeysAsync"/>).</summary>
    internal Task<IReadOnlyList<CrmRecord>> FindByKeysAsync(string kind, string? keyPrefix, IReadOnlyList<string> exactKeys, CancellationToken cancellationToken) =>
        ReadAsync((connection, _, metadata) => RecordStore.FindByKeysAsync(connection, metadata, kind, keyPrefix, exactKeys, cancellationToken), cancellationToken);

    private async Task<T> ReadAsync<T>(Func<System.Data.Common.DbConnection, System.Data.Common.DbTransaction?, TenantMetadata, Task<T>> read, CancellationToken cancellationToken)
    {
        if (ambient is not null)
        {
            return await read(ambient.Connection, ambient.Transaction, ambient.Metadata).ConfigureAwait(false);
        }

        await runtime.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await runtime.Storage.OpenAsync(cancellationToken).ConfigureAwait(false);
        var metadata = await runtime.Metadata.GetAsync(connection, null, caller.TenantId, cancellationToken).ConfigureAwait(false);
        return await read(connection, null, metadata).ConfigureAwait(false);
    }

    private async Task<T> InScopeAsync<T>(Func<OperationScope, Task<T>> operation, CancellationToken cancellationToken)
    {
        if (ambient is not null)
        {
            return await ambient.NestAsync(() => operation(ambient), cancellationToken).ConfigureAwait(false);
        }

        IReadOnlyList<IDomainEvent> events;
        T result;
        await using (var scope = await OperationScope.BeginAsync(runtime, caller.TenantId, cancellationToken).ConfigureAwait(false))
        {
            result = await operation(scope).ConfigureAwait(false);
            await scope.CommitAsync(cancellationToken).ConfigureAwait(false);
            events = scope.Events;
        }

        await runtime.Events.PublishAsync(events, cancellationToken).ConfigureAwait(false);
        return result;
    }

    private async Task<CrmRecord> CreateInScopeAsync(OperationScope scope, string entityType, IReadOnlyDictionary<string, object?> values, CreateOptions? options, CancellationToken cancellationToken)
    {
        var entity = scope.Metadata.GetEntity(entityType);
        GuardDepth(PipelineMessages.Create, entityType);
        CheckCallerInput(entity, values);
        var id = options?.Id ?? Guid.CreateVersion7(runtime.Time.GetUtcNow());
        var owner = options?.OwnerId ?? caller.UserId;
        var target = new Dictionary<string, object?>(values, StringComparer.Ordinal);
        var context = NewContext(scope, PipelineMessages.Create, entity.ApiName, id, target, null, owner);

        await pipeline.RunAsync(context, PipelineStage.PreValidation, cancellationToken).ConfigureAwait(false);
        await ValidateAsync(scope, entity, target, isCreate: true, cancellationToken).ConfigureAwait(false);
        await pipeline.RunAsync(context, PipelineStage.PreOperation, cancellationToken).ConfigureAwait(false);
        await ValidateAsync(scope, entity, target, isCreate: true, cancellationToken).ConfigureAwait(false);

        var now = runtime.Time.GetUtcNow();
        var record = new CrmRecord(entity.ApiName, id, 1, Compact(target), new RecordStamps(owner, now, caller.UserId, now, caller.UserId));
        try
        {
            await store.InsertAsync(scope.Batch, caller.TenantId, record, entity, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (runtime.Storage.IsUniqueViolation(ex))
        {
            throw new CrmValidationException(new CrmValidationError(entity.ApiName, RecordColumns.Id, id, "duplicate", $"a record with id {id} already exists."));
        }

        context.PostImage = record;
        await pipeline.RunAsync(context, PipelineStage.PostOperation, cancellationToken).ConfigureAwait(false);
        scope.Queue(new RecordCreated(caller.TenantId, now, record));
        return record;
    }

    private async Task<CrmRecord> WriteExistingAsync(OperationScope scope, string message, string entityType, Guid id, long? expectedVersion, IReadOnlyDictionary<string, object?> changes, Guid? newOwner, CancellationToken cancellationToken)
    {
        var (entity, before) = await LoadForWriteAsync(scope, message, entityType, id, expectedVersion, cancellationToken).ConfigureAwait(false);
        CheckCallerInput(entity, changes);
        var target = new Dictionary<string, object?>(changes, StringComparer.Ordinal);
        var context = NewContext(scope, message, entity.ApiName, id, target, before, newOwner);

        await pipeline.RunAsync(context, PipelineStage.PreValidation, cancellationToken).ConfigureAwait(false);
        await ValidateAsync(scope, entity, target, isCreate: false, cancellationToken).ConfigureAwait(false);
        await pipeline.RunAsync(context, PipelineStage.PreOperation, cancellationToken).ConfigureAwait(false);
        await ValidateAsync(scope, entity, target, isCreate: false, cancellationToken).ConfigureAwait(false);

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
        var after = new CrmRecord(entity.ApiName, id, before.Version + 1, Compact(merged),
            before.Stamps with { OwnerId = owner, ModifiedAt = now, ModifiedBy = caller.UserId });
        if (!await store.UpdateAsync(scope.Batch, caller.TenantId, after, before.Version, entity, cancellationToken).ConfigureAwait(false))
        {
            // Only another transaction can have moved the version since we read it under our write lock;
            // report what is stored now.
            var current = await store.GetAsync(scope.Connection, scope.Transaction, scope.Metadata, entityType, id, cancellationToken).ConfigureAwait(false);
            throw new CrmConcurrencyException(entityType, id, before.Version, current?.Version ?? -1);
        }

        context.PostImage = after;
        await pipeline.RunAsync(context, PipelineStage.PostOperation, cancellationToken).ConfigureAwait(false);
        scope.Queue(new RecordUpdated(caller.TenantId, now, before, after, changed));
        return after;
    }

    private async Task<(TenantEntity Entity, CrmRecord Before)> LoadForWriteAsync(OperationScope scope, string message, string entityType, Guid id, long? expectedVersion, CancellationToken cancellationToken)
    {
        var entity = scope.Metadata.GetEntity(entityType);
        GuardDepth(message, entityType);
        var before = await store.GetAsync(scope.Connection, scope.Transaction, scope.Metadata, entityType, id, cancellationToken).ConfigureAwait(false)
            ?? throw new CrmNotFoundException(entityType, id);
        if (expectedVersion is { } expected && expected != before.Version)
        {
            throw new CrmConcurrencyException(entityType, id, expected, before.Version);
        }

        return (entity, before);
    }

    private PipelineContext NewContext(OperationScope scope, string message, string entityType, Guid id, Dictionary<string, object?> target, CrmRecord? before, Guid? newOwner) =>
        new(caller, message, entityType, id, depth + 1, target, before, newOwner,
            new RecordService(runtime, pipeline, store, caller, scope, depth + 1), scope);

    private void GuardDepth(string message, string entityType)
    {
        if (depth + 1 > runtime.Options.MaxPipelineDepth)
        {
            throw new CrmDepthExceededException(runtime.Options.MaxPipelineDepth, message, entityType);
        }
    }

    /// <summary>Callers may not name unknown fields, and callers at depth 0 may not set fields the engine maintains.</summary>
    private void CheckCallerInput(TenantEntity entity, IReadOnlyDictionary<string, object?> values)
    {
        var errors = new List<CrmValidationError>();
        foreach (var key in values.Keys)
        {
            var field = entity.FindField(key);
            if (field is null)
            {
                var near = Suggestions.Closest(key, entity.Fields.Select(f => f.ApiName));
                errors.Add(new CrmValidationError(entity.ApiName, key, values[key], "unknown_field",
                    $"{entity.ApiName} has no field '{key}'.{(near is null ? " Add it as a custom field first." : $" Did you mean '{near}'?")}"));
            }
            else if (field.Definition.ReadOnly && depth == 0)
            {
                errors.Add(new CrmValidationError(entity.ApiName, key, values[key], "read_only", $"{entity.ApiName}.{key} is maintained by the engine and cannot be set."));
            }
            else if (FieldRules.TryCoerce(entity.ApiName, field.Definition, values[key], out _) is { } valueError)
            {
                // Reported together with unknown fields, so the caller sees every problem at once.
                errors.Add(valueError);
            }
        }

        if (errors.Count > 0)
        {
            throw new CrmValidationException(errors);
        }
    }

    /// <summary>Converts every value to its canonical type and checks it; all problems are reported at once.</summary>
    private async Task ValidateAsync(OperationScope scope, TenantEntity entity, Dictionary<string, object?> target, bool isCreate, CancellationToken cancellationToken)
    {
        var errors = new List<CrmValidationError>();
        foreach (var key in target.Keys.ToList())
        {
            var field = entity.FindField(key);
            if (field is null)
            {
                errors.Add(new CrmValidationError(entity.ApiName, key, target[key], "unknown_field", $"{entity.ApiName} has no field '{key}' (set by a pipeline handler)."));
                continue;
            }

            var value = target[key] is string s && s.Length == 0 && field.Type != FieldType.Text ? null : target[key];
            if (FieldRules.TryCoerce(entity.ApiName, field.Definition, value, out var canonical) is { } error)
            {
                errors.Add(error);
                continue;
            }

            if (field.Definition.Required && (canonical is null || (canonical is string text && string.IsNullOrWhiteSpace(text))))
            {
                errors.Add(new CrmValidationError(entity.ApiName, key, target[key], "required", $"{entity.ApiName}.{key} ({field.Label}) is required and cannot be empty."));
                continue;
            }

            target[key] = canonical;
            if (canonical is not null && field.Type == FieldType.Lookup
                && await CheckLookupAsync(scope, entity, field, canonical, cancellationToken).ConfigureAwait(false) is { } lookupError)
            {
                errors.Add(lookupError);
            }
        }

        if (isCreate)
        {
            foreach (var field in entity.Fields.Where(f => f.Definition.Required && !target.ContainsKey(f.ApiName)))
            {
                errors.Add(new CrmValidationError(entity.ApiName, field.ApiName, null, "required", $"{entity.ApiName}.{field.ApiName} ({field.Label}) is required."));
            }
        }

        if (errors.Count > 0)
        {
            throw new CrmValidationException(errors);
        }
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
        return string.Equals(actual, expectedType, StringComparison.Ordinal)
            ? null
            : new CrmValidationError(entity.ApiName, field.ApiName, value, "lookup", $"no {expectedType} with id {id} exists in this tenant.");
    }

    private static Dictionary<string, object?> Compact(Dictionary<string, object?> values)
    {
        foreach (var key in values.Where(p => p.Value is null).Select(p => p.Key).ToList())
        {
            values.Remove(key);
        }

        return values;
    }

    internal static bool ValueEquals(object? a, object? b) => (a, b) switch
    {
        (null, null) => true,
        (IReadOnlyList<string> x, IReadOnlyList<string> y) => x.SequenceEqual(y, StringComparer.Ordinal),
        _ => Equals(a, b),
    };
}
