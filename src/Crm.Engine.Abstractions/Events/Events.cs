using Crm.Engine.Abstractions.Records;

namespace Crm.Engine.Abstractions.Events;

/// <summary>Something that happened in a tenant, published to subscribers after the change that caused it committed.</summary>
public interface IDomainEvent
{
    /// <summary>The tenant in which it happened.</summary>
    string TenantId { get; }

    /// <summary>When it happened (UTC).</summary>
    DateTimeOffset OccurredAt { get; }
}

/// <summary>A record was created.</summary>
/// <param name="TenantId">The tenant.</param>
/// <param name="OccurredAt">When (UTC).</param>
/// <param name="Record">The record as stored.</param>
public sealed record RecordCreated(string TenantId, DateTimeOffset OccurredAt, CrmRecord Record) : IDomainEvent;

/// <summary>A record was changed.</summary>
/// <param name="TenantId">The tenant.</param>
/// <param name="OccurredAt">When (UTC).</param>
/// <param name="Before">The record before the change.</param>
/// <param name="After">The record after the change.</param>
/// <param name="ChangedFields">The API names of the fields whose values changed (including <c>ownerId</c> on assign).</param>
public sealed record RecordUpdated(string TenantId, DateTimeOffset OccurredAt, CrmRecord Before, CrmRecord After, IReadOnlyList<string> ChangedFields) : IDomainEvent;

/// <summary>A record was deleted.</summary>
/// <param name="TenantId">The tenant.</param>
/// <param name="OccurredAt">When (UTC).</param>
/// <param name="Before">The record as it was.</param>
public sealed record RecordDeleted(string TenantId, DateTimeOffset OccurredAt, CrmRecord Before) : IDomainEvent;

/// <summary>Handles one type of domain event; registered in the service provider by a plugin or the host.</summary>
/// <typeparam name="TEvent">The event type (subscribing to an interface or base type receives every event assignable to it).</typeparam>
public interface IDomainEventConsumer<in TEvent>
    where TEvent : IDomainEvent
{
    /// <summary>Handles the event. Exceptions are logged and do not undo the committed change.</summary>
    /// <param name="domainEvent">The event.</param>
    /// <param name="cancellationToken">Cancels the handling.</param>
    /// <returns>A task that completes when the event is handled.</returns>
    Task HandleAsync(TEvent domainEvent, CancellationToken cancellationToken);
}

/// <summary>Lets the host subscribe to domain events at run time.</summary>
public interface IDomainEventSubscriptions
{
    /// <summary>Subscribes a callback to every event assignable to <typeparamref name="TEvent"/>, in every tenant.</summary>
    /// <typeparam name="TEvent">The event type.</typeparam>
    /// <param name="handler">The callback. Exceptions are logged and do not undo the committed change.</param>
    /// <returns>Dispose to unsubscribe.</returns>
    IDisposable Subscribe<TEvent>(Func<TEvent, CancellationToken, Task> handler)
        where TEvent : IDomainEvent;
}
