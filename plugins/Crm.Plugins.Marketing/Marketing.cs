using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Work;
using Crm.Plugins.Marketing.Campaigns;
using Crm.Plugins.Marketing.Nurturing;
using Crm.Plugins.Marketing.Scoring;
using Crm.Plugins.Marketing.Segments;
using Crm.Plugins.Marketing.Targeting;

namespace Crm.Plugins.Marketing;

/// <summary>The module's typed API: per-tenant views that act as the given tenant view's caller.</summary>
internal sealed class Marketing(ICrmEngine engine, IWorkServices work, TimeProvider clock) : IMarketing
{
    public IMarketingTenant ForTenant(ICrmTenant tenant)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        return new MarketingTenant(engine, tenant, work.ForCaller(tenant.Caller), clock);
    }
}

/// <summary>One tenant's marketing, as one caller: reads and writes go through <see cref="ICrmTenant.Records"/>.</summary>
internal sealed class MarketingTenant(ICrmEngine engine, ICrmTenant tenant, ITenantWork work, TimeProvider clock) : IMarketingTenant
{
    private const string Selection = "targetSelection";

    public async Task<TargetListResult> BuildTargetListAsync(Guid campaignId, TargetSelection selection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(selection);
        var records = tenant.Records;
        var campaign = await records.GetAsync(MarketingEntities.Campaign, campaignId, cancellationToken).ConfigureAwait(false)
            ?? throw new CrmNotFoundException(MarketingEntities.Campaign, campaignId);
        var channel = campaign.Text(CampaignFields.Channel) ?? CampaignChannel.Email;

        string owner;
        string? entityType;
        string? filters;
        if (selection.SegmentId is { } segmentId)
        {
            if (selection.EntityType is not null || selection.Filters is not null)
            {
                throw new CrmValidationException(new CrmValidationError(Selection, nameof(TargetSelection.SegmentId), segmentId, "selection",
                    "give a segment or an entity type with filters, not both."));
            }

            var segment = await records.GetAsync(MarketingEntities.Segment, segmentId, cancellationToken).ConfigureAwait(false)
                ?? throw new CrmNotFoundException(MarketingEntities.Segment, segmentId);
            owner = $"{MarketingEntities.Segment} '{segment.Text(SegmentFields.Name)}'";
            entityType = segment.Text(SegmentFields.EntityType);
            filters = segment.Text(SegmentFields.Filters);
        }
        else
        {
            owner = Selection;
            entityType = selection.EntityType;
            filters = selection.Filters;
        }

        SegmentFilters.CheckEntityType(owner, entityType);
        var entity = await tenant.Metadata.GetEntityAsync(entityType!, cancellationToken).ConfigureAwait(false);
        var query = RecordQuery.For(entityType!) with { Filters = SegmentFilters.Parse(owner, entity, filters) };

        var members = await records.ReadAllAsync(RecordQuery.For(MarketingEntities.CampaignMember).Where(CampaignMemberFields.CampaignId, campaignId), cancellationToken).ConfigureAwait(false);
        var existing = new Dictionary<Guid, Guid>();
        foreach (var member in members)
        {
            if ((member.Id(CampaignMemberFields.ContactId) ?? member.Id(CampaignMemberFields.LeadId)) is { } target)
            {
                existing.TryAdd(target, member.Id);
            }
        }

        var entries = new List<TargetListEntry>();
        var seen = new HashSet<Guid>();
        await foreach (var target in TargetsAsync(query, cancellationToken).ConfigureAwait(false))
        {
            if (!seen.Add(target.Id))
            {
                continue;
            }

            if (existing.TryGetValue(target.Id, out var memberId))
            {
                entries.Add(new TargetListEntry(target.EntityType, target.Id, TargetOutcome.AlreadyMember, memberId, null));
                continue;
            }

            if (Consent.Blocker(target, channel) is { } reason)
            {
                entries.Add(new TargetListEntry(target.EntityType, target.Id, TargetOutcome.Skipped, null, reason));
                continue;
            }

            var isLead = string.Equals(target.EntityType, MarketingEntities.Lead, StringComparison.Ordinal);
            var created = await records.CreateAsync(MarketingEntities.CampaignMember, new Dictionary<string, object?>
            {
                [CampaignMemberFields.CampaignId] = campaignId,
                [isLead ? CampaignMemberFields.LeadId : CampaignMemberFields.ContactId] = target.Id,
                [CampaignMemberFields.Status] = CampaignMemberStatus.Targeted,
                [CampaignMemberFields.AddedAt] = clock.GetUtcNow(),
            }, cancellationToken: cancellationToken).ConfigureAwait(false);
            entries.Add(new TargetListEntry(target.EntityType, target.Id, TargetOutcome.Added, created.Id, null));
        }

        return new TargetListResult(campaignId, entries);
    }

