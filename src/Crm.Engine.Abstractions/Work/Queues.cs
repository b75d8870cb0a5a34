namespace Crm.Engine.Abstractions.Work;

/// <summary>How a queue picks the member who gets the next item.</summary>
public enum AssignmentStrategy
{
    /// <summary>The eligible member who was assigned longest ago (never-assigned first): strict rotation.</summary>
    RoundRobin,

    /// <summary>The eligible member with the fewest open items; ties go to the one assigned longest ago.</summary>
    LeastLoaded,
}

/// <summary>A work queue.</summary>
/// <param name="Id">The id.</param>
/// <param name="Name">The unique name.</param>
/// <param name="Strategy">The assignment strategy.</param>
public sealed record QueueDefinition(Guid Id, string Name, AssignmentStrategy Strategy);

/// <summary>A member of a queue.</summary>
/// <param name="UserId">The user.</param>
/// <param name="Skills">What the member can handle.</param>
/// <param name="Languages">The languages the member speaks.</param>
/// <param name="OpenItems">How many items are assigned to the member and not completed.</param>
public sealed record QueueMember(Guid UserId, IReadOnlyList<string> Skills, IReadOnlyList<string> Languages, int OpenItems);

/// <summary>Where a queue item is.</summary>
public enum QueueItemStatus
{
    /// <summary>Waiting for a member.</summary>
    Waiting,

    /// <summary>Assigned to a member.</summary>
    Assigned,

    /// <summary>Done.</summary>
    Completed,
}

/// <summary>A piece of work in a queue, referring to a record.</summary>
/// <param name="Id">The id.</param>
/// <param name="QueueId">The queue.</param>
/// <param name="RecordId">The record.</param>
/// <param name="Skill">The skill it needs, if any.</param>
/// <param name="Language">The language it needs, if any.</param>
/// <param name="Status">The status.</param>
/// <param name="AssignedTo">The member it is assigned to.</param>
public sealed record QueueItem(Guid Id, Guid QueueId, Guid RecordId, string? Skill, string? Language, QueueItemStatus Status, Guid? AssignedTo);

/// <summary>
/// Work queues of a tenant. Assignment reads and updates the rotation order and load counts inside one write
/// transaction, so parallel assignments stay fair.
/// </summary>
public interface IWorkQueueService
{
    /// <summary>Creates a queue.</summary>
    /// <param name="name">The unique name.</param>
    /// <param name="strategy">The assignment strategy.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The queue.</returns>
    Task<QueueDefinition> CreateQueueAsync(string name, AssignmentStrategy strategy, CancellationToken cancellationToken = default);

    /// <summary>Finds a queue by name.</summary>
    /// <param name="name">The name (case-insensitive).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The queue, or <see langword="null"/>.</returns>
    Task<QueueDefinition?> FindQueueAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Adds a user to a queue (or updates the member's skills and languages).</summary>
    /// <param name="queueId">The queue.</param>
    /// <param name="userId">The user.</param>
    /// <param name="skills">Skills.</param>
    /// <param name="languages">Languages.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when done.</returns>
    Task AddMemberAsync(Guid queueId, Guid userId, IReadOnlyList<string>? skills = null, IReadOnlyList<string>? languages = null, CancellationToken cancellationToken = default);

    /// <summary>Lists a queue's members with their load.</summary>
    /// <param name="queueId">The queue.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The members.</returns>
    Task<IReadOnlyList<QueueMember>> ListMembersAsync(Guid queueId, CancellationToken cancellationToken = default);

    /// <summary>Adds a waiting item to a queue.</summary>
    /// <param name="queueId">The queue.</param>
    /// <param name="recordId">The record.</param>
    /// <param name="skill">A skill the assignee needs.</param>
    /// <param name="language">A language the assignee needs.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The item.</returns>
    Task<QueueItem> AddItemAsync(Guid queueId, Guid recordId, string? skill = null, string? language = null, CancellationToken cancellationToken = default);

    /// <summary>Adds an item and assigns it at once by the queue's strategy.</summary>
    /// <param name="queueId">The queue.</param>
    /// <param name="recordId">The record.</param>
    /// <param name="skill">A skill the assignee needs.</param>
    /// <param name="language">A language the assignee needs.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The assigned item (still waiting when no member is eligible).</returns>
    Task<QueueItem> RouteAsync(Guid queueId, Guid recordId, string? skill = null, string? language = null, CancellationToken cancellationToken = default);

    /// <summary>Assigns a waiting item by the queue's strategy.</summary>
    /// <param name="itemId">The item.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The item (still waiting when no member is eligible).</returns>
    Task<QueueItem> AssignAsync(Guid itemId, CancellationToken cancellationToken = default);

    /// <summary>A member takes a waiting item.</summary>
    /// <param name="itemId">The item.</param>
    /// <param name="userId">The member.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The item.</returns>
    Task<QueueItem> PickAsync(Guid itemId, Guid userId, CancellationToken cancellationToken = default);

    /// <summary>Puts an assigned item back to waiting.</summary>
    /// <param name="itemId">The item.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The item.</returns>
    Task<QueueItem> ReleaseAsync(Guid itemId, CancellationToken cancellationToken = default);

    /// <summary>Completes an item (the member's load goes down).</summary>
    /// <param name="itemId">The item.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The item.</returns>
    Task<QueueItem> CompleteAsync(Guid itemId, CancellationToken cancellationToken = default);

    /// <summary>Lists a queue's items, oldest first: what waits, what is assigned to whom, what was completed.</summary>
    /// <param name="queueId">The queue.</param>
    /// <param name="status">Only items in this status, or <see langword="null"/> for all.</param>
    /// <param name="assignedTo">Only items assigned to this user, or <see langword="null"/> for anyone's.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The items.</returns>
    /// <exception cref="Errors.CrmValidationException">The queue does not exist.</exception>
    Task<IReadOnlyList<QueueItem>> ListItemsAsync(Guid queueId, QueueItemStatus? status = null, Guid? assignedTo = null, CancellationToken cancellationToken = default);
}
