using System.Globalization;
using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Reports;
using Crm.Engine.Abstractions.Tenancy;

namespace Crm.Plugins.Sales;

/// <summary>What the sales reports share: reading every record the caller may see, owner names, results.</summary>
public abstract class SalesReport : IReport
{
    /// <inheritdoc />
    public abstract ReportDefinition Definition { get; }

    /// <inheritdoc />
    public Task<ReportResult> RunAsync(ReportContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        return RunCoreAsync(context, cancellationToken);
    }

    /// <summary>Runs the report.</summary>
    /// <param name="context">The caller's tenant, the parameters and the time.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>The result.</returns>
    protected abstract Task<ReportResult> RunCoreAsync(ReportContext context, CancellationToken cancellationToken);

    /// <summary>Makes the result.</summary>
    /// <param name="context">The run's context.</param>
    /// <param name="columns">The columns.</param>
    /// <param name="rows">The rows.</param>
    /// <param name="summary">Summary lines.</param>
    /// <returns>The result.</returns>
    protected ReportResult Result(ReportContext context, IReadOnlyList<ReportColumn> columns, IReadOnlyList<IReadOnlyList<object?>> rows, params IReadOnlyList<KeyValuePair<string, object?>> summary)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new ReportResult
        {
            Report = Definition.Name,
            Title = Definition.Title,
            Columns = columns,
            Rows = rows,
            Summary = summary,
            GeneratedAt = context.Now,
            Parameters = context.Parameters,
        };
    }

    /// <summary>Every record of a query the caller may read.</summary>
    /// <param name="tenant">The caller's tenant.</param>
    /// <param name="query">The query.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The records.</returns>
    protected static async Task<IReadOnlyList<CrmRecord>> ReadAllAsync(ICrmTenant tenant, RecordQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        return await tenant.Records.ReadAllAsync(query, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A user's display name (their id when unknown; "(no owner)" without one).</summary>
    /// <param name="tenant">The caller's tenant.</param>
    /// <param name="userId">The user.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The name.</returns>
    protected static async Task<string> OwnerNameAsync(ICrmTenant tenant, Guid? userId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        if (userId is not { } id)
        {
            return "(no owner)";
        }

        var user = await tenant.Organization.GetUserAsync(id, cancellationToken).ConfigureAwait(false);
        return user?.DisplayName ?? id.ToString();
    }

    /// <summary>Adds the optional <c>from</c>/<c>to</c> dates (inclusive, UTC days) as filters on an instant field.</summary>
    /// <param name="query">The query.</param>
    /// <param name="field">The instant field.</param>
    /// <param name="context">The run's context.</param>
    /// <param name="required">Whether both dates must be given.</param>
    /// <returns>The query with the filters.</returns>
    protected static RecordQuery Between(RecordQuery query, string field, ReportContext context, bool required = false)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(context);
        var from = context.Parameters.TryGetValue("from", out var f) ? f as DateOnly? : null;
        var to = context.Parameters.TryGetValue("to", out var t) ? t as DateOnly? : null;
        if (required && (from is null || to is null))
        {
            throw new CrmValidationException(new CrmValidationError(SalesEntities.Opportunity, from is null ? "from" : "to", null, "required", "the report needs the parameters from and to (dates)."));
        }

        if (from is { } start && to is { } end && end < start)
        {
            throw new CrmValidationException(new CrmValidationError(SalesEntities.Opportunity, "to", end, "range", $"to ({end:yyyy-MM-dd}) is before from ({start:yyyy-MM-dd})."));
        }

        if (from is { } a)
        {
            query = query.Where(field, FilterOperator.GreaterOrEqual, new DateTimeOffset(a.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));
        }

        if (to is { } b)
        {
            query = query.Where(field, FilterOperator.LessThan, new DateTimeOffset(b.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));
        }

        return query;
    }

    /// <summary>A percentage rounded to 0.1, or <see langword="null"/> when the whole is 0.</summary>
    /// <param name="part">The part.</param>
    /// <param name="whole">The whole.</param>
    /// <returns>The percentage.</returns>
    protected static decimal? Percent(decimal part, decimal whole) => whole == 0 ? null : Math.Round(part * 100m / whole, 1, MidpointRounding.AwayFromZero);

    /// <summary>The optional date parameters <c>from</c> and <c>to</c>.</summary>
    /// <param name="what">What the dates bound.</param>
    /// <returns>The parameters.</returns>
    /// <param name="required">Whether both are required.</param>
    protected static IReadOnlyList<ReportParameter> DateRange(string what, bool required = false) =>
    [
        new("from", FieldType.Date, required, $"First day (UTC) of {what}, inclusive."),
        new("to", FieldType.Date, required, $"Last day (UTC) of {what}, inclusive."),
    ];
}

