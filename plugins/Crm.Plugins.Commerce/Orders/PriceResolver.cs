using Crm.Engine.Abstractions.Records;

namespace Crm.Plugins.Commerce.Orders;

/// <summary>
/// Finds a product's unit price for an order line: from the order's price list, else the tenant's default price list
/// valid on the order date; within the list, the item with the highest minimum quantity the line reaches.
/// </summary>
internal static class PriceResolver
{
    public static async Task<decimal?> FromPriceListAsync(IRecordService records, CrmRecord? order, Guid productId, decimal quantity, DateOnly day, CancellationToken cancellationToken)
    {
        var listId = order?.Get<Guid?>(OrderFields.PriceListId) ?? await DefaultListAsync(records, day, cancellationToken).ConfigureAwait(false);
        if (listId is null)
        {
            return null;
        }

        var items = await records.QueryAsync(
            RecordQuery.For(CommerceEntities.PriceListItem)
                .Where(PriceListItemFields.PriceListId, listId.Value)
                .Where(PriceListItemFields.ProductId, productId)
                .Take(RecordQuery.MaxPageSize),
            cancellationToken).ConfigureAwait(false);
        return items.Records
            .Where(i => (i.Get<decimal?>(PriceListItemFields.MinQuantity) ?? 0m) <= quantity)
            .OrderByDescending(i => i.Get<decimal?>(PriceListItemFields.MinQuantity) ?? 0m)
            .Select(i => i.Get<decimal?>(PriceListItemFields.UnitPrice))
            .FirstOrDefault();
    }

    private static async Task<Guid?> DefaultListAsync(IRecordService records, DateOnly day, CancellationToken cancellationToken)
    {
        var lists = await records.QueryAsync(
            RecordQuery.For(CommerceEntities.PriceList).Where(PriceListFields.IsDefault, true).Take(RecordQuery.MaxPageSize),
            cancellationToken).ConfigureAwait(false);
        // Of several valid default lists, the one that started last wins (a new season's list replaces the old one).
        return lists.Records
            .Where(l => (l.Get<DateOnly?>(PriceListFields.ValidFrom) ?? DateOnly.MinValue) <= day && (l.Get<DateOnly?>(PriceListFields.ValidTo) ?? DateOnly.MaxValue) >= day)
            .OrderByDescending(l => l.Get<DateOnly?>(PriceListFields.ValidFrom) ?? DateOnly.MinValue)
            .Select(l => (Guid?)l.Id)
            .FirstOrDefault();
    }
}
