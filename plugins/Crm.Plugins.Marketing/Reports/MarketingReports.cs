using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Reports;
using Crm.Plugins.Marketing.Campaigns;

namespace Crm.Plugins.Marketing.Reports;

/// <summary>
/// <c>marketing.campaignRoi</c>: per campaign the budget, actual cost, actual revenue (won attributed opportunities),
/// ROI, members, responses and response rate, over the records the caller may read.
/// </summary>
internal sealed class CampaignRoiReport : IReport
{
    public ReportDefinition Definition { get; } = new()
    {
        Name = "marketing.campaignRoi",
        Title = "Campaign ROI",
        Description = "Per campaign: budget, actual cost, actual revenue (sum of the won opportunities attributed to it), ROI = (revenue − cost) / cost, members, responses and response rate (members who responded / members).",
        Parameters =
        [
            new("status", FieldType.Text, false, "Only campaigns with this status (planned, active, completed, aborted)."),
            new("channel", FieldType.Text, false, "Only campaigns on this channel (email, sms, phone, event, web, social)."),
        ],
    };

    public async Task<ReportResult> RunAsync(ReportContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var query = RecordQuery.For(MarketingEntities.Campaign).OrderBy(CampaignFields.Name);
        if (context.Get<string>("status") is { } status)
        {
            query = query.Where(CampaignFields.Status, ReportSupport.Choice("status", status, CampaignStatus.Planned, CampaignStatus.Active, CampaignStatus.Completed, CampaignStatus.Aborted));
        }

        if (context.Get<string>("channel") is { } channel)
        {
            query = query.Where(CampaignFields.Channel, ReportSupport.Choice("channel", channel, CampaignChannel.Email, CampaignChannel.Sms, CampaignChannel.Phone, CampaignChannel.Event, CampaignChannel.Web, CampaignChannel.Social));
        }

        var rows = new List<IReadOnlyList<object?>>();
        decimal cost = 0, revenue = 0;
        await foreach (var campaign in context.Tenant.Records.QueryAllAsync(query, cancellationToken).ConfigureAwait(false))
        {
            var figures = await CampaignFigures.ComputeAsync(context.Tenant.Records, campaign, cancellationToken).ConfigureAwait(false);
            cost += figures.ActualCost ?? 0;
            revenue += figures.ActualRevenue;
            rows.Add([figures.Name, campaign.Text(CampaignFields.Channel), campaign.Text(CampaignFields.Status), figures.Budget, figures.ActualCost, figures.ActualRevenue,
                figures.Roi, figures.Members, figures.Responses, figures.ResponseRate]);
        }

        return new ReportResult
        {
            Report = Definition.Name,
            Title = Definition.Title,
            Columns =
            [
                new("campaign", "Campaign"), new("channel", "Channel"), new("status", "Status"), new("budget", "Budget", FieldType.Money),
                new("actualCost", "Actual cost", FieldType.Money), new("actualRevenue", "Actual revenue", FieldType.Money), new("roi", "ROI", FieldType.Number),
                new("members", "Members", FieldType.Number), new("responses", "Responses", FieldType.Number), new("responseRate", "Response rate", FieldType.Number),
            ],
            Rows = rows,
            Summary = [new("Total cost", cost), new("Total revenue", revenue), new("Overall ROI", CampaignFigures.Roi(revenue, cost))],
            GeneratedAt = context.Now,
            Parameters = context.Parameters,
        };
    }
}

/// <summary>
/// <c>marketing.funnelBySource</c>: leads by source (or campaign) → converted → opportunities → won, with conversion
/// rates, over the leads and opportunities the caller may read.
/// </summary>
internal sealed class FunnelBySourceReport : IReport
{
    public ReportDefinition Definition { get; } = new()
    {
        Name = "marketing.funnelBySource",
        Title = "Lead funnel by source",
        Description = "Leads per source or campaign, how many were converted, into how many opportunities, how many of those were won, and the rates between the steps.",
        Parameters = ReportSupport.GroupingParameters,
    };