/// <summary><c>sales.leadsBySource</c>: leads per source with how many were converted.</summary>
public sealed class LeadsBySourceReport : SalesReport
{
    /// <inheritdoc />
    public override ReportDefinition Definition { get; } = new()
    {
        Name = "sales.leadsBySource",
        Title = "Leads by source",
        Description = "Leads created in the period per source: how many, how many converted, the conversion rate.",
        Parameters = DateRange("the leads' creation"),
    };

    /// <inheritdoc />
    protected override async Task<ReportResult> RunCoreAsync(ReportContext context, CancellationToken cancellationToken)
    {
        var leads = await ReadAllAsync(context.Tenant, Between(RecordQuery.For(SalesEntities.Lead), "createdAt", context), cancellationToken).ConfigureAwait(false);
        var rows = leads.GroupBy(l => l.Text(LeadFields.Source) ?? "(none)", StringComparer.OrdinalIgnoreCase)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                long converted = g.Count(l => l.Text(LeadFields.Status) == LeadStatus.Converted);
                return (IReadOnlyList<object?>)[g.Key, (long)g.Count(), converted, Percent(converted, g.Count())];
            })
            .ToList();
        return Result(
            context,
            [new("source", "Source"), new("leads", "Leads", FieldType.Number), new("converted", "Converted", FieldType.Number), new("conversionRate", "Conversion rate (%)", FieldType.Number)],
            rows,
            KeyValuePair.Create<string, object?>("Leads", (long)leads.Count));
    }
}

/// <summary><c>sales.leadLifecycle</c>: leads per status and the average days from creation to conversion.</summary>
public sealed class LeadLifecycleReport : SalesReport
{
    /// <inheritdoc />
    public override ReportDefinition Definition { get; } = new()
    {
        Name = "sales.leadLifecycle",
        Title = "Lead lifecycle",
        Description = "Leads created in the period per status, with the average days from creation to conversion.",
        Parameters = DateRange("the leads' creation"),
    };

    /// <inheritdoc />
    protected override async Task<ReportResult> RunCoreAsync(ReportContext context, CancellationToken cancellationToken)
    {
        var leads = await ReadAllAsync(context.Tenant, Between(RecordQuery.For(SalesEntities.Lead), "createdAt", context), cancellationToken).ConfigureAwait(false);
        string[] statuses = [LeadStatus.New, LeadStatus.Working, LeadStatus.Qualified, LeadStatus.Converted, LeadStatus.Disqualified];
        var rows = statuses.Select(s => (IReadOnlyList<object?>)[s, (long)leads.Count(l => l.Text(LeadFields.Status) == s)]).ToList();
        var days = leads
            .Where(l => l[LeadFields.ConvertedAt] is DateTimeOffset)
            .Select(l => (decimal)((DateTimeOffset)l[LeadFields.ConvertedAt]! - l.Stamps.CreatedAt).TotalDays)
            .ToList();
        decimal? average = days.Count == 0 ? null : Math.Round(days.Average(), 1, MidpointRounding.AwayFromZero);
        long converted = leads.Count(l => l.Text(LeadFields.Status) == LeadStatus.Converted);
        return Result(
            context,
            [new("status", "Status"), new("leads", "Leads", FieldType.Number)],
            rows,
            new("Leads", (long)leads.Count),
            new("Converted", converted),
            new("Conversion rate (%)", Percent(converted, leads.Count)),
            new("Average days to convert", average));
    }
}

