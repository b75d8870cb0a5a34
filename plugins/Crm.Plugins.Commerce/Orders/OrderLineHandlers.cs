using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Pipeline;
using Crm.Engine.Abstractions.Records;

namespace Crm.Plugins.Commerce.Orders;

/// <summary>
/// Fills an order line's derived values before it is written: the order's customer; name, SKU and warranty from the
/// product; the unit price from the price list or product; the amount; the warranty end; the next line number.
/// </summary>
internal sealed class OrderLineValuesHandler(TimeProvider clock) : IPipelineHandler
{
    public async Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
    {
        var target = context.Target;
        var before = context.PreImage;
        var isCreate = before is null;
        bool Given(string field) => target.ContainsKey(field);
        object? Now(string field) => target.TryGetValue(field, out var value) ? value : before?[field];

        CrmRecord? order = null;
        var orderId = Now(OrderLineFields.OrderId) as Guid?;
        if (orderId is { } oid && (isCreate || Given(OrderLineFields.OrderId) || Given(OrderLineFields.AccountId)))
        {
            order = await LoadOrderAsync(context, oid, cancellationToken).ConfigureAwait(false);
            // The line's customer is always the order's: a caller cannot set another one.
            target[OrderLineFields.AccountId] = order.Get<Guid?>(OrderFields.AccountId);
        }

        var productChanged = Given(OrderLineFields.ProductId) && (isCreate || !Equals(before![OrderLineFields.ProductId], target[OrderLineFields.ProductId]));
        CrmRecord? product = null;
        if (productChanged && target[OrderLineFields.ProductId] is Guid productId)
        {
            product = await context.Records.GetAsync(CommerceEntities.Product, productId, cancellationToken).ConfigureAwait(false);
            if (product is not null)
            {
                Fill(target, OrderLineFields.ProductName, product[ProductFields.Name]);
                Fill(target, OrderLineFields.Sku, product[ProductFields.Sku]);
                Fill(target, OrderLineFields.WarrantyMonths, product[ProductFields.WarrantyMonths]);
            }
        }

        if (target.ValueOf(OrderLineFields.UnitPrice) is null && (isCreate || (productChanged && !Given(OrderLineFields.UnitPrice))) && Now(OrderLineFields.ProductId) is Guid priced)
        {
            order ??= orderId is { } id ? await LoadOrderAsync(context, id, cancellationToken).ConfigureAwait(false) : null;
            var day = DateOnly.FromDateTime((order?.Get<DateTimeOffset?>(OrderFields.OrderDate) ?? clock.GetUtcNow()).UtcDateTime);
            var quantity = Now(OrderLineFields.Quantity) as decimal? ?? 1m;
            var price = await PriceResolver.FromPriceListAsync(context.Records, order, priced, quantity, day, cancellationToken).ConfigureAwait(false);
            product ??= await context.Records.GetAsync(CommerceEntities.Product, priced, cancellationToken).ConfigureAwait(false);
            price ??= product?.Get<decimal?>(ProductFields.UnitPrice);
            if (price is not null)
            {
                target[OrderLineFields.UnitPrice] = price;
            }
        }

        if (target.ValueOf(OrderLineFields.Amount) is null
            && (isCreate || Given(OrderLineFields.Quantity) || Given(OrderLineFields.UnitPrice) || Given(OrderLineFields.Amount))
            && Now(OrderLineFields.Quantity) is decimal q && Now(OrderLineFields.UnitPrice) is decimal p)
        {
            target[OrderLineFields.Amount] = Math.Round(q * p, 2, MidpointRounding.AwayFromZero);
        }

        if (isCreate || Given(OrderLineFields.ShipDate) || Given(OrderLineFields.WarrantyMonths))
        {
            if (Now(OrderLineFields.ShipDate) is DateOnly shipped && Now(OrderLineFields.WarrantyMonths) is decimal months)
            {
                target[OrderLineFields.WarrantyUntil] = shipped.AddMonths((int)months);
            }
            else if (!isCreate)
            {
                // Either was cleared: the warranty end is unknown.
                target[OrderLineFields.WarrantyUntil] = null;
            }
        }

        if ((isCreate || Given(OrderLineFields.LineNumber) || Given(OrderLineFields.OrderId)) && Now(OrderLineFields.LineNumber) is decimal number && orderId is { } inOrder)
        {
            var same = await context.Records.QueryAsync(
                RecordQuery.For(CommerceEntities.OrderLine).Where(OrderLineFields.OrderId, inOrder).Where(OrderLineFields.LineNumber, number)
                    .Where("id", FilterOperator.NotEqual, context.RecordId).Take(1),
                cancellationToken).ConfigureAwait(false);
            if (same.Records.Count > 0)
            {
                throw new CrmValidationException(new CrmValidationError(CommerceEntities.OrderLine, OrderLineFields.LineNumber, number, "duplicate",
                    $"the order already has a line {number} ({same.Records[0].Id}); give another line number or leave it empty for the next free one."));
            }
        }

        if (isCreate && target.ValueOf(OrderLineFields.LineNumber) is null && orderId is { } numbered)
        {
            var last = await context.Records.QueryAsync(
                RecordQuery.For(CommerceEntities.OrderLine).Where(OrderLineFields.OrderId, numbered).OrderByDescending(OrderLineFields.LineNumber).Take(1),
                cancellationToken).ConfigureAwait(false);
            target[OrderLineFields.LineNumber] = ((last.Records.Count > 0 ? last.Records[0].Get<decimal?>(OrderLineFields.LineNumber) : null) ?? 0m) + 1m;
        }
    }

