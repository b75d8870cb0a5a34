using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Reports;

namespace Crm.Plugins.Commerce.Reports;

/// <summary>The <c>from</c>/<c>to</c> parameters of the commerce reports: order dates, both days included (UTC).</summary>
internal static class ReportPeriod
{
    public static readonly ReportParameter From = new("from", FieldType.Date, false, "First order date included (UTC); open when not given.");

    public static readonly ReportParameter To = new("to", FieldType.Date, false, "Last order date included (UTC); open when not given.");

    public static IReadOnlyList<QueryFilter> Filters(ReportContext context, string report)
    {
        var from = context.Get<DateOnly?>("from");
        var to = context.Get<DateOnly?>("to");
        if (from is { } f && to is { } t && t < f)
        {
            throw new CrmValidationException(new CrmValidationError(report, "to", t, "range", $"to ({t:yyyy-MM-dd}) is before from ({f:yyyy-MM-dd})."));
        }

        var filters = new List<QueryFilter>();
        if (from is { } start)
        {
            filters.Add(new QueryFilter(OrderFields.OrderDate, FilterOperator.GreaterOrEqual, new DateTimeOffset(start.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero)));
        }

        if (to is { } end)
        {
            filters.Add(new QueryFilter(OrderFields.OrderDate, FilterOperator.LessThan, new DateTimeOffset(end.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero)));
        }

        return filters;
    }
}
