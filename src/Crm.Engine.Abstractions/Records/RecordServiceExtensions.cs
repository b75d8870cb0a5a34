using System.Runtime.CompilerServices;

namespace Crm.Engine.Abstractions.Records;

/// <summary>Reading every record of a query, page by page (keyset paging), without writing the paging loop.</summary>
public static class RecordServiceExtensions
{
    /// <summary>
    /// Streams every record that matches the query, in its sort order, a page at a time (the query's page size, or
    /// <see cref="RecordQuery.MaxPageSize"/> when it has none). Each page is one read as the caller: only readable records.
    /// </summary>
    /// <param name="records">The record API (of the caller whose access applies).</param>
    /// <param name="query">The query; its continuation token, if any, is where reading starts.</param>
    /// <param name="cancellationToken">Cancels the reading.</param>
    /// <returns>The records.</returns>
    public static async IAsyncEnumerable<CrmRecord> QueryAllAsync(this IRecordService records, RecordQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(query);
        var page = query.PageSize > 0 ? query : query.Take(RecordQuery.MaxPageSize);
        while (true)
        {
            var result = await records.QueryAsync(page, cancellationToken).ConfigureAwait(false);
            foreach (var record in result.Records)
            {
                yield return record;
            }

            if (result.ContinuationToken is null || result.Records.Count == 0)
            {
                yield break;
            }

            page = page.After(result.ContinuationToken);
        }
    }

    /// <summary>Reads every record that matches the query into a list (see <see cref="QueryAllAsync"/>).</summary>
    /// <param name="records">The record API (of the caller whose access applies).</param>
    /// <param name="query">The query.</param>
    /// <param name="cancellationToken">Cancels the reading.</param>
    /// <returns>The records, in the query's order.</returns>
    public static async Task<IReadOnlyList<CrmRecord>> ReadAllAsync(this IRecordService records, RecordQuery query, CancellationToken cancellationToken = default)
    {
        var all = new List<CrmRecord>();
        await foreach (var record in records.QueryAllAsync(query, cancellationToken).ConfigureAwait(false))
        {
            all.Add(record);
        }

        return all;
    }
}
