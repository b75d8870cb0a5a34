using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Reports;

namespace Crm.Plugins.Commerce.Reports;

/// <summary><c>commerce.ordersByStatus</c>: the number and total amount of orders per status, for orders dated in a period.</summary>
internal sealed class OrdersByStatusReport : IReport
{
    public const string Name = "commerce.ordersByStatus";

    public ReportDefinition Definition { get; } = new()
    {
        Name = Name,
        Title = "Orders by status",
        Description = "Number and total amount of the orders per status, for orders dated from/to (both included). Only orders the caller may read are counted.",
        Parameters = [ReportPeriod.From, ReportPeriod.To],
    };

    public async Task<ReportResult> RunAsync(ReportContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var rows = await context.Tenant.Records.AggregateAsync(
            new AggregateQuery
            {
                EntityType = CommerceEntities.Order,
                Filters = ReportPeriod.Filters(context, Name),
                GroupBy = [OrderFields.Status],
                Aggregates = [new AggregateSpec(AggregateFunction.Count, null, "orders"), new AggregateSpec(AggregateFunction.Sum, OrderFields.TotalAmount, "totalAmount")],
            },
            cancellationToken).ConfigureAwait(false);
        var table = rows.Select(r => (IReadOnlyList<object?>)[r.Keys[OrderFields.Status], r.Values["orders"], r.Values["totalAmount"] as decimal? ?? 0m]).ToList();
        return new ReportResult
        {
            Report = Name,
            Title = Definition.Title,
            Columns =
            [
                new ReportColumn("status", "Status"),
                new ReportColumn("orders", "Orders", FieldType.Number),
                new ReportColumn("totalAmount", "Total amount", FieldType.Money),
            ],
            Rows = table,
            Summary =
            [
                new("Orders", table.Sum(r => (long)r[1]!)),
                new("Total amount", table.Sum(r => (decimal)r[2]!)),
            ],
            GeneratedAt = context.Now,
            Parameters = context.Parameters,
        };
    }
}
