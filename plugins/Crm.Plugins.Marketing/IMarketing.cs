using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Events;
using Crm.Engine.Abstractions.Work;

namespace Crm.Plugins.Marketing;

/// <summary>The marketing module's typed API (a singleton in the engine's services).</summary>
public interface IMarketing
{
    /// <summary>The marketing API of one tenant, acting as that tenant view's caller (access control and audit apply).</summary>
    /// <param name="tenant">The caller's view of the tenant.</param>
    /// <returns>The tenant's marketing API.</returns>
    IMarketingTenant ForTenant(ICrmTenant tenant);
}

/// <summary>Shortcuts for <see cref="IMarketing"/>.</summary>
public static class MarketingExtensions
{
    /// <summary>The marketing API of one tenant, acting as that tenant view's caller (same as <see cref="IMarketing.ForTenant"/>).</summary>
    /// <param name="marketing">The module's API.</param>
    /// <param name="tenant">The caller's view of the tenant.</param>
    /// <returns>The tenant's marketing API.</returns>
    public static IMarketingTenant For(this IMarketing marketing, ICrmTenant tenant)
    {
        ArgumentNullException.ThrowIfNull(marketing);
        return marketing.ForTenant(tenant);
    }
}

/// <summary>Marketing operations of one tenant, as one caller.</summary>
public interface IMarketingTenant
{
    /// <summary>
    /// Adds the contacts or leads a segment (or ad-hoc filters) selects to a campaign's target list, respecting consent
    /// for the campaign's channel. Every selected record is reported: added, already a member, or skipped with the reason.
    /// </summary>
    /// <param name="campaignId">The campaign.</param>
    /// <param name="selection">A segment, or an entity type with filters.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>What happened to each selected record.</returns>
    /// <exception cref="Crm.Engine.Abstractions.Errors.CrmValidationException">The selection is invalid (the error names the filter and field).</exception>
    /// <exception cref="Crm.Engine.Abstractions.Errors.CrmNotFoundException">The campaign or segment does not exist or is not visible.</exception>
    Task<TargetListResult> BuildTargetListAsync(Guid campaignId, TargetSelection selection, CancellationToken cancellationToken = default);

    /// <summary>Records a member's response; the member's status follows (responded, or opted out for <see cref="CampaignResponseType.Unsubscribed"/>).</summary>
    /// <param name="memberId">The campaign member.</param>
    /// <param name="type">The kind of response (<see cref="CampaignResponseType"/>).</param>
    /// <param name="respondedAt">When; the engine's clock when <see langword="null"/>.</param>
    /// <param name="notes">Free text.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The id of the response record.</returns>
    Task<Guid> RecordResponseAsync(Guid memberId, string type, DateTimeOffset? respondedAt = null, string? notes = null, CancellationToken cancellationToken = default);

    /// <summary>A campaign's figures: cost, revenue from won attributed opportunities, ROI, members and responses.</summary>
    /// <param name="campaignId">The campaign.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The figures, over the records the caller may read.</returns>
    Task<CampaignResults> GetResultsAsync(Guid campaignId, CancellationToken cancellationToken = default);

