using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Events;
using Crm.Engine.Abstractions.Records;

namespace Crm.Plugins.Marketing.Campaigns;

/// <summary>A campaign's figures over the records a caller may read.</summary>
internal static class CampaignFigures
{
    public static async Task<CampaignResults> ComputeAsync(IRecordService records, CrmRecord campaign, CancellationToken cancellationToken)
    {
        var (revenue, won) = await CampaignRevenue.ComputeAsync(records, campaign.Id, cancellationToken).ConfigureAwait(false);
        var members = await records.CountAsync(RecordQuery.For(MarketingEntities.CampaignMember).Where(CampaignMemberFields.CampaignId, campaign.Id), cancellationToken).ConfigureAwait(false);
        var responses = await records.ReadAllAsync(RecordQuery.For(MarketingEntities.CampaignResponse).Where(CampaignResponseFields.CampaignId, campaign.Id), cancellationToken).ConfigureAwait(false);
        var responding = responses.Select(r => r.Id(CampaignResponseFields.MemberId)).Where(m => m is not null).Distinct().LongCount();
        var cost = campaign.Decimal(CampaignFields.ActualCost);
        return new CampaignResults(
            campaign.Id,
            campaign.Text(CampaignFields.Name),
            campaign.Decimal(CampaignFields.Budget),
            cost,
            revenue,
            Roi(revenue, cost),
            members,
            responses.Count,
            responding,
            members == 0 ? null : Math.Round((decimal)responding / members, 4),
            won);
    }

    /// <summary>(revenue − cost) / cost, rounded to 4 places; <see langword="null"/> without a positive cost.</summary>
    public static decimal? Roi(decimal revenue, decimal? cost) => cost is > 0 ? Math.Round((revenue - cost.Value) / cost.Value, 4) : null;
}

/// <summary>
/// A campaign's actual revenue: the sum of the amounts of the won opportunities whose <c>campaignId</c> is the campaign
/// (won: see <see cref="SalesNames.IsWon"/>).
/// </summary>
internal static class CampaignRevenue
{
    public static async Task<(decimal Revenue, long Won)> ComputeAsync(IRecordService records, Guid campaignId, CancellationToken cancellationToken)
    {
        decimal revenue = 0;
        long won = 0;
        await foreach (var opportunity in records.QueryAllAsync(RecordQuery.For(MarketingEntities.Opportunity).Where(OpportunityMarketingFields.CampaignId, campaignId), cancellationToken).ConfigureAwait(false))
        {
            if (SalesNames.IsWon(opportunity))
            {
                won++;
                revenue += opportunity.Decimal(SalesNames.OpportunityAmount) ?? 0;
            }
        }

        return (revenue, won);
    }

    /// <summary>Computes the revenue over every opportunity and stores it on the campaign; <paramref name="module"/> is the module's system view.</summary>
    public static async Task<decimal> StoreAsync(ICrmTenant module, Guid campaignId, CancellationToken cancellationToken)
    {
        var campaign = await module.Records.GetAsync(MarketingEntities.Campaign, campaignId, cancellationToken).ConfigureAwait(false);
        if (campaign is null)
        {
            return 0;
        }

        var (revenue, _) = await ComputeAsync(module.Records, campaignId, cancellationToken).ConfigureAwait(false);
        if (campaign.Decimal(CampaignFields.ActualRevenue) != revenue)
        {
            await module.Records.UpdateAsync(MarketingEntities.Campaign, campaignId, null, new Dictionary<string, object?> { [CampaignFields.ActualRevenue] = revenue }, cancellationToken).ConfigureAwait(false);
        }

        return revenue;
    }
}

/// <summary>An attributed opportunity changed (internal): the campaigns' revenue is computed again after the commit.</summary>
/// <param name="TenantId">The tenant.</param>
/// <param name="OccurredAt">When.</param>
/// <param name="CampaignIds">The campaigns concerned.</param>
internal sealed record CampaignRevenueChanged(string TenantId, DateTimeOffset OccurredAt, IReadOnlyList<Guid> CampaignIds) : IDomainEvent;

/// <summary>Stores the revenue of the campaigns an opportunity change concerned, as the module (after the commit).</summary>
internal sealed class CampaignRevenueUpdater(ICrmEngine engine) : IDomainEventConsumer<CampaignRevenueChanged>
{
    public async Task HandleAsync(CampaignRevenueChanged domainEvent, CancellationToken cancellationToken)
    {
        var module = engine.AsModule(domainEvent.TenantId);
        foreach (var campaignId in domainEvent.CampaignIds)
        {
            await CampaignRevenue.StoreAsync(module, campaignId, cancellationToken).ConfigureAwait(false);
        }
    }
}
