namespace Crm.Engine.Abstractions.Work;

/// <summary>Parameters of <see cref="IWorkActions.AssignToQueueAsync"/>.</summary>
/// <param name="RecordId">The record to route.</param>
/// <param name="Queue">The queue's name.</param>
/// <param name="Skill">A skill the assignee needs.</param>
/// <param name="Language">A language the assignee needs.</param>
public sealed record AssignToQueueParameters(Guid RecordId, string Queue, string? Skill = null, string? Language = null);

/// <summary>Parameters of <see cref="IWorkActions.AssignToUserAsync"/>.</summary>
/// <param name="EntityType">The record's entity type.</param>
/// <param name="RecordId">The record.</param>
/// <param name="UserName">The new owner's log-in name.</param>
public sealed record AssignToUserParameters(string EntityType, Guid RecordId, string UserName);

/// <summary>Parameters of <see cref="IWorkActions.NotifyRolesAsync"/>.</summary>
/// <param name="RecordId">The record the roles are resolved for.</param>
/// <param name="Roles">The role keys.</param>
/// <param name="TemplateKey">The template.</param>
/// <param name="IdempotencyKey">The base key; each recipient's key is <c>{key}:{userId}</c>.</param>
/// <param name="Channel">The channel, by default the recipients' preferred channel.</param>
/// <param name="Data">The template data.</param>
public sealed record NotifyRolesParameters(Guid RecordId, IReadOnlyList<string> Roles, string TemplateKey, string IdempotencyKey, string Channel = Notification.PreferredChannel, IReadOnlyDictionary<string, object?>? Data = null);

/// <summary>Parameters of <see cref="IWorkActions.NotifyUserAsync"/>.</summary>
/// <param name="UserName">The user's log-in name.</param>
/// <param name="TemplateKey">The template.</param>
/// <param name="IdempotencyKey">The idempotency key.</param>
/// <param name="Channel">The channel, by default the user's preferred channel.</param>
/// <param name="RecordId">The record it is about.</param>
/// <param name="Data">The template data.</param>
public sealed record NotifyUserParameters(string UserName, string TemplateKey, string IdempotencyKey, string Channel = Notification.PreferredChannel, Guid? RecordId = null, IReadOnlyDictionary<string, object?>? Data = null);

/// <summary>Parameters of <see cref="IWorkActions.StartTimerAsync"/>: the due time is business time on a calendar from a start instant.</summary>
/// <param name="Key">The timer key.</param>
/// <param name="EventName">The event name.</param>
/// <param name="RecordId">The record.</param>
/// <param name="After">Working time from <paramref name="From"/> (or from now).</param>
/// <param name="Calendar">The business calendar.</param>
/// <param name="From">The start instant; <see langword="null"/> for now.</param>
/// <param name="Payload">Values passed to the event.</param>
public sealed record StartTimerParameters(string Key, string EventName, Guid? RecordId, TimeSpan After, string Calendar = BusinessCalendarDefinition.DefaultKey, DateTimeOffset? From = null, IReadOnlyDictionary<string, string?>? Payload = null);

/// <summary>Parameters of <see cref="IWorkActions.CreateTaskAsync"/>.</summary>
/// <param name="Subject">The task's subject.</param>
/// <param name="RegardingType">The entity type of the record it is about.</param>
/// <param name="RegardingId">The record it is about.</param>
/// <param name="OwnerId">The owner (user id).</param>
/// <param name="DueAt">The due instant.</param>
/// <param name="Description">A description.</param>
public sealed record CreateTaskParameters(string Subject, string RegardingType, Guid RegardingId, Guid OwnerId, DateTimeOffset DueAt, string? Description = null);

/// <summary>Parameters of <see cref="IWorkActions.SetFieldAsync"/>.</summary>
/// <param name="EntityType">The record's entity type.</param>
/// <param name="RecordId">The record.</param>
/// <param name="Field">The field's API name.</param>
/// <param name="Value">The value (validated by the record pipeline).</param>
public sealed record SetFieldParameters(string EntityType, Guid RecordId, string Field, object? Value);

/// <summary>
/// The work actions rules and modules call, one typed operation each (the rule-pack action registry registers them by
/// name). Obtained through <see cref="IWorkServices.ForContext"/>, they join the running operation's transaction.
/// </summary>
public interface IWorkActions
{
    /// <summary><c>assignToQueue</c>: routes a record to a queue (adds an item and assigns it by the queue's strategy).</summary>
    /// <param name="parameters">The parameters.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The queue item.</returns>
    Task<QueueItem> AssignToQueueAsync(AssignToQueueParameters parameters, CancellationToken cancellationToken = default);

    /// <summary><c>assignToUser</c>: gives a record a new owner through the record pipeline.</summary>
    /// <param name="parameters">The parameters.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when done.</returns>
    Task AssignToUserAsync(AssignToUserParameters parameters, CancellationToken cancellationToken = default);

    /// <summary><c>notifyRoles</c>: notifies every holder of the roles for the record.</summary>
    /// <param name="parameters">The parameters.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The stored notifications.</returns>
    Task<IReadOnlyList<NotificationState>> NotifyRolesAsync(NotifyRolesParameters parameters, CancellationToken cancellationToken = default);

    /// <summary><c>notifyUser</c>: notifies one user.</summary>
    /// <param name="parameters">The parameters.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The stored notification.</returns>
    Task<NotificationState> NotifyUserAsync(NotifyUserParameters parameters, CancellationToken cancellationToken = default);

    /// <summary><c>startTimer</c>: schedules a timer a business-time span from now.</summary>
    /// <param name="parameters">The parameters.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The timer.</returns>
    Task<WorkTimer> StartTimerAsync(StartTimerParameters parameters, CancellationToken cancellationToken = default);

    /// <summary><c>cancelTimer</c>: cancels a pending timer.</summary>
    /// <param name="key">The timer key.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when a pending timer was canceled.</returns>
    Task<bool> CancelTimerAsync(string key, CancellationToken cancellationToken = default);

    /// <summary><c>createTask</c>: creates an activity of type task with owner and due date.</summary>
    /// <param name="parameters">The parameters.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The task's record id.</returns>
    Task<Guid> CreateTaskAsync(CreateTaskParameters parameters, CancellationToken cancellationToken = default);

    /// <summary><c>setField</c>: updates one field through the record pipeline.</summary>
    /// <param name="parameters">The parameters.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when done.</returns>
    Task SetFieldAsync(SetFieldParameters parameters, CancellationToken cancellationToken = default);
}