    /// <summary>The selected contacts or leads; an account selection yields the contacts of the selected accounts.</summary>
    private async IAsyncEnumerable<CrmRecord> TargetsAsync(RecordQuery query, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (!string.Equals(query.EntityType, CoreEntities.Account, StringComparison.Ordinal))
        {
            await foreach (var record in tenant.Records.QueryAllAsync(query, cancellationToken).ConfigureAwait(false))
            {
                yield return record;
            }

            yield break;
        }

        var accounts = new List<Guid>();
        await foreach (var account in tenant.Records.QueryAllAsync(query, cancellationToken).ConfigureAwait(false))
        {
            accounts.Add(account.Id);
        }

        foreach (var chunk in accounts.Chunk(500))
        {
            var contacts = RecordQuery.For(CoreEntities.Contact).Where(ContactFields.AccountId, FilterOperator.In, chunk.Cast<object?>().ToList());
            await foreach (var contact in tenant.Records.QueryAllAsync(contacts, cancellationToken).ConfigureAwait(false))
            {
                yield return contact;
            }
        }
    }

    public async Task<Guid> RecordResponseAsync(Guid memberId, string type, DateTimeOffset? respondedAt = null, string? notes = null, CancellationToken cancellationToken = default)
    {
        var member = await tenant.Records.GetAsync(MarketingEntities.CampaignMember, memberId, cancellationToken).ConfigureAwait(false)
            ?? throw new CrmNotFoundException(MarketingEntities.CampaignMember, memberId);
        var response = await tenant.Records.CreateAsync(MarketingEntities.CampaignResponse, new Dictionary<string, object?>
        {
            [CampaignResponseFields.CampaignId] = member.Id(CampaignMemberFields.CampaignId),
            [CampaignResponseFields.MemberId] = memberId,
            [CampaignResponseFields.Type] = type,
            [CampaignResponseFields.RespondedAt] = respondedAt ?? clock.GetUtcNow(),
            [CampaignResponseFields.Notes] = notes,
        }, cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.Id;
    }

    public async Task<CampaignResults> GetResultsAsync(Guid campaignId, CancellationToken cancellationToken = default)
    {
        var campaign = await tenant.Records.GetAsync(MarketingEntities.Campaign, campaignId, cancellationToken).ConfigureAwait(false)
            ?? throw new CrmNotFoundException(MarketingEntities.Campaign, campaignId);
        return await CampaignFigures.ComputeAsync(tenant.Records, campaign, cancellationToken).ConfigureAwait(false);
    }

    public async Task<decimal> RecalculateRevenueAsync(Guid campaignId, CancellationToken cancellationToken = default)
    {
        // The caller must see the campaign; the figure itself is computed and stored by the module over every
        // attributed opportunity (it is the same whoever asks), so reading the campaign is enough to refresh it.
        _ = await tenant.Records.GetAsync(MarketingEntities.Campaign, campaignId, cancellationToken).ConfigureAwait(false)
            ?? throw new CrmNotFoundException(MarketingEntities.Campaign, campaignId);
        return await CampaignRevenue.StoreAsync(engine.AsModule(tenant.TenantId), campaignId, cancellationToken).ConfigureAwait(false);
    }

    public Task<LeadScoreResult> ScoreLeadAsync(Guid leadId, decimal points, string reason, string? key = null, CancellationToken cancellationToken = default) =>
        LeadScoring.ScoreAsync(tenant, leadId, points, reason, key, cancellationToken);

    public Task<WorkTimer> ScheduleFollowUpAsync(FollowUpRequest request, CancellationToken cancellationToken = default) =>
        FollowUps.ScheduleAsync(tenant, work, clock, request, keepPending: false, cancellationToken);
}
