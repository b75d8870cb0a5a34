using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Events;
using Crm.Engine.Abstractions.Pipeline;
using Crm.Engine.Abstractions.Records;

namespace Crm.Plugins.Marketing.Attribution;

/// <summary>A lead with a campaign was converted into an opportunity (internal; handled after the commit).</summary>
/// <param name="TenantId">The tenant.</param>
/// <param name="OccurredAt">When.</param>
/// <param name="LeadId">The lead.</param>
/// <param name="CampaignId">The lead's campaign.</param>
/// <param name="OpportunityId">The opportunity it was converted into.</param>
internal sealed record LeadConvertedFromCampaign(string TenantId, DateTimeOffset OccurredAt, Guid LeadId, Guid CampaignId, Guid OpportunityId) : IDomainEvent;

/// <summary>
/// Watches leads (created or changed) for a conversion: when a lead with a <c>campaignId</c> gets a
/// <c>convertedOpportunityId</c> (the sales module's conversion, an import, the API), the attribution is done after the
/// commit by <see cref="AttributionUpdater"/>. Relying only on the lead's fields keeps it independent of how the sales
/// module converts.
/// </summary>
internal sealed class LeadConversionHandler(TimeProvider clock) : IPipelineHandler
{
    public async Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var lead = context.PostImage;
        if (lead?.Id(SalesNames.LeadConvertedOpportunityId) is not { } opportunityId || lead.Id(LeadMarketingFields.CampaignId) is not { } campaignId)
        {
            return;
        }

        // The conversion itself attributes as the module. A campaign set later on an already converted lead does so
        // only when the caller may see that opportunity: a user's change must not credit their campaign with an
        // opportunity of someone else they cannot even read.
        var converting = context.Message == PipelineMessages.Create || context.Target.ContainsKey(SalesNames.LeadConvertedOpportunityId);
        var laterCampaign = !converting && context.Target.ContainsKey(LeadMarketingFields.CampaignId)
            && await context.Records.GetAsync(MarketingEntities.Opportunity, opportunityId, cancellationToken).ConfigureAwait(false) is not null;
        if (converting || laterCampaign)
        {
            context.QueueEvent(new LeadConvertedFromCampaign(context.Caller.TenantId, clock.GetUtcNow(), lead.Id, campaignId, opportunityId));
        }
    }
}

/// <summary>
/// Passes a converted lead's campaign on to its opportunity (unless the opportunity already names one) and marks the
/// lead's member of that campaign converted. Done as the module (system caller <see cref="MarketingPlugin.Id"/>, visible
/// in the audit trail), so a salesperson's conversion never fails for want of rights on marketing records.
/// </summary>
internal sealed class AttributionUpdater(ICrmEngine engine) : IDomainEventConsumer<LeadConvertedFromCampaign>
{
    public async Task HandleAsync(LeadConvertedFromCampaign domainEvent, CancellationToken cancellationToken)
    {
        var module = engine.AsModule(domainEvent.TenantId);
        var opportunity = await module.Records.GetAsync(MarketingEntities.Opportunity, domainEvent.OpportunityId, cancellationToken).ConfigureAwait(false);
        if (opportunity is not null && opportunity.Id(OpportunityMarketingFields.CampaignId) is null)
        {
            await module.Records.UpdateAsync(MarketingEntities.Opportunity, opportunity.Id, null,
                new Dictionary<string, object?> { [OpportunityMarketingFields.CampaignId] = domainEvent.CampaignId }, cancellationToken).ConfigureAwait(false);
        }

        var members = await module.Records.ReadAllAsync(RecordQuery.For(MarketingEntities.CampaignMember)
            .Where(CampaignMemberFields.CampaignId, domainEvent.CampaignId).Where(CampaignMemberFields.LeadId, domainEvent.LeadId), cancellationToken).ConfigureAwait(false);
        foreach (var member in members.Where(m => m.Text(CampaignMemberFields.Status) is not (CampaignMemberStatus.Converted or CampaignMemberStatus.OptedOut)))
        {
            await module.Records.UpdateAsync(MarketingEntities.CampaignMember, member.Id, null,
                new Dictionary<string, object?> { [CampaignMemberFields.Status] = CampaignMemberStatus.Converted }, cancellationToken).ConfigureAwait(false);
        }
    }
}
