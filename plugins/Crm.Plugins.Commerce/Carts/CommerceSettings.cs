using Crm.Engine.Abstractions.Records;

namespace Crm.Plugins.Commerce.Carts;

/// <summary>Reads the tenant's commerce settings record.</summary>
internal static class CommerceSettings
{
    public const int DefaultAbandonAfterHours = 24;

    public static async Task<CrmRecord?> GetAsync(IRecordService records, CancellationToken cancellationToken)
    {
        var page = await records.QueryAsync(RecordQuery.For(CommerceEntities.Settings).OrderBy("createdAt").Take(1), cancellationToken).ConfigureAwait(false);
        return page.Records.Count > 0 ? page.Records[0] : null;
    }

    public static async Task<TimeSpan> AbandonAfterAsync(IRecordService records, CancellationToken cancellationToken)
    {
        var settings = await GetAsync(records, cancellationToken).ConfigureAwait(false);
        return TimeSpan.FromHours((double)(settings?.Get<decimal?>(CommerceSettingsFields.CartAbandonAfterHours) ?? DefaultAbandonAfterHours));
    }
}