    public async Task<ReportResult> RunAsync(ReportContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var funnel = await LeadFunnel.LoadAsync(context, cancellationToken).ConfigureAwait(false);
        var rows = new List<IReadOnlyList<object?>>();
        long leads = 0, converted = 0, opportunities = 0, won = 0;
        foreach (var group in funnel.Leads.GroupBy(funnel.GroupOf).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var l = group.LongCount();
            var c = group.LongCount(LeadFunnel.IsConverted);
            var o = group.LongCount(lead => funnel.OpportunityOf(lead) is not null);
            var w = group.LongCount(lead => funnel.OpportunityOf(lead) is { } opp && SalesNames.IsWon(opp));
            (leads, converted, opportunities, won) = (leads + l, converted + c, opportunities + o, won + w);
            rows.Add([group.Key, l, c, ReportSupport.Rate(c, l), o, w, ReportSupport.Rate(w, o), ReportSupport.Rate(w, l)]);
        }

        return new ReportResult
        {
            Report = Definition.Name,
            Title = Definition.Title,
            Columns =
            [
                new(funnel.GroupBy, funnel.GroupBy == ReportSupport.ByCampaign ? "Campaign" : "Source"), new("leads", "Leads", FieldType.Number),
                new("converted", "Converted", FieldType.Number), new("conversionRate", "Conversion rate", FieldType.Number),
                new("opportunities", "Opportunities", FieldType.Number), new("won", "Won", FieldType.Number),
                new("winRate", "Win rate", FieldType.Number), new("leadToWinRate", "Lead-to-win rate", FieldType.Number),
            ],
            Rows = rows,
            Summary =
            [
                new("Leads", leads), new("Converted", converted), new("Conversion rate", ReportSupport.Rate(converted, leads)),
                new("Opportunities", opportunities), new("Won", won), new("Win rate", ReportSupport.Rate(won, opportunities)),
            ],
            GeneratedAt = context.Now,
            Parameters = context.Parameters,
        };
    }
}

/// <summary>
/// <c>marketing.timeToWin</c>: the average (and shortest, longest) number of days from a lead's creation to the win of
/// the opportunity it was converted into, by source or campaign. The win date is the opportunity's close date, else
/// the time it was last changed.
/// </summary>
internal sealed class TimeToWinReport : IReport
{
    public ReportDefinition Definition { get; } = new()
    {
        Name = "marketing.timeToWin",
        Title = "Time to win",
        Description = "Days from lead creation to the won opportunity (its close date, else its last change), by source or campaign: average, shortest and longest.",
        Parameters = ReportSupport.GroupingParameters,
    };

    public async Task<ReportResult> RunAsync(ReportContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var funnel = await LeadFunnel.LoadAsync(context, cancellationToken).ConfigureAwait(false);
        var wins = funnel.Leads
            .Select(lead => (Lead: lead, Opportunity: funnel.OpportunityOf(lead)))
            .Where(x => x.Opportunity is not null && SalesNames.IsWon(x.Opportunity))
            .Select(x => (Group: funnel.GroupOf(x.Lead), Days: (decimal)(WonAt(x.Opportunity!) - x.Lead.Stamps.CreatedAt).TotalDays))
            .ToList();
        var rows = wins.GroupBy(w => w.Group).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (IReadOnlyList<object?>)[g.Key, g.LongCount(), Math.Round(g.Average(w => w.Days), 1), Math.Round(g.Min(w => w.Days), 1), Math.Round(g.Max(w => w.Days), 1)])
            .ToList();
        return new ReportResult
        {
            Report = Definition.Name,
            Title = Definition.Title,
            Columns =
            [
                new(funnel.GroupBy, funnel.GroupBy == ReportSupport.ByCampaign ? "Campaign" : "Source"), new("wonOpportunities", "Won opportunities", FieldType.Number),
                new("averageDays", "Average days", FieldType.Number), new("minDays", "Shortest (days)", FieldType.Number), new("maxDays", "Longest (days)", FieldType.Number),
            ],
            Rows = rows,
            Summary = [new("Won opportunities", (long)wins.Count), new("Average days", wins.Count == 0 ? null : Math.Round(wins.Average(w => w.Days), 1))],
            GeneratedAt = context.Now,
            Parameters = context.Parameters,
        };
    }

    private static DateTimeOffset WonAt(CrmRecord opportunity) =>
        opportunity[SalesNames.OpportunityCloseDate] is DateOnly close ? new DateTimeOffset(close.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : opportunity.Stamps.ModifiedAt;
}

/// <summary>Leads (with their opportunities and campaigns) as the funnel reports read them.</summary>
internal sealed class LeadFunnel
{
    private readonly Dictionary<Guid, CrmRecord> _opportunities;
    private readonly Dictionary<Guid, string> _campaignNames;

