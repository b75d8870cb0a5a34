using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Pipeline;
using Crm.Engine.Abstractions.Records;

namespace Crm.Plugins.Marketing.Campaigns;

/// <summary>Reading ids from a pipeline target, where callers may give a look-up as a <see cref="Guid"/> or its text.</summary>
internal static class TargetValues
{
    public static Guid? AsGuid(object? value) => value switch
    {
        Guid g => g,
        string s when Guid.TryParse(s, out var g) => g,
        _ => null,
    };

    /// <summary>The value being written, else the stored one (update), as an id.</summary>
    public static Guid? Id(IPipelineContext context, string field) =>
        context.Target.TryGetValue(field, out var value) ? AsGuid(value) : context.PreImage?.Id(field);
}

/// <summary>
/// <c>campaign.actualRevenue</c> is computed by the module from won opportunities: a caller may not set it (the module
/// stores it as its own system caller).
/// </summary>
internal sealed class CampaignRevenueGuard : IPipelineHandler
{
    public Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Target.TryGetValue(CampaignFields.ActualRevenue, out var value) && !MarketingRecords.IsModule(context.Caller))
        {
            throw new CrmValidationException(new CrmValidationError(MarketingEntities.Campaign, CampaignFields.ActualRevenue, value, "read_only",
                "campaign.actualRevenue is computed by the marketing module as the sum of the won opportunities attributed to the campaign (opportunity.campaignId); set actualCost, or attribute opportunities, instead."));
        }

        return Task.CompletedTask;
    }
}

/// <summary>After an opportunity's campaign, stage or amount changes, the campaigns concerned get their revenue computed again (after commit).</summary>
internal sealed class OpportunityRevenueHandler(TimeProvider clock) : IPipelineHandler
{
    private static readonly string[] Relevant = [OpportunityMarketingFields.CampaignId, SalesNames.OpportunityStage, SalesNames.OpportunityStatus, SalesNames.OpportunityAmount];

    public Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var before = context.PreImage?.Id(OpportunityMarketingFields.CampaignId);
        var after = context.PostImage?.Id(OpportunityMarketingFields.CampaignId);
        var changed = context.Message == PipelineMessages.Delete || context.Message == PipelineMessages.Create || Relevant.Any(context.Target.ContainsKey);
        var campaigns = new[] { before, after }.Where(c => c is not null).Select(c => c!.Value).Distinct().ToList();
        if (changed && campaigns.Count > 0)
        {
            context.QueueEvent(new CampaignRevenueChanged(context.Caller.TenantId, clock.GetUtcNow(), campaigns));
        }

        return Task.CompletedTask;
    }
}

/// <summary>A new member: exactly one of contact and lead, once per campaign; status and date default.</summary>
internal sealed class MemberDefaultsHandler(TimeProvider clock) : IPipelineHandler
{
    public async Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var contactId = TargetValues.Id(context, CampaignMemberFields.ContactId);
        var leadId = TargetValues.Id(context, CampaignMemberFields.LeadId);
        if ((contactId is null) == (leadId is null))
        {
            throw new CrmValidationException(new CrmValidationError(MarketingEntities.CampaignMember, CampaignMemberFields.ContactId, contactId, "member",
                "a campaign member is either a contact (contactId) or a lead (leadId): give exactly one of them."));
        }

        if (!context.Target.ContainsKey(CampaignMemberFields.Status))
        {
            context.Target[CampaignMemberFields.Status] = CampaignMemberStatus.Targeted;
        }

        if (!context.Target.ContainsKey(CampaignMemberFields.AddedAt))
        {
            context.Target[CampaignMemberFields.AddedAt] = clock.GetUtcNow();
        }

