namespace Crm.Engine.Abstractions.Records;

/// <summary>
/// The generic record API of one tenant, for every entity type (the core's and the plugins'). Every write passes the
/// entity pipeline and is validated against the tenant's metadata; nothing is written when any check fails.
/// </summary>
public interface IRecordService
{
    /// <summary>Creates a record.</summary>
    /// <param name="entityType">The entity type's API name.</param>
    /// <param name="values">Field values by API name; unknown fields are rejected.</param>
    /// <param name="options">Owner and id to use, if not the defaults.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The record as stored (version 1).</returns>
    /// <exception cref="Errors.CrmValidationException">A value breaks the metadata.</exception>
    Task<CrmRecord> CreateAsync(string entityType, IReadOnlyDictionary<string, object?> values, CreateOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates many records of one type in one transaction (the bulk path, for imports): each row runs the pipeline
    /// and validation, statements are prepared once and reused. All or nothing: an error names the row at fault.
    /// </summary>
    /// <param name="entityType">The entity type's API name.</param>
    /// <param name="rows">Field values of each record.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The records as stored, in input order.</returns>
    /// <exception cref="Errors.CrmValidationException">A row breaks the metadata; messages start with <c>row N:</c>.</exception>
    Task<IReadOnlyList<CrmRecord>> CreateManyAsync(string entityType, IEnumerable<IReadOnlyDictionary<string, object?>> rows, CancellationToken cancellationToken = default);

    /// <summary>Gets a record by id.</summary>
    /// <param name="entityType">The entity type's API name.</param>
    /// <param name="id">The record id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The record, or <see langword="null"/> if it does not exist in this tenant.</returns>
    Task<CrmRecord?> GetAsync(string entityType, Guid id, CancellationToken cancellationToken = default);

    /// <summary>Changes some fields of a record. A value of <see langword="null"/> clears a field.</summary>
    /// <param name="entityType">The entity type's API name.</param>
    /// <param name="id">The record id.</param>
    /// <param name="expectedVersion">The version the change is based on, or <see langword="null"/> to skip the concurrency check.</param>
    /// <param name="changes">The fields to change, by API name.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The record as stored after the change.</returns>
    /// <exception cref="Errors.CrmConcurrencyException">The record changed since <paramref name="expectedVersion"/>.</exception>
    /// <exception cref="Errors.CrmNotFoundException">The record does not exist.</exception>
    Task<CrmRecord> UpdateAsync(string entityType, Guid id, long? expectedVersion, IReadOnlyDictionary<string, object?> changes, CancellationToken cancellationToken = default);

    /// <summary>Deletes a record. Records still referred to by look-ups cannot be deleted.</summary>
    /// <param name="entityType">The entity type's API name.</param>
    /// <param name="id">The record id.</param>
    /// <param name="expectedVersion">The version the deletion is based on, or <see langword="null"/> to skip the check.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the record is deleted.</returns>
    /// <exception cref="Errors.CrmInUseException">Other records refer to this one.</exception>
    Task DeleteAsync(string entityType, Guid id, long? expectedVersion = null, CancellationToken cancellationToken = default);

    /// <summary>Gives a record to another owner (user or team).</summary>
    /// <param name="entityType">The entity type's API name.</param>
    /// <param name="id">The record id.</param>
    /// <param name="ownerId">The new owning user or team.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The record as stored after the change.</returns>
    Task<CrmRecord> AssignAsync(string entityType, Guid id, Guid ownerId, CancellationToken cancellationToken = default);

    /// <summary>Queries records of one entity type.</summary>
    /// <param name="query">Filters, sort keys and page.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>One page of results.</returns>
    Task<RecordPage> QueryAsync(RecordQuery query, CancellationToken cancellationToken = default);

    /// <summary>Counts the records of one entity type that match the query's filters.</summary>
    /// <param name="query">The filters (sort and page are ignored).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The number of matching records.</returns>
    Task<long> CountAsync(RecordQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Groups the records that match the query's filters and computes counts and sums per group (reports). Only
    /// records the caller may read are counted, and grouping or aggregating by a field the caller may not read is refused.
    /// </summary>
    /// <param name="query">The filters, groups and aggregates.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>One row per group, ordered by the group keys.</returns>
    Task<IReadOnlyList<AggregateRow>> AggregateAsync(AggregateQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Streams every record that matches the query's filters, in id order, without paging. Needs the
    /// <c>Export</c> privilege on the records as well as <c>Read</c>; records the caller may not export are skipped.
    /// </summary>
    /// <param name="query">The filters (sort and page are ignored).</param>
    /// <param name="cancellationToken">Cancels the stream.</param>
    /// <returns>The records.</returns>
    IAsyncEnumerable<CrmRecord> ExportAsync(RecordQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Merges a duplicate into a surviving record, in one transaction: every look-up that pointed to the duplicate is
    /// re-pointed to the survivor, the given field values are written to the survivor, and the duplicate is deleted.
    /// Needs write on the survivor and delete on the duplicate; audited as a merge on the survivor.
    /// </summary>
    /// <param name="entityType">The entity type of both records.</param>
    /// <param name="survivorId">The record that stays.</param>
    /// <param name="duplicateId">The record merged into it and deleted.</param>
    /// <param name="survivorChanges">Field values to set on the survivor (e.g. the duplicate's better phone number), or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The survivor as stored after the merge.</returns>
    Task<CrmRecord> MergeAsync(string entityType, Guid survivorId, Guid duplicateId, IReadOnlyDictionary<string, object?>? survivorChanges = null, CancellationToken cancellationToken = default);
}

/// <summary>Optional settings of a create.</summary>
public sealed record CreateOptions
{
    /// <summary>The id to give the record (e.g. from an external system), or <see langword="null"/> for a new one.</summary>
    public Guid? Id { get; init; }

    /// <summary>The owning user or team, or <see langword="null"/> for the caller.</summary>
    public Guid? OwnerId { get; init; }
}
