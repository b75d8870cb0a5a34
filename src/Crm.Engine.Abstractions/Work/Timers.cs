using Crm.Engine.Abstractions.Events;

namespace Crm.Engine.Abstractions.Work;

/// <summary>What a durable timer should do: at <see cref="DueAt"/>, raise <see cref="DeadlineReached"/> named <see cref="EventName"/>.</summary>
public sealed record TimerRequest
{
    /// <summary>The timer's key, unique in the tenant (e.g. <c>case:{id}:plan-due</c>); scheduling the same key again replaces the timer.</summary>
    public required string Key { get; init; }

    /// <summary>When to fire. An instant in the past fires at the next poll (it is not refused).</summary>
    public required DateTimeOffset DueAt { get; init; }

    /// <summary>The event name the handlers and rules match on, e.g. <c>planOverdue</c>.</summary>
    public required string EventName { get; init; }

    /// <summary>The record the timer is about, if any.</summary>
    public Guid? RecordId { get; init; }

    /// <summary>Values passed to the event.</summary>
    public IReadOnlyDictionary<string, string?> Payload { get; init; } = new Dictionary<string, string?>();
}

/// <summary>Where a timer is in its life.</summary>
public enum WorkTimerState
{
    /// <summary>Waiting for its due time.</summary>
    Pending,

    /// <summary>Claimed by an engine process that is raising its event.</summary>
    Firing,

    /// <summary>Its event was raised.</summary>
    Fired,

    /// <summary>Canceled before it fired.</summary>
    Canceled,
}

/// <summary>A stored timer.</summary>
/// <param name="Id">The id of this scheduling (a re-schedule gets a new id).</param>
/// <param name="Key">The key.</param>
/// <param name="EventName">The event name.</param>
/// <param name="DueAt">When it is due (UTC).</param>
/// <param name="RecordId">The record it is about.</param>
/// <param name="Payload">Values passed to the event.</param>
/// <param name="State">Its state.</param>
/// <param name="Attempts">How many times it was claimed for firing.</param>
/// <param name="FiredAt">When its event was raised.</param>
public sealed record WorkTimer(Guid Id, string Key, string EventName, DateTimeOffset DueAt, Guid? RecordId, IReadOnlyDictionary<string, string?> Payload, WorkTimerState State, int Attempts, DateTimeOffset? FiredAt);

/// <summary>Schedules, re-schedules and cancels a tenant's durable timers.</summary>
public interface IWorkTimerService
{
    /// <summary>Schedules a timer, replacing any timer with the same key that has not fired yet or has already fired.</summary>
    /// <param name="request">The timer.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The stored timer.</returns>
    Task<WorkTimer> ScheduleAsync(TimerRequest request, CancellationToken cancellationToken = default);

    /// <summary>Cancels a pending timer.</summary>
    /// <param name="key">The timer's key.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when a pending timer was canceled.</returns>
    Task<bool> CancelAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Gets a timer by key.</summary>
    /// <param name="key">The timer's key.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The timer, or <see langword="null"/>.</returns>
    Task<WorkTimer?> GetAsync(string key, CancellationToken cancellationToken = default);
}

/// <summary>Fires due timers of every tenant; the hosted timer service calls it in a loop, tests call it directly.</summary>
public interface ITimerProcessor
{
    /// <summary>Claims and fires every timer due now (by the engine's <see cref="TimeProvider"/>), including stale claims.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>How many timers this call fired.</returns>
    Task<int> FireDueAsync(CancellationToken cancellationToken = default);
}

/// <summary>
/// A durable timer fired. Published through the event bus after the claim committed. Delivery is at-least-once (a
/// process that dies while firing is retried after the lease time-out): dedupe on <see cref="TimerId"/>. A plain record,
/// usable as a rule fact.
/// </summary>
/// <param name="TenantId">The tenant.</param>
/// <param name="OccurredAt">When it fired (UTC).</param>
/// <param name="TimerId">The id of the timer's scheduling: the idempotency key.</param>
/// <param name="TimerKey">The timer's key.</param>
/// <param name="EventName">The event name given when scheduling.</param>
/// <param name="RecordId">The record the timer is about.</param>
/// <param name="DueAt">When it was due (UTC).</param>
/// <param name="Payload">Values given when scheduling.</param>
public sealed record DeadlineReached(string TenantId, DateTimeOffset OccurredAt, Guid TimerId, string TimerKey, string EventName, Guid? RecordId, DateTimeOffset DueAt, IReadOnlyDictionary<string, string?> Payload) : IDomainEvent;
