using Crm.Engine.Abstractions.Records;

namespace Crm.Plugins.Service;

/// <summary>Reads every page of a query.</summary>
internal static class RecordPaging
{
    public static async Task<List<CrmRecord>> AllAsync(IRecordService records, RecordQuery query, CancellationToken cancellationToken)
    {
        var all = new List<CrmRecord>();
        string? token = null;
        do
        {
            var page = await records.QueryAsync(query.Take(500).After(token), cancellationToken).ConfigureAwait(false);
            all.AddRange(page.Records);
            token = page.ContinuationToken;
        }
        while (token is not null);
        return all;
    }
}