    private static void Fill(IDictionary<string, object?> target, string field, object? value)
    {
        if (target.ValueOf(field) is null && value is not null)
        {
            target[field] = value;
        }
    }

    private static async Task<CrmRecord> LoadOrderAsync(IPipelineContext context, Guid orderId, CancellationToken cancellationToken) =>
        await context.Records.GetAsync(CommerceEntities.Order, orderId, cancellationToken).ConfigureAwait(false)
        ?? throw new CrmValidationException(new CrmValidationError(CommerceEntities.OrderLine, OrderLineFields.OrderId, orderId, "not_found",
            $"no order {orderId} exists that you may read; an order line needs its order."));
}

/// <summary>Keeps an order's total (the sum of its lines' amounts) up to date, in the line's transaction.</summary>
internal sealed class OrderTotalHandler : IPipelineHandler
{
    public async Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
    {
        if (context.PreImage is not null && context.PostImage is not null
            && !context.Target.ContainsKey(OrderLineFields.Amount) && !context.Target.ContainsKey(OrderLineFields.OrderId))
        {
            return;
        }

        var orders = new[] { context.PreImage?.Get<Guid?>(OrderLineFields.OrderId), context.PostImage?.Get<Guid?>(OrderLineFields.OrderId) }
            .OfType<Guid>()
            .Distinct();
        foreach (var orderId in orders)
        {
            await UpdateTotalAsync(context.Records, orderId, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task UpdateTotalAsync(IRecordService records, Guid orderId, CancellationToken cancellationToken)
    {
        var rows = await records.AggregateAsync(
            new AggregateQuery
            {
                EntityType = CommerceEntities.OrderLine,
                Filters = [new QueryFilter(OrderLineFields.OrderId, FilterOperator.Equal, orderId)],
                Aggregates = [new AggregateSpec(AggregateFunction.Sum, OrderLineFields.Amount, "total")],
            },
            cancellationToken).ConfigureAwait(false);
        var total = rows.Count == 0 ? 0m : rows[0].Values["total"] as decimal? ?? 0m;
        var order = await records.GetAsync(CommerceEntities.Order, orderId, cancellationToken).ConfigureAwait(false);
        if (order is not null && order.Get<decimal?>(OrderFields.TotalAmount) != total)
        {
            await records.UpdateAsync(CommerceEntities.Order, orderId, null, new Dictionary<string, object?> { [OrderFields.TotalAmount] = total }, cancellationToken).ConfigureAwait(false);
        }
    }
}