/// <summary><c>sales.pipeline</c>: open opportunities by stage.</summary>
public sealed class PipelineReport(ISales sales) : SalesReport
{
    /// <inheritdoc />
    public override ReportDefinition Definition { get; } = new()
    {
        Name = "sales.pipeline",
        Title = "Opportunity pipeline",
        Description = "Open opportunities per stage, in stage order: count, amount and amount weighted by probability.",
    };

    /// <inheritdoc />
    protected override async Task<ReportResult> RunCoreAsync(ReportContext context, CancellationToken cancellationToken)
    {
        var pipeline = await sales.For(context.Tenant).PipelineAsync(cancellationToken).ConfigureAwait(false);
        return Result(
            context,
            [new("stage", "Stage"), new("count", "Opportunities", FieldType.Number), new("amount", "Amount", FieldType.Money), new("weightedAmount", "Weighted amount", FieldType.Money)],
            [.. pipeline.Select(r => (IReadOnlyList<object?>)[r.Stage, r.Count, r.Amount, r.WeightedAmount])],
            new("Opportunities", pipeline.Sum(r => r.Count)),
            new("Amount", pipeline.Sum(r => r.Amount)),
            new("Weighted amount", pipeline.Sum(r => r.WeightedAmount)));
    }
}

/// <summary><c>sales.stalledOpportunities</c>: open opportunities with no stage change and no activity for N days.</summary>
public sealed class StalledOpportunitiesReport : SalesReport
{
    /// <inheritdoc />
    public override ReportDefinition Definition { get; } = new()
    {
        Name = "sales.stalledOpportunities",
        Title = "Stalled opportunities",
        Description = "Open opportunities whose stage has not changed and that have had no activity for at least the given number of days.",
        Parameters = [new("days", FieldType.Number, true, "Days without a stage change or activity (at least 1).")],
    };

    /// <inheritdoc />
    protected override async Task<ReportResult> RunCoreAsync(ReportContext context, CancellationToken cancellationToken)
    {
        var days = context.Get<decimal?>("days");
        if (days is not > 0)
        {
            throw new CrmValidationException(new CrmValidationError(SalesEntities.Opportunity, "days", days, "range", "the parameter days is required and must be at least 1."));
        }

        var cutoff = context.Now - TimeSpan.FromDays((double)days.Value);
        var open = await ReadAllAsync(context.Tenant, RecordQuery.For(SalesEntities.Opportunity).Where(OpportunityFields.Status, OpportunityStatus.Open), cancellationToken).ConfigureAwait(false);
        var rows = new List<IReadOnlyList<object?>>();
        foreach (var opportunity in open)
        {
            var stageChanged = opportunity[OpportunityFields.StageChangedAt] as DateTimeOffset? ?? opportunity.Stamps.CreatedAt;
            if (stageChanged > cutoff)
            {
                continue;
            }

            var activities = await context.Tenant.Records.QueryAsync(
                RecordQuery.For(CoreEntities.Activity).Where(ActivityFields.Regarding, new RecordRef(SalesEntities.Opportunity, opportunity.Id)).OrderByDescending("createdAt").Take(1),
                cancellationToken).ConfigureAwait(false);
            var lastActivity = activities.Records.Count > 0 ? activities.Records[0].Stamps.CreatedAt : (DateTimeOffset?)null;
            if (lastActivity > cutoff)
            {
                continue;
            }

            var quiet = lastActivity is { } la && la > stageChanged ? la : stageChanged;
            rows.Add([
                opportunity.Text(OpportunityFields.Name),
                opportunity.Id.ToString(),
                await OwnerNameAsync(context.Tenant, opportunity.OwnerId, cancellationToken).ConfigureAwait(false),
                opportunity.Text(OpportunityFields.Stage),
                opportunity.Number(OpportunityFields.Amount),
                stageChanged,
                lastActivity,
                (long)Math.Floor((context.Now - quiet).TotalDays),
            ]);
        }

        return Result(
            context,
            [
                new("opportunity", "Opportunity"), new("id", "Id"), new("owner", "Owner"), new("stage", "Stage"), new("amount", "Amount", FieldType.Money),
                new("stageChangedAt", "Stage changed", FieldType.DateTime), new("lastActivityAt", "Last activity", FieldType.DateTime), new("daysStalled", "Days stalled", FieldType.Number),
            ],
            [.. rows.OrderByDescending(r => (long)r[7]!)],
            KeyValuePair.Create<string, object?>("Stalled opportunities", (long)rows.Count));
    }
}

