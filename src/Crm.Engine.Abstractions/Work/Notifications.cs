namespace Crm.Engine.Abstractions.Work;

/// <summary>Who a notification is for.</summary>
public enum NotificationRecipientKind
{
    /// <summary>A user of the tenant (address and preferences from the user).</summary>
    User,

    /// <summary>A contact record (address and consent from the contact's fields).</summary>
    Contact,

    /// <summary>A raw address (e-mail, phone number, chat handle): no preferences apply.</summary>
    Address,
}

/// <summary>The kind of address a channel delivers to.</summary>
public enum NotificationAddressKind
{
    /// <summary>An e-mail address; blocked by do-not-email.</summary>
    Email,

    /// <summary>A phone number (SMS, voice); blocked by do-not-call.</summary>
    Phone,

    /// <summary>The recipient's id (in-process, chat); no consent flag applies.</summary>
    RecipientId,
}

/// <summary>The recipient of a notification.</summary>
/// <param name="Kind">The kind.</param>
/// <param name="Id">The user or contact id.</param>
/// <param name="Address">The raw address (kind <see cref="NotificationRecipientKind.Address"/>).</param>
public sealed record NotificationRecipient(NotificationRecipientKind Kind, Guid? Id, string? Address)
{
    /// <summary>A user.</summary>
    /// <param name="userId">The user id.</param>
    /// <returns>The recipient.</returns>
    public static NotificationRecipient User(Guid userId) => new(NotificationRecipientKind.User, userId, null);

    /// <summary>A contact.</summary>
    /// <param name="contactId">The contact record id.</param>
    /// <returns>The recipient.</returns>
    public static NotificationRecipient Contact(Guid contactId) => new(NotificationRecipientKind.Contact, contactId, null);

    /// <summary>A raw address.</summary>
    /// <param name="address">The address.</param>
    /// <returns>The recipient.</returns>
    public static NotificationRecipient ToAddress(string address) => new(NotificationRecipientKind.Address, null, address);
}

/// <summary>A notification to send. Either <see cref="TemplateKey"/> or <see cref="Body"/> is given.</summary>
public sealed record Notification
{
    /// <summary>The channel name that resolves to the recipient's preferred channel.</summary>
    public const string PreferredChannel = "preferred";

    /// <summary>The recipient.</summary>
    public required NotificationRecipient Recipient { get; init; }

    /// <summary>A channel name (<c>email</c>, a webhook channel's name...) or <see cref="PreferredChannel"/>.</summary>
    public required string Channel { get; init; }

    /// <summary>Unique in the tenant: enqueuing the same key again returns the stored notification; channels dedupe on it.</summary>
    public required string IdempotencyKey { get; init; }

    /// <summary>A stored template to render with <see cref="Data"/>.</summary>
    public string? TemplateKey { get; init; }

    /// <summary>The subject, when no template is used.</summary>
    public string? Subject { get; init; }

    /// <summary>The body, when no template is used.</summary>
    public string? Body { get; init; }

    /// <summary>The data for the template (strings, numbers, booleans, dates, nested dictionaries and lists).</summary>
    public IReadOnlyDictionary<string, object?> Data { get; init; } = new Dictionary<string, object?>();

    /// <summary>The record the notification is about, if any.</summary>
    public Guid? RecordId { get; init; }
}

/// <summary>Where a notification is in its delivery.</summary>
public enum NotificationStatus
{
    /// <summary>Waiting to be sent (first time or retry).</summary>
    Pending,

    /// <summary>Claimed by a dispatcher that is sending it.</summary>
    Sending,

    /// <summary>The channel accepted it.</summary>
    Sent,

    /// <summary>Every attempt failed, or it cannot be delivered; <see cref="NotificationState.LastError"/> says why.</summary>
    Failed,

    /// <summary>Not sent because the recipient opted out of the channel; <see cref="NotificationState.LastError"/> gives the reason.</summary>
    Suppressed,
}

