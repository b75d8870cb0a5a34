namespace Crm.Engine.Abstractions.Records;

/// <summary>How a filter compares a field with a value.</summary>
public enum FilterOperator
{
    /// <summary>Equal to the value.</summary>
    Equal = 0,

    /// <summary>Not equal to the value (records without a value match).</summary>
    NotEqual = 1,

    /// <summary>Greater than the value.</summary>
    GreaterThan = 2,

    /// <summary>Greater than or equal to the value.</summary>
    GreaterOrEqual = 3,

    /// <summary>Less than the value.</summary>
    LessThan = 4,

    /// <summary>Less than or equal to the value.</summary>
    LessOrEqual = 5,

    /// <summary>Equal to one of the values (the value is a collection).</summary>
    In = 6,

    /// <summary>Text contains the value (case-insensitive for ASCII).</summary>
    Contains = 7,

    /// <summary>Text starts with the value (case-insensitive for ASCII).</summary>
    StartsWith = 8,

    /// <summary>The field has no value.</summary>
    IsNull = 9,

    /// <summary>The field has a value.</summary>
    IsNotNull = 10,

    /// <summary>
    /// Text equal to one of the values (a collection of texts) ignoring case. On e-mail fields it compares addresses
    /// as the engine's e-mail index holds them (trimmed, every letter folded) and uses that index; on other text it
    /// compares the values as given, folding as <see cref="Contains"/> does (ASCII letters on SQLite), and is not
    /// served by a field's index (each query reads every record of the entity type).
    /// </summary>
    InIgnoreCase = 11,
}

/// <summary>One condition of a query. Conditions of a query are combined with AND.</summary>
/// <param name="Field">A field's API name (system, custom, or a record column: <c>id</c>, <c>version</c>, <c>ownerId</c>, <c>createdAt</c>, <c>modifiedAt</c>).</param>
/// <param name="Operator">The comparison.</param>
/// <param name="Value">The value compared with (ignored by <see cref="FilterOperator.IsNull"/> and <see cref="FilterOperator.IsNotNull"/>).</param>
public sealed record QueryFilter(string Field, FilterOperator Operator, object? Value = null);

/// <summary>One sort key of a query; the record id always breaks ties.</summary>
/// <param name="Field">A field's API name or a record column.</param>
/// <param name="Descending">Whether to sort from high to low. Records without a value come first ascending, last descending.</param>
public sealed record QuerySort(string Field, bool Descending = false);

/// <summary>
/// A query over one entity type: AND-combined filters, sort keys, and a page. Use <see cref="ContinuationToken"/>
/// (keyset paging, constant cost per page at any depth) for large sets, or <see cref="Offset"/> for small lists.
/// </summary>
public sealed record RecordQuery
{
    /// <summary>The largest page size allowed.</summary>
    public const int MaxPageSize = 5000;

    /// <summary>The entity type's API name.</summary>
    public required string EntityType { get; init; }

    /// <summary>The filters, combined with AND.</summary>
    public IReadOnlyList<QueryFilter> Filters { get; init; } = [];

    /// <summary>The sort keys; the id is always the last tie-breaker.</summary>
    public IReadOnlyList<QuerySort> Sort { get; init; } = [];

    /// <summary>The number of records per page (1 to <see cref="MaxPageSize"/>); 0 means the engine's default page size (option <c>Crm:DefaultPageSize</c>, 100 unless configured).</summary>
    public int PageSize { get; init; }

    /// <summary>The token returned with the previous page, to read the next one (keyset paging).</summary>
    public string? ContinuationToken { get; init; }

    /// <summary>The number of records to skip (offset paging); not combinable with <see cref="ContinuationToken"/>.</summary>
    public int Offset { get; init; }

    /// <summary>Whether to count every record that matches the filters (costs a second query).</summary>
    public bool IncludeTotalCount { get; init; }

    /// <summary>Starts a query over an entity type.</summary>
    /// <param name="entityType">The entity type's API name.</param>
    /// <returns>A query with no filters.</returns>
    public static RecordQuery For(string entityType) => new() { EntityType = entityType };