/// <summary><c>sales.closedOpportunities</c>: opportunities won or lost in a period.</summary>
public sealed class ClosedOpportunitiesReport : SalesReport
{
    /// <inheritdoc />
    public override ReportDefinition Definition { get; } = new()
    {
        Name = "sales.closedOpportunities",
        Title = "Closed opportunities",
        Description = "Opportunities won or lost in the period, with amount and reason.",
        Parameters = DateRange("the closing", required: true),
    };

    /// <inheritdoc />
    protected override async Task<ReportResult> RunCoreAsync(ReportContext context, CancellationToken cancellationToken)
    {
        var closed = await ReadAllAsync(
            context.Tenant,
            Between(RecordQuery.For(SalesEntities.Opportunity).Where(OpportunityFields.Status, FilterOperator.In, new[] { OpportunityStatus.Won, OpportunityStatus.Lost }), OpportunityFields.ClosedAt, context, required: true)
                .OrderBy(OpportunityFields.ClosedAt),
            cancellationToken).ConfigureAwait(false);
        var rows = new List<IReadOnlyList<object?>>();
        foreach (var o in closed)
        {
            rows.Add([
                o.Text(OpportunityFields.Name), o.Text(OpportunityFields.Status), await OwnerNameAsync(context.Tenant, o.OwnerId, cancellationToken).ConfigureAwait(false),
                o.Number(OpportunityFields.Amount), o.Text(OpportunityFields.CloseReason), o[OpportunityFields.ClosedAt],
            ]);
        }

        var won = closed.Where(o => o.Text(OpportunityFields.Status) == OpportunityStatus.Won).ToList();
        var lost = closed.Where(o => o.Text(OpportunityFields.Status) == OpportunityStatus.Lost).ToList();
        return Result(
            context,
            [new("opportunity", "Opportunity"), new("status", "Status"), new("owner", "Owner"), new("amount", "Amount", FieldType.Money), new("reason", "Reason"), new("closedAt", "Closed", FieldType.DateTime)],
            rows,
            new("Won", (long)won.Count),
            new("Won amount", won.Sum(SalesTenant.Amount)),
            new("Lost", (long)lost.Count),
            new("Lost amount", lost.Sum(SalesTenant.Amount)),
            new("Win rate (%)", Percent(won.Count, closed.Count)));
    }
}

/// <summary><c>sales.forecast</c>: a quarter's forecast per owner with quota and attainment.</summary>
public sealed class ForecastReport(ISales sales) : SalesReport
{
    /// <inheritdoc />
    public override ReportDefinition Definition { get; } = new()
    {
        Name = "sales.forecast",
        Title = "Quarterly forecast",
        Description = "Opportunities closing in the quarter per owner: amounts per forecast category, weighted amount, quota and attainment (closed / quota).",
        Parameters = [new("year", FieldType.Number, true, "The year, e.g. 2026."), new("quarter", FieldType.Number, true, "The quarter, 1 to 4.")],
    };

    /// <inheritdoc />
    protected override async Task<ReportResult> RunCoreAsync(ReportContext context, CancellationToken cancellationToken)
    {
        var year = context.Get<decimal?>("year");
        var quarter = context.Get<decimal?>("quarter");
        if (year is null || quarter is null)
        {
            throw new CrmValidationException(new CrmValidationError(SalesEntities.Opportunity, year is null ? "year" : "quarter", null, "required", "the report needs the parameters year and quarter."));
        }

        var forecast = await sales.For(context.Tenant).ForecastAsync((int)year.Value, (int)quarter.Value, cancellationToken).ConfigureAwait(false);
        static IReadOnlyList<object?> Row(string name, ForecastAmounts a, decimal? quota, decimal? attainment) =>
            [name, a.Pipeline, a.BestCase, a.Commit, a.Closed, a.Omitted, a.Weighted, quota, attainment];
        return Result(
            context,
            [
                new("owner", "Owner"), new("pipeline", "Pipeline", FieldType.Money), new("bestCase", "Best case", FieldType.Money), new("commit", "Commit", FieldType.Money),
                new("closed", "Closed", FieldType.Money), new("omitted", "Omitted", FieldType.Money), new("weighted", "Weighted", FieldType.Money),
                new("quota", "Quota", FieldType.Money), new("attainment", "Attainment (%)", FieldType.Number),
            ],
            [.. forecast.ByOwner.Select(l => Row(l.Name, l.Amounts, l.Quota, l.Attainment)), .. forecast.ByTerritory.Select(l => Row("territory: " + l.Name, l.Amounts, l.Quota, l.Attainment))],
            new("Quarter", string.Create(CultureInfo.InvariantCulture, $"{forecast.Year}-Q{forecast.Quarter}")),
            new("Commit", forecast.Total.Commit),
            new("Best case", forecast.Total.BestCase),
            new("Closed", forecast.Total.Closed),
            new("Weighted", forecast.Total.Weighted));
    }
}