    /// <summary>Computes a campaign's actual revenue again and stores it on the campaign (the module also does this after each change of an attributed opportunity).</summary>
    /// <param name="campaignId">The campaign.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The revenue stored.</returns>
    Task<decimal> RecalculateRevenueAsync(Guid campaignId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Gives a lead points with a reason. With a <paramref name="key"/>, a lead is scored at most once per key (scoring
    /// again with the same key changes nothing); without one every call adds points.
    /// </summary>
    /// <param name="leadId">The lead.</param>
    /// <param name="points">The points (negative to lower the score).</param>
    /// <param name="reason">Why (required).</param>
    /// <param name="key">What gives the points, e.g. <c>rule:visited-pricing</c>; <see langword="null"/> for none.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The lead's score afterwards and whether these points were added.</returns>
    Task<LeadScoreResult> ScoreLeadAsync(Guid leadId, decimal points, string reason, string? key = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Schedules a nurturing follow-up on a durable timer: when due, the contact (or lead) is notified through the outbox
    /// on their preferred channel unless consent forbids it; the outcome is stored on the member.
    /// </summary>
    /// <param name="request">Who, when and with which template.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The timer.</returns>
    Task<WorkTimer> ScheduleFollowUpAsync(FollowUpRequest request, CancellationToken cancellationToken = default);
}

/// <summary>What a target list is built from: a saved segment, or an entity type with filters.</summary>
public sealed record TargetSelection
{
    /// <summary>A saved segment.</summary>
    public Guid? SegmentId { get; init; }

    /// <summary>The entity type for ad-hoc filters: contact, lead or account (an account selects its contacts).</summary>
    public string? EntityType { get; init; }

    /// <summary>Ad-hoc filters as a JSON array (the segment format).</summary>
    public string? Filters { get; init; }

    /// <summary>A saved segment.</summary>
    /// <param name="segmentId">The segment.</param>
    /// <returns>The selection.</returns>
    public static TargetSelection FromSegment(Guid segmentId) => new() { SegmentId = segmentId };

    /// <summary>Ad-hoc filters.</summary>
    /// <param name="entityType">contact, lead or account.</param>
    /// <param name="filtersJson">The JSON array of conditions.</param>
    /// <returns>The selection.</returns>
    public static TargetSelection FromFilters(string entityType, string filtersJson) => new() { EntityType = entityType, Filters = filtersJson };
}

/// <summary>What happened to one selected record.</summary>
public enum TargetOutcome
{
    /// <summary>Added as a member.</summary>
    Added = 0,

    /// <summary>Already a member of the campaign.</summary>
    AlreadyMember = 1,

    /// <summary>Not added; see the reason.</summary>
    Skipped = 2,
}

/// <summary>One selected record and what happened to it.</summary>
/// <param name="EntityType">contact or lead.</param>
/// <param name="RecordId">The contact or lead.</param>
/// <param name="Outcome">Added, already a member, or skipped.</param>
/// <param name="MemberId">The member record (added or existing).</param>
/// <param name="Reason">Why it was skipped (consent, no address for the channel).</param>
public sealed record TargetListEntry(string EntityType, Guid RecordId, TargetOutcome Outcome, Guid? MemberId, string? Reason);

/// <summary>The result of building a target list.</summary>
/// <param name="CampaignId">The campaign.</param>
/// <param name="Entries">Every selected record, in selection order.</param>
public sealed record TargetListResult(Guid CampaignId, IReadOnlyList<TargetListEntry> Entries)
{
    /// <summary>The records added.</summary>
    public IReadOnlyList<TargetListEntry> Added => [.. Entries.Where(e => e.Outcome == TargetOutcome.Added)];

    /// <summary>The records that were members already.</summary>
    public IReadOnlyList<TargetListEntry> AlreadyMembers => [.. Entries.Where(e => e.Outcome == TargetOutcome.AlreadyMember)];

    /// <summary>The records skipped, each with its reason.</summary>
    public IReadOnlyList<TargetListEntry> Skipped => [.. Entries.Where(e => e.Outcome == TargetOutcome.Skipped)];
}

/// <summary>A campaign's figures.</summary>
/// <param name="CampaignId">The campaign.</param>
/// <param name="Name">Its name.</param>
/// <param name="Budget">Planned spend.</param>
/// <param name="ActualCost">Actual cost.</param>
/// <param name="ActualRevenue">Sum of the won attributed opportunities' amounts.</param>
/// <param name="Roi">(revenue − cost) / cost, or <see langword="null"/> without a cost.</param>
/// <param name="Members">Number of members.</param>
/// <param name="Responses">Number of responses.</param>
/// <param name="RespondingMembers">Members with at least one response.</param>
/// <param name="ResponseRate">Responding members / members, or <see langword="null"/> without members.</param>
/// <param name="WonOpportunities">Number of won attributed opportunities.</param>
public sealed record CampaignResults(
    Guid CampaignId, string? Name, decimal? Budget, decimal? ActualCost, decimal ActualRevenue, decimal? Roi,
    long Members, long Responses, long RespondingMembers, decimal? ResponseRate, long WonOpportunities);

/// <summary>The result of scoring a lead.</summary>
/// <param name="LeadId">The lead.</param>
/// <param name="Score">The lead's score afterwards.</param>
/// <param name="Applied">Whether the points were added (<see langword="false"/> when the key had scored the lead before).</param>
public sealed record LeadScoreResult(Guid LeadId, decimal Score, bool Applied);

/// <summary>A nurturing follow-up to schedule. Give exactly one of <see cref="MemberId"/>, <see cref="ContactId"/> or <see cref="LeadId"/>.</summary>
public sealed record FollowUpRequest
{
    /// <summary>A campaign member (its contact or lead is notified, and the outcome is stored on the member).</summary>
    public Guid? MemberId { get; init; }

    /// <summary>A contact.</summary>
    public Guid? ContactId { get; init; }

    /// <summary>A lead.</summary>
    public Guid? LeadId { get; init; }

    /// <summary>How long after now, in business time on the tenant's <c>default</c> calendar.</summary>
    public required BusinessDuration After { get; init; }

    /// <summary>The notification template's key.</summary>
    public required string TemplateKey { get; init; }

    /// <summary>A channel instead of the recipient's preferred one.</summary>
    public string? Channel { get; init; }

    /// <summary>The timer's key; by default <c>marketing:followUp:&lt;record id&gt;:&lt;template&gt;</c> (scheduling the same key again replaces it).</summary>
    public string? Key { get; init; }
}

/// <summary>A contact or lead was added to a campaign.</summary>
/// <param name="TenantId">The tenant.</param>
/// <param name="OccurredAt">When (UTC).</param>
/// <param name="CampaignId">The campaign.</param>
/// <param name="MemberId">The member record.</param>
/// <param name="ContactId">The contact, for a contact member.</param>
/// <param name="LeadId">The lead, for a lead member.</param>
public sealed record CampaignMemberAdded(string TenantId, DateTimeOffset OccurredAt, Guid CampaignId, Guid MemberId, Guid? ContactId, Guid? LeadId) : IDomainEvent;

/// <summary>A campaign member responded.</summary>
/// <param name="TenantId">The tenant.</param>
/// <param name="OccurredAt">When it was recorded (UTC).</param>
/// <param name="CampaignId">The campaign.</param>
/// <param name="ResponseId">The response record.</param>
/// <param name="MemberId">The member, if given.</param>
/// <param name="Type">The kind of response.</param>
public sealed record CampaignResponseRecorded(string TenantId, DateTimeOffset OccurredAt, Guid CampaignId, Guid ResponseId, Guid? MemberId, string Type) : IDomainEvent;

/// <summary>A lead got points.</summary>
/// <param name="TenantId">The tenant.</param>
/// <param name="OccurredAt">When (UTC).</param>
/// <param name="LeadId">The lead.</param>
/// <param name="Points">The points given.</param>
/// <param name="Reason">Why.</param>
/// <param name="Key">What gave them (e.g. <c>rule:&lt;name&gt;</c>), if any.</param>
/// <param name="Score">The lead's score afterwards.</param>
public sealed record LeadScored(string TenantId, DateTimeOffset OccurredAt, Guid LeadId, decimal Points, string Reason, string? Key, decimal Score) : IDomainEvent;
