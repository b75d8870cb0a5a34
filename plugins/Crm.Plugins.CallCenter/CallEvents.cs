using Crm.Engine.Abstractions.Events;

namespace Crm.Plugins.CallCenter;

/// <summary>A call came in (or an outbound call was dialled): its call record was created. Published after commit.</summary>
/// <param name="TenantId">The tenant.</param>
/// <param name="OccurredAt">When (UTC).</param>
/// <param name="CallId">The call record.</param>
/// <param name="Direction">Inbound or outbound (<see cref="CallDirection"/>).</param>
/// <param name="FromNumber">The calling number, if known.</param>
/// <param name="ToNumber">The number dialled, if known.</param>
/// <param name="AccountId">The identified customer, if any.</param>
/// <param name="ContactId">The identified contact, if any.</param>
public sealed record CallReceived(string TenantId, DateTimeOffset OccurredAt, Guid CallId, string Direction, string? FromNumber, string? ToNumber, Guid? AccountId, Guid? ContactId) : IDomainEvent;

/// <summary>An agent answered a call. Published after commit.</summary>
/// <param name="TenantId">The tenant.</param>
/// <param name="OccurredAt">When (UTC).</param>
/// <param name="CallId">The call record.</param>
/// <param name="AgentUserId">Who answered.</param>
/// <param name="WaitSeconds">How long the caller waited.</param>
public sealed record CallAnswered(string TenantId, DateTimeOffset OccurredAt, Guid CallId, string? AgentUserId, decimal? WaitSeconds) : IDomainEvent;

/// <summary>An answered call ended. Published after commit.</summary>
/// <param name="TenantId">The tenant.</param>
/// <param name="OccurredAt">When (UTC).</param>
/// <param name="CallId">The call record.</param>
/// <param name="AgentUserId">Who talked to the caller.</param>
/// <param name="TalkSeconds">How long they talked.</param>
/// <param name="Resolved">Whether the matter was resolved in the call, if said.</param>
/// <param name="Satisfaction">The caller's rating (1 to 5), if given.</param>
/// <param name="AccountId">The customer, if identified.</param>
/// <param name="ActivityId">The call activity logged on the customer's timeline, if the customer was identified.</param>
public sealed record CallEnded(string TenantId, DateTimeOffset OccurredAt, Guid CallId, string? AgentUserId, decimal? TalkSeconds, bool? Resolved, decimal? Satisfaction, Guid? AccountId, Guid? ActivityId) : IDomainEvent;

/// <summary>The caller hung up before an agent answered. Published after commit.</summary>
/// <param name="TenantId">The tenant.</param>
/// <param name="OccurredAt">When (UTC).</param>
/// <param name="CallId">The call record.</param>
/// <param name="WaitSeconds">How long the caller waited.</param>
/// <param name="Queue">The queue the call waited in, if routed.</param>
/// <param name="AccountId">The customer, if identified (e.g. to call them back).</param>
public sealed record CallAbandoned(string TenantId, DateTimeOffset OccurredAt, Guid CallId, decimal? WaitSeconds, string? Queue, Guid? AccountId) : IDomainEvent;