/// <summary><c>sales.winRate</c>: won against lost, by owner and by product.</summary>
public sealed class WinRateReport : SalesReport
{
    /// <inheritdoc />
    public override ReportDefinition Definition { get; } = new()
    {
        Name = "sales.winRate",
        Title = "Win rate",
        Description = "Opportunities closed in the period, won against lost, per owner and (for opportunities with lines) per product.",
        Parameters = DateRange("the closing"),
    };

    /// <inheritdoc />
    protected override async Task<ReportResult> RunCoreAsync(ReportContext context, CancellationToken cancellationToken)
    {
        var closed = await ReadAllAsync(
            context.Tenant,
            Between(RecordQuery.For(SalesEntities.Opportunity).Where(OpportunityFields.Status, FilterOperator.In, new[] { OpportunityStatus.Won, OpportunityStatus.Lost }), OpportunityFields.ClosedAt, context),
            cancellationToken).ConfigureAwait(false);
        var rows = new List<IReadOnlyList<object?>>();
        static bool Won(CrmRecord o) => o.Text(OpportunityFields.Status) == OpportunityStatus.Won;
        foreach (var group in closed.GroupBy(o => o.OwnerId).OrderBy(g => g.Key))
        {
            long won = group.Count(Won);
            long lost = group.LongCount() - won;
            rows.Add(["owner", await OwnerNameAsync(context.Tenant, group.Key, cancellationToken).ConfigureAwait(false), won, lost, Percent(won, won + lost), group.Where(Won).Sum(SalesTenant.Amount)]);
        }

        var outcome = closed.ToDictionary(o => o.Id, Won);
        var lines = new List<CrmRecord>();
        foreach (var chunk in outcome.Keys.Chunk(500))
        {
            lines.AddRange(await ReadAllAsync(context.Tenant, RecordQuery.For(SalesEntities.OpportunityLine).Where(OpportunityLineFields.OpportunityId, FilterOperator.In, chunk), cancellationToken).ConfigureAwait(false));
        }

        foreach (var product in lines.GroupBy(l => l.Text(OpportunityLineFields.ProductName) ?? "(none)", StringComparer.OrdinalIgnoreCase).OrderBy(g => g.Key, StringComparer.OrdinalIgnoreCase))
        {
            var opportunities = product.Select(l => l.Id(OpportunityLineFields.OpportunityId)!.Value).Distinct().ToList();
            long won = opportunities.Count(id => outcome[id]);
            long lost = opportunities.Count - won;
            rows.Add(["product", product.Key, won, lost, Percent(won, won + lost), product.Where(l => outcome[l.Id(OpportunityLineFields.OpportunityId)!.Value]).Sum(l => l.Number(OpportunityLineFields.Amount) ?? 0m)]);
        }

        long totalWon = closed.Count(Won);
        return Result(
            context,
            [new("by", "By"), new("name", "Owner or product"), new("won", "Won", FieldType.Number), new("lost", "Lost", FieldType.Number), new("winRate", "Win rate (%)", FieldType.Number), new("wonAmount", "Won amount", FieldType.Money)],
            rows,
            new("Won", totalWon),
            new("Lost", closed.Count - totalWon),
            new("Win rate (%)", Percent(totalWon, closed.Count)));
    }
}
