using Crm.Engine.Abstractions.Records;

namespace Crm.Engine.Abstractions.Customers;

/// <summary>What is needed to create an account.</summary>
/// <param name="Name">The account's name.</param>
public sealed record NewAccount(string Name)
{
    /// <summary>The parent account.</summary>
    public Guid? ParentAccountId { get; init; }

    /// <summary>The main telephone number.</summary>
    public string? Phone { get; init; }

    /// <summary>The main e-mail address.</summary>
    public string? Email { get; init; }

    /// <summary>The owning user or team, or <see langword="null"/> for the caller.</summary>
    public Guid? OwnerId { get; init; }

    /// <summary>Other system and custom field values by API name.</summary>
    public IReadOnlyDictionary<string, object?>? Fields { get; init; }
}

/// <summary>What is needed to create a contact.</summary>
/// <param name="FirstName">The first name (may be empty when only a last name is known).</param>
/// <param name="LastName">The last name.</param>
public sealed record NewContact(string? FirstName, string LastName)
{
    /// <summary>The account the contact works for.</summary>
    public Guid? AccountId { get; init; }

    /// <summary>The main e-mail address.</summary>
    public string? Email { get; init; }

    /// <summary>The business telephone number.</summary>
    public string? Phone { get; init; }

    /// <summary>The mobile telephone number.</summary>
    public string? MobilePhone { get; init; }

    /// <summary>The owning user or team, or <see langword="null"/> for the caller.</summary>
    public Guid? OwnerId { get; init; }

    /// <summary>Other system and custom field values by API name.</summary>
    public IReadOnlyDictionary<string, object?>? Fields { get; init; }
}

/// <summary>What is needed to log an activity.</summary>
/// <param name="ActivityType">One of <see cref="ActivityTypes"/>.</param>
/// <param name="Subject">The subject.</param>
/// <param name="Regarding">The record it is about (account, contact, case...).</param>
public sealed record NewActivity(string ActivityType, string Subject, RecordRef Regarding)
{
    /// <summary>The details.</summary>
    public string? Description { get; init; }

    /// <summary>When it happened or is due, or <see langword="null"/> for now.</summary>
    public DateTimeOffset? OccurredAt { get; init; }

    /// <summary>Inbound or outbound (calls and e-mails).</summary>
    public string? Direction { get; init; }

    /// <summary>Open, completed or canceled; <see langword="null"/> means completed for calls, e-mails and notes, open for tasks and meetings.</summary>
    public string? Status { get; init; }

    /// <summary>The owning user or team, or <see langword="null"/> for the caller.</summary>
    public Guid? OwnerId { get; init; }

    /// <summary>Other system and custom field values by API name.</summary>
    public IReadOnlyDictionary<string, object?>? Fields { get; init; }
}

/// <summary>Typed operations on accounts (customers). Accounts are records; <see cref="IRecordService"/> works on them too.</summary>
public interface IAccountService
{
    /// <summary>Creates an account.</summary>
    /// <param name="account">The account's details.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The account as stored.</returns>
    Task<CrmRecord> CreateAsync(NewAccount account, CancellationToken cancellationToken = default);

    /// <summary>Gets an account.</summary>
    /// <param name="id">The account id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The account, or <see langword="null"/>.</returns>
    Task<CrmRecord?> GetAsync(Guid id, CancellationToken cancellationToken = default);

    /// <summary>Lists the direct child accounts of an account, by name.</summary>
    /// <param name="parentId">The parent account.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The children.</returns>
    Task<IReadOnlyList<CrmRecord>> ListChildrenAsync(Guid parentId, CancellationToken cancellationToken = default);
}

/// <summary>Typed operations on contacts. Contacts are records; <see cref="IRecordService"/> works on them too.</summary>
public interface IContactService
{
    /// <summary>Creates a contact.</summary>
    /// <param name="contact">The contact's details.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The contact as stored.</returns>
    Task<CrmRecord> CreateAsync(NewContact contact, CancellationToken cancellationToken = default);

    /// <summary>Lists the contacts of an account, by name.</summary>
    /// <param name="accountId">The account.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The contacts.</returns>
    Task<IReadOnlyList<CrmRecord>> ListForAccountAsync(Guid accountId, CancellationToken cancellationToken = default);

    /// <summary>Finds the records (contacts and accounts) that have a telephone number, in any phone field.</summary>
    /// <param name="phoneNumber">The number, in any common notation; it is normalised before the look-up.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The matching records, contacts first.</returns>
    Task<IReadOnlyList<CrmRecord>> FindByPhoneAsync(string phoneNumber, CancellationToken cancellationToken = default);

    /// <summary>Finds the records (contacts and accounts) that have an e-mail address, in any e-mail field.</summary>
    /// <param name="email">The address (case-insensitive).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The matching records, contacts first.</returns>
    Task<IReadOnlyList<CrmRecord>> FindByEmailAsync(string email, CancellationToken cancellationToken = default);
}

/// <summary>Typed operations on activities and the customer timeline.</summary>
public interface IActivityService
{
    /// <summary>Logs an activity. Its customer (<see cref="ActivityFields.AccountId"/>) is derived from what it is about.</summary>
    /// <param name="activity">The activity's details.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The activity as stored.</returns>
    Task<CrmRecord> LogAsync(NewActivity activity, CancellationToken cancellationToken = default);

    /// <summary>Marks an activity completed.</summary>
    /// <param name="id">The activity id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The activity as stored.</returns>
    Task<CrmRecord> CompleteAsync(Guid id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads a customer's timeline: the activities about the account, its contacts and any record linked to it, newest first.
    /// </summary>
    /// <param name="accountId">The account.</param>
    /// <param name="pageSize">Activities per page.</param>
    /// <param name="continuationToken">The token of the previous page, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>One page of the timeline.</returns>
    Task<RecordPage> GetTimelineAsync(Guid accountId, int pageSize = 50, string? continuationToken = null, CancellationToken cancellationToken = default);
}
