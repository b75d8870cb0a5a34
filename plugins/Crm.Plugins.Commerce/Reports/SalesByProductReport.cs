using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Reports;

namespace Crm.Plugins.Commerce.Reports;

/// <summary>
/// <c>commerce.salesByProduct</c>: quantity and amount sold per product (name and SKU as ordered), over the lines of
/// the orders dated in a period; cancelled orders are left out. Highest amount first.
/// </summary>
internal sealed class SalesByProductReport : IReport
{
    public const string Name = "commerce.salesByProduct";

    /// <summary>Orders per line query (the ids go into one IN filter).</summary>
    private const int Chunk = 500;

    public ReportDefinition Definition { get; } = new()
    {
        Name = Name,
        Title = "Sales by product",
        Description = "Quantity and amount sold per product over the lines of orders dated from/to (both included), cancelled orders left out. Only records the caller may read are counted.",
        Parameters = [ReportPeriod.From, ReportPeriod.To],
    };

    public async Task<ReportResult> RunAsync(ReportContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var records = context.Tenant.Records;
        var query = new RecordQuery
        {
            EntityType = CommerceEntities.Order,
            Filters = [.. ReportPeriod.Filters(context, Name), new QueryFilter(OrderFields.Status, FilterOperator.NotEqual, OrderStatus.Cancelled)],
            PageSize = RecordQuery.MaxPageSize,
        };
        var orderIds = (await records.ReadAllAsync(query, cancellationToken).ConfigureAwait(false)).Select(r => r.Id).ToList();

        var totals = new Dictionary<(string? Name, string? Sku), (decimal Quantity, decimal Amount, long Lines)>();
        foreach (var chunk in orderIds.Chunk(Chunk))
        {
            var rows = await records.AggregateAsync(
                new AggregateQuery
                {
                    EntityType = CommerceEntities.OrderLine,
                    Filters = [new QueryFilter(OrderLineFields.OrderId, FilterOperator.In, chunk)],
                    GroupBy = [OrderLineFields.ProductName, OrderLineFields.Sku],
                    Aggregates =
                    [
                        new AggregateSpec(AggregateFunction.Sum, OrderLineFields.Quantity, "quantity"),
                        new AggregateSpec(AggregateFunction.Sum, OrderLineFields.Amount, "amount"),
                        new AggregateSpec(AggregateFunction.Count, null, "lines"),
                    ],
                },
                cancellationToken).ConfigureAwait(false);
            foreach (var row in rows)
            {
                var key = (row.Keys[OrderLineFields.ProductName] as string, row.Keys[OrderLineFields.Sku] as string);
                var sum = totals.GetValueOrDefault(key);
                totals[key] = (sum.Quantity + (row.Values["quantity"] as decimal? ?? 0m), sum.Amount + (row.Values["amount"] as decimal? ?? 0m), sum.Lines + (row.Values["lines"] as long? ?? 0L));
            }
        }

        var table = totals
            .OrderByDescending(p => p.Value.Amount).ThenBy(p => p.Key.Name, StringComparer.Ordinal).ThenBy(p => p.Key.Sku, StringComparer.Ordinal)
            .Select(p => (IReadOnlyList<object?>)[p.Key.Name, p.Key.Sku, p.Value.Quantity, p.Value.Amount, p.Value.Lines])
            .ToList();
        return new ReportResult
        {
            Report = Name,
            Title = Definition.Title,
            Columns =
            [
                new ReportColumn("productName", "Product"),
                new ReportColumn("sku", "SKU"),
                new ReportColumn("quantity", "Quantity", FieldType.Number),
                new ReportColumn("amount", "Amount", FieldType.Money),
                new ReportColumn("lines", "Order lines", FieldType.Number),
            ],
            Rows = table,
            Summary = [new("Orders", (long)orderIds.Count), new("Amount", totals.Values.Sum(v => v.Amount))],
            GeneratedAt = context.Now,
            Parameters = context.Parameters,
        };
    }
}