        if (TargetValues.Id(context, CampaignMemberFields.CampaignId) is { } campaignId)
        {
            var (field, id) = contactId is { } c ? (CampaignMemberFields.ContactId, c) : (CampaignMemberFields.LeadId, leadId!.Value);
            // Over every member of the campaign, also those the caller may not read (the message names none of them).
            var existing = await context.SystemRecords.CountAsync(
                RecordQuery.For(MarketingEntities.CampaignMember).Where(CampaignMemberFields.CampaignId, campaignId).Where(field, id), cancellationToken).ConfigureAwait(false);
            if (existing > 0)
            {
                throw new CrmValidationException(new CrmValidationError(MarketingEntities.CampaignMember, field, id, "duplicate",
                    $"{(field == CampaignMemberFields.ContactId ? "contact" : "lead")} {id} is already a member of campaign {campaignId}."));
            }
        }
    }
}

/// <summary>Publishes <see cref="CampaignMemberAdded"/> after the member is committed.</summary>
internal sealed class MemberAddedHandler(TimeProvider clock) : IPipelineHandler
{
    public Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var member = context.PostImage!;
        context.QueueEvent(new CampaignMemberAdded(context.Caller.TenantId, clock.GetUtcNow(), member.Id(CampaignMemberFields.CampaignId) ?? Guid.Empty, member.Id,
            member.Id(CampaignMemberFields.ContactId), member.Id(CampaignMemberFields.LeadId)));
        return Task.CompletedTask;
    }
}

/// <summary>A new response: its campaign follows from its member (and must match it); the date defaults to now.</summary>
internal sealed class ResponseDefaultsHandler(TimeProvider clock) : IPipelineHandler
{
    public async Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!context.Target.ContainsKey(CampaignResponseFields.RespondedAt))
        {
            context.Target[CampaignResponseFields.RespondedAt] = clock.GetUtcNow();
        }

        if (TargetValues.Id(context, CampaignResponseFields.MemberId) is not { } memberId)
        {
            return;
        }

        var member = await context.Records.GetAsync(MarketingEntities.CampaignMember, memberId, cancellationToken).ConfigureAwait(false);
        if (member is null)
        {
            return; // the look-up check reports the unknown member
        }

        var memberCampaign = member.Id(CampaignMemberFields.CampaignId);
        var campaign = TargetValues.Id(context, CampaignResponseFields.CampaignId);
        if (campaign is null)
        {
            context.Target[CampaignResponseFields.CampaignId] = memberCampaign;
        }
        else if (campaign != memberCampaign)
        {
            throw new CrmValidationException(new CrmValidationError(MarketingEntities.CampaignResponse, CampaignResponseFields.CampaignId, campaign, "campaign",
                $"member {memberId} belongs to campaign {memberCampaign}, not to campaign {campaign}."));
        }
    }
}

/// <summary>After a response: the member's status follows it, and <see cref="CampaignResponseRecorded"/> is published after commit.</summary>
internal sealed class ResponseRecordedHandler(TimeProvider clock) : IPipelineHandler
{
    public async Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = context.PostImage!;
        var type = response.Text(CampaignResponseFields.Type) ?? string.Empty;
        var memberId = response.Id(CampaignResponseFields.MemberId);
        if (memberId is { } id && await context.Records.GetAsync(MarketingEntities.CampaignMember, id, cancellationToken).ConfigureAwait(false) is { } member)
        {
            var status = member.Text(CampaignMemberFields.Status);
            var next = type == CampaignResponseType.Unsubscribed
                ? CampaignMemberStatus.OptedOut
                : status is null or CampaignMemberStatus.Targeted or CampaignMemberStatus.Sent ? CampaignMemberStatus.Responded : status;
            if (next != status)
            {
                await context.Records.UpdateAsync(MarketingEntities.CampaignMember, id, null, new Dictionary<string, object?> { [CampaignMemberFields.Status] = next }, cancellationToken).ConfigureAwait(false);
            }
        }

        context.QueueEvent(new CampaignResponseRecorded(context.Caller.TenantId, clock.GetUtcNow(), response.Id(CampaignResponseFields.CampaignId) ?? Guid.Empty, response.Id, memberId, type));
    }
}