    /// <summary>Adds a condition.</summary>
    /// <param name="field">The field's API name.</param>
    /// <param name="op">The comparison.</param>
    /// <param name="value">The value compared with.</param>
    /// <returns>A new query with the condition added.</returns>
    public RecordQuery Where(string field, FilterOperator op, object? value = null) => this with { Filters = [.. Filters, new QueryFilter(field, op, value)] };

    /// <summary>Adds an equality condition.</summary>
    /// <param name="field">The field's API name.</param>
    /// <param name="value">The value the field must equal.</param>
    /// <returns>A new query with the condition added.</returns>
    public RecordQuery Where(string field, object? value) => Where(field, FilterOperator.Equal, value);

    /// <summary>Adds an ascending sort key.</summary>
    /// <param name="field">The field's API name.</param>
    /// <returns>A new query with the sort key added.</returns>
    public RecordQuery OrderBy(string field) => this with { Sort = [.. Sort, new QuerySort(field)] };

    /// <summary>Adds a descending sort key.</summary>
    /// <param name="field">The field's API name.</param>
    /// <returns>A new query with the sort key added.</returns>
    public RecordQuery OrderByDescending(string field) => this with { Sort = [.. Sort, new QuerySort(field, Descending: true)] };

    /// <summary>Sets the page size.</summary>
    /// <param name="pageSize">Records per page.</param>
    /// <returns>A new query with the page size set.</returns>
    public RecordQuery Take(int pageSize) => this with { PageSize = pageSize };

    /// <summary>Continues after a previous page.</summary>
    /// <param name="continuationToken">The token of the previous page.</param>
    /// <returns>A new query that reads the next page.</returns>
    public RecordQuery After(string? continuationToken) => this with { ContinuationToken = continuationToken };
}

/// <summary>One page of query results.</summary>
/// <param name="Records">The records of this page, in order.</param>
/// <param name="ContinuationToken">The token to read the next page, or <see langword="null"/> on the last page.</param>
/// <param name="TotalCount">The number of matching records, when asked for.</param>
public sealed record RecordPage(IReadOnlyList<CrmRecord> Records, string? ContinuationToken, long? TotalCount);

/// <summary>An aggregate function of a report.</summary>
public enum AggregateFunction
{
    /// <summary>The number of records (the field is ignored) or of records with a value in the field.</summary>
    Count = 0,

    /// <summary>The sum of a number or money field.</summary>
    Sum = 1,

    /// <summary>The average of a number or money field.</summary>
    Average = 2,

    /// <summary>The smallest value.</summary>
    Min = 3,

    /// <summary>The largest value.</summary>
    Max = 4,
}

/// <summary>One computed column of a report.</summary>
/// <param name="Function">The function.</param>
/// <param name="Field">The field it applies to (<see langword="null"/> for a plain count).</param>
/// <param name="Alias">The name of the result in <see cref="AggregateRow.Values"/>.</param>
public sealed record AggregateSpec(AggregateFunction Function, string? Field, string Alias);

/// <summary>A report over one entity type: filters, group-by fields and computed columns.</summary>
public sealed record AggregateQuery
{
    /// <summary>The entity type's API name.</summary>
    public required string EntityType { get; init; }

    /// <summary>The filters, combined with AND.</summary>
    public IReadOnlyList<QueryFilter> Filters { get; init; } = [];

    /// <summary>The fields to group by (none: one row for all records).</summary>
    public IReadOnlyList<string> GroupBy { get; init; } = [];

    /// <summary>The computed columns (none: a count named <c>count</c>).</summary>
    public IReadOnlyList<AggregateSpec> Aggregates { get; init; } = [];

    /// <summary>Starts a report over an entity type.</summary>
    /// <param name="entityType">The entity type's API name.</param>
    /// <returns>A report with no filters or groups.</returns>
    public static AggregateQuery For(string entityType) => new() { EntityType = entityType };
}

/// <summary>One group of a report.</summary>
/// <param name="Keys">The group-by values, by field.</param>
/// <param name="Values">The computed columns, by alias.</param>
public sealed record AggregateRow(IReadOnlyDictionary<string, object?> Keys, IReadOnlyDictionary<string, object?> Values);