/// <summary>A stored notification and its delivery state.</summary>
/// <param name="Id">The id.</param>
/// <param name="IdempotencyKey">The idempotency key.</param>
/// <param name="Channel">The resolved channel name.</param>
/// <param name="Address">The resolved address.</param>
/// <param name="Subject">The rendered subject.</param>
/// <param name="Body">The rendered body.</param>
/// <param name="Status">The status.</param>
/// <param name="Attempts">How many delivery attempts were started.</param>
/// <param name="LastError">The last error, or the reason it was suppressed.</param>
/// <param name="NextAttemptAt">When the next attempt is due (pending).</param>
/// <param name="SentAt">When it was sent.</param>
public sealed record NotificationState(Guid Id, string IdempotencyKey, string Channel, string? Address, string? Subject, string Body, NotificationStatus Status, int Attempts, string? LastError, DateTimeOffset? NextAttemptAt, DateTimeOffset? SentAt);

/// <summary>A user's channel preferences and consent.</summary>
/// <param name="DoNotEmail">Never e-mail this user.</param>
/// <param name="DoNotCall">Never call or text this user.</param>
/// <param name="PreferredChannel">The channel used for <see cref="Notification.PreferredChannel"/>; <see langword="null"/> for the engine's default.</param>
public sealed record ChannelPreferences(bool DoNotEmail = false, bool DoNotCall = false, string? PreferredChannel = null);

/// <summary>
/// The tenant's notification outbox. A notification is stored in the transaction of the change that causes it (when
/// obtained through <see cref="IWorkServices.ForContext"/>) and delivered after commit by the dispatcher, at least once.
/// </summary>
public interface INotificationOutbox
{
    /// <summary>
    /// Stores a notification: resolves the channel and address, applies consent (an opted-out recipient gives a
    /// <see cref="NotificationStatus.Suppressed"/> row with the reason) and renders the template.
    /// </summary>
    /// <param name="notification">The notification.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The stored state (the existing one when the idempotency key was used before).</returns>
    Task<NotificationState> EnqueueAsync(Notification notification, CancellationToken cancellationToken = default);

    /// <summary>Gets a notification by idempotency key.</summary>
    /// <param name="idempotencyKey">The key.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The state, or <see langword="null"/>.</returns>
    Task<NotificationState?> GetAsync(string idempotencyKey, CancellationToken cancellationToken = default);

    /// <summary>Lists notifications, optionally of one status, oldest first.</summary>
    /// <param name="status">The status, or <see langword="null"/> for all.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The notifications.</returns>
    Task<IReadOnlyList<NotificationState>> ListAsync(NotificationStatus? status = null, CancellationToken cancellationToken = default);

    /// <summary>Sets a user's channel preferences.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="preferences">The preferences.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when saved.</returns>
    Task SetUserPreferencesAsync(Guid userId, ChannelPreferences preferences, CancellationToken cancellationToken = default);
}

/// <summary>A notification handed to a channel.</summary>
/// <param name="Id">The notification id.</param>
/// <param name="TenantId">The tenant.</param>
/// <param name="IdempotencyKey">Stays the same across retries: a channel or gateway dedupes on it.</param>
/// <param name="Channel">The channel name.</param>
/// <param name="Address">The address to deliver to.</param>
/// <param name="Subject">The subject, if any.</param>
/// <param name="Body">The body.</param>
/// <param name="Attempt">The attempt number, from 1.</param>
/// <param name="RecordId">The record it is about.</param>
public sealed record NotificationMessage(Guid Id, string TenantId, string IdempotencyKey, string Channel, string Address, string? Subject, string Body, int Attempt, Guid? RecordId);

/// <summary>A delivery channel (e-mail, webhook, in-process...), registered in the service provider as a singleton.</summary>
public interface INotificationChannel
{
    /// <summary>The channel name notifications use, e.g. <c>email</c>, <c>sms</c>.</summary>
    string Name { get; }

    /// <summary>The kind of address the channel delivers to.</summary>
    NotificationAddressKind AddressKind { get; }

    /// <summary>Delivers a message. Throwing means "not delivered": the dispatcher retries with back-off, then marks it failed.</summary>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Cancels the delivery.</param>
    /// <returns>A task that completes when the channel accepted the message.</returns>
    Task SendAsync(NotificationMessage message, CancellationToken cancellationToken);
}

/// <summary>Delivers due notifications of every tenant; the hosted dispatcher calls it in a loop, tests call it directly.</summary>
public interface INotificationDispatcher
{
    /// <summary>Claims and sends every notification due now (by the engine's <see cref="TimeProvider"/>), including stale claims.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>How many delivery attempts this call made.</returns>
    Task<int> DispatchDueAsync(CancellationToken cancellationToken = default);
}