    private LeadFunnel(string groupBy, IReadOnlyList<CrmRecord> leads, Dictionary<Guid, CrmRecord> opportunities, Dictionary<Guid, string> campaignNames)
    {
        GroupBy = groupBy;
        Leads = leads;
        _opportunities = opportunities;
        _campaignNames = campaignNames;
    }

    public string GroupBy { get; }

    public IReadOnlyList<CrmRecord> Leads { get; }

    public static bool IsConverted(CrmRecord lead) =>
        lead.Text(SalesNames.LeadStatus) == SalesNames.LeadStatusConverted || lead.Id(SalesNames.LeadConvertedOpportunityId) is not null;

    public CrmRecord? OpportunityOf(CrmRecord lead) =>
        lead.Id(SalesNames.LeadConvertedOpportunityId) is { } id && _opportunities.TryGetValue(id, out var opportunity) ? opportunity : null;

    public string GroupOf(CrmRecord lead) => GroupBy == ReportSupport.ByCampaign
        ? lead.Id(LeadMarketingFields.CampaignId) is { } campaign ? _campaignNames.GetValueOrDefault(campaign, campaign.ToString()) : ReportSupport.None
        : lead.Text(SalesNames.LeadSource) ?? ReportSupport.None;

    public static async Task<LeadFunnel> LoadAsync(ReportContext context, CancellationToken cancellationToken)
    {
        var groupBy = ReportSupport.Choice("groupBy", context.Get<string>("groupBy") ?? ReportSupport.BySource, ReportSupport.BySource, ReportSupport.ByCampaign);
        var query = RecordQuery.For(MarketingEntities.Lead);
        if (context.Get<DateOnly?>("from") is { } from)
        {
            query = query.Where("createdAt", FilterOperator.GreaterOrEqual, new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));
        }

        if (context.Get<DateOnly?>("to") is { } to)
        {
            query = query.Where("createdAt", FilterOperator.LessThan, new DateTimeOffset(to.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));
        }

        var records = context.Tenant.Records;
        var leads = await records.ReadAllAsync(query, cancellationToken).ConfigureAwait(false);
        var opportunityIds = leads.Select(l => l.Id(SalesNames.LeadConvertedOpportunityId)).Where(id => id is not null).Select(id => (object?)id!.Value).Distinct().ToList();
        var opportunities = new Dictionary<Guid, CrmRecord>();
        foreach (var chunk in opportunityIds.Chunk(500))
        {
            foreach (var opportunity in await records.ReadAllAsync(RecordQuery.For(MarketingEntities.Opportunity).Where("id", FilterOperator.In, chunk.ToList()), cancellationToken).ConfigureAwait(false))
            {
                opportunities[opportunity.Id] = opportunity;
            }
        }

        var campaignNames = new Dictionary<Guid, string>();
        if (groupBy == ReportSupport.ByCampaign)
        {
            await foreach (var campaign in records.QueryAllAsync(RecordQuery.For(MarketingEntities.Campaign), cancellationToken).ConfigureAwait(false))
            {
                campaignNames[campaign.Id] = campaign.Text(CampaignFields.Name) ?? campaign.Id.ToString();
            }
        }

        return new LeadFunnel(groupBy, leads, opportunities, campaignNames);
    }
}

/// <summary>Shared parts of the reports.</summary>
internal static class ReportSupport
{
    public const string BySource = "source";
    public const string ByCampaign = "campaign";
    public const string None = "(none)";

    public static IReadOnlyList<ReportParameter> GroupingParameters { get; } =
    [
        new("groupBy", FieldType.Text, false, "source (the lead's source, default) or campaign (the lead's campaign)."),
        new("from", FieldType.Date, false, "Only leads created on or after this day (UTC)."),
        new("to", FieldType.Date, false, "Only leads created on or before this day (UTC)."),
    ];

    /// <summary>part / whole rounded to 4 places; <see langword="null"/> when the whole is 0.</summary>
    public static decimal? Rate(long part, long whole) => whole == 0 ? null : Math.Round((decimal)part / whole, 4);

    /// <summary>Checks a text parameter against its allowed values.</summary>
    public static string Choice(string parameter, string value, params string[] allowed) =>
        allowed.Contains(value, StringComparer.Ordinal)
            ? value
            : throw new CrmValidationException(new CrmValidationError("report", parameter, value, "parameter",
                $"parameter '{parameter}' is '{value}'; use one of {string.Join(", ", allowed)}."));
}
