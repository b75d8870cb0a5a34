using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Work;

namespace Crm.Plugins.CallCenter;

/// <summary>
/// The call center's typed API (a singleton in the engine's services). Every operation acts through a tenant's
/// <see cref="ICrmTenant"/>, so the caller's access control and audit apply.
/// </summary>
public interface ICallCenter
{
    /// <summary>The call center of one tenant, acting as the tenant's caller.</summary>
    /// <param name="tenant">The caller's view of the tenant (a user, or the system context for integrations).</param>
    /// <returns>The tenant's call center.</returns>
    ICallCenterTenant ForTenant(ICrmTenant tenant);

    /// <summary>
    /// Where telephony adapters report call events (<see cref="ITelephonyAdapter"/>). Events are handled in the event's
    /// tenant as the system context with the source name <c>telephony:&lt;adapter&gt;</c>.
    /// </summary>
    ITelephonyEventSink Telephony { get; }

    /// <summary>Connects a telephony adapter: it reports its call events to <see cref="Telephony"/> from then on.</summary>
    /// <param name="adapter">The adapter.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the adapter is connected.</returns>
    Task ConnectAsync(ITelephonyAdapter adapter, CancellationToken cancellationToken = default);
}

/// <summary>The call center of one tenant for one caller.</summary>
public interface ICallCenterTenant
{
    /// <summary>
    /// Receives an inbound call: identifies the caller by number (<see cref="Crm.Engine.Abstractions.Customers.IContactService.FindByPhoneAsync"/>),
    /// creates the call record (status <see cref="CallStatus.Ringing"/>; the tenant's rule packs run on it and may route
    /// it), routes it when <see cref="InboundCall.Queue"/> is given, and returns the screen pop as this caller may see it.
    /// </summary>
    /// <param name="inboundCall">The call.</param>
    /// <param name="options">How much the pop shows; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The screen pop.</returns>
    /// <exception cref="Crm.Engine.Abstractions.Errors.CrmValidationException">The number is not a telephone number, or a queue does not exist.</exception>
    Task<ScreenPop> ReceiveInboundAsync(InboundCall inboundCall, ScreenPopOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// The screen pop of an existing call as this caller may see it (e.g. for the agent who answers): customer and contact,
    /// their recent orders with lines, open cases and last interactions. What the caller may not read is left out.
    /// </summary>
    /// <param name="callId">The call.</param>
    /// <param name="options">How much the pop shows; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The screen pop.</returns>
    /// <exception cref="Crm.Engine.Abstractions.Errors.CrmNotFoundException">The call does not exist or the caller may not read it.</exception>
    Task<ScreenPop> GetScreenPopAsync(Guid callId, ScreenPopOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Finds a call by the telephony system's id.</summary>
    /// <param name="externalCallId">The external call id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The call, or <see langword="null"/>.</returns>
    Task<CrmRecord?> FindByExternalIdAsync(string externalCallId, CancellationToken cancellationToken = default);

    /// <summary>
    /// An agent answered a ringing or queued call: sets the agent, the answer time and the wait in seconds. When the
    /// system context (e.g. the telephony) reports the answer of a call without owner and the agent is an active CRM user,
    /// the call is assigned to that user.
    /// </summary>
    /// <param name="callId">The call.</param>
    /// <param name="agentUserId">Who answered: the CRM user id (so reports can match queue members), or the telephony system's agent id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The call as stored.</returns>
    /// <exception cref="Crm.Engine.Abstractions.Errors.CrmValidationException">The call was already answered or ended, or no agent was given.</exception>
    Task<CrmRecord> AnswerAsync(Guid callId, string agentUserId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Ends an answered call: sets the end time and talk seconds, the outcome, completes its queue item and, when the
    /// customer is identified, logs a call activity on the customer's timeline.
    /// </summary>
    /// <param name="callId">The call.</param>
    /// <param name="resolved">Whether the matter was resolved in the call (first-call resolution), if known.</param>
    /// <param name="satisfaction">The caller's rating, 1 to 5, if given.</param>
    /// <param name="notes">Notes, if any.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The call as stored.</returns>
    /// <exception cref="Crm.Engine.Abstractions.Errors.CrmValidationException">The call is not answered, or the rating is not 1 to 5.</exception>
    Task<CrmRecord> EndAsync(Guid callId, bool? resolved = null, int? satisfaction = null, string? notes = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// The caller hung up before anyone answered: sets the end time and the wait, completes its queue item and, when the
    /// customer is identified, logs a missed call on the customer's timeline.
    /// </summary>
    /// <param name="callId">The call.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The call as stored.</returns>
    /// <exception cref="Crm.Engine.Abstractions.Errors.CrmValidationException">The call was already answered or ended.</exception>
    Task<CrmRecord> AbandonAsync(Guid callId, CancellationToken cancellationToken = default);

    /// <summary>Links the call to a case (e.g. the complaint the agent opened during the call).</summary>
    /// <param name="callId">The call.</param>
    /// <param name="caseId">The case (a record of the service module).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The call as stored.</returns>
    Task<CrmRecord> LinkCaseAsync(Guid callId, Guid caseId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Routes a call to a core work queue (the queue's strategy picks the agent): records the queue, skill, language and
    /// queue item on the call and sets it <see cref="CallStatus.Queued"/>. A call already in another queue is
    /// transferred (its previous queue item is completed). For hosts without rule packs; packs use <c>assignToQueue</c>
    /// or this module's <c>routeCall</c> action.
    /// </summary>
    /// <param name="callId">The call.</param>
    /// <param name="queueName">The queue's name.</param>
    /// <param name="skill">A skill the agent needs.</param>
    /// <param name="language">A language the agent needs.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The queue item (still waiting when no member is eligible).</returns>
    /// <exception cref="Crm.Engine.Abstractions.Errors.CrmValidationException">The queue does not exist, or the call has ended.</exception>
    Task<QueueItem> RouteAsync(Guid callId, string queueName, string? skill = null, string? language = null, CancellationToken cancellationToken = default);

    /// <summary>Call statistics of the inbound calls received in a period, over the calls this caller may read.</summary>
    /// <param name="periodStart">The start (inclusive).</param>
    /// <param name="periodEnd">The end (exclusive).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The statistics, with one line per agent.</returns>
    /// <exception cref="Crm.Engine.Abstractions.Errors.CrmValidationException"><paramref name="periodEnd"/> is not after <paramref name="periodStart"/>.</exception>
    Task<CallStatistics> StatisticsAsync(DateTimeOffset periodStart, DateTimeOffset periodEnd, CancellationToken cancellationToken = default);

    /// <summary>
    /// Builds an outbound call list from contacts, in the order given. Contacts that cannot be called are not put on the
    /// list and are reported in <see cref="CallListBuildResult.Skipped"/> with the reason: asked not to be called
    /// (<c>doNotCall</c>), no telephone number, not found (or not readable by the caller), or given twice.
    /// </summary>
    /// <param name="list">The list's details.</param>
    /// <param name="contactIds">The contacts to call.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The list, its items and the skipped contacts.</returns>
    Task<CallListBuildResult> BuildCallListAsync(NewCallList list, IReadOnlyList<Guid> contactIds, CancellationToken cancellationToken = default);

    /// <summary>
    /// Hands the next pending item of a call list to an agent (lowest position first): the item becomes
    /// <see cref="CallListItemStatus.InProgress"/>, its attempts go up, and an outbound call record is created. A contact
    /// who asked not to be called since the list was built is skipped (status <see cref="CallListItemStatus.Skipped"/>).
    /// </summary>
    /// <param name="callListId">The call list.</param>
    /// <param name="agentUserId">The agent who calls.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The item and its call, or <see langword="null"/> when nothing is left to call.</returns>
    Task<CallListAssignment?> NextCallAsync(Guid callListId, string agentUserId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records the outcome of an item's call (<see cref="CallOutcome"/>) and ends the call if still open. Reached ends
    /// the item (done); wrong number fails it; do-not-call ends it and sets the contact's <c>doNotCall</c>; the others
    /// put it back to pending until the list's maximum attempts are used up (then failed).
    /// </summary>
    /// <param name="callListItemId">The item.</param>
    /// <param name="outcome">One of <see cref="CallOutcome"/>.</param>
    /// <param name="notes">Notes, if any.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The item as stored.</returns>
    /// <exception cref="Crm.Engine.Abstractions.Errors.CrmValidationException">The outcome is unknown or the item is not in progress.</exception>
    Task<CrmRecord> RecordOutcomeAsync(Guid callListItemId, string outcome, string? notes = null, CancellationToken cancellationToken = default);
}

/// <summary>An inbound call as the telephony system reports it.</summary>
/// <param name="FromNumber">The calling number in any notation, or <see langword="null"/> when withheld.</param>
/// <param name="ToNumber">The number dialled (the hotline's line), if known.</param>
public sealed record InboundCall(string? FromNumber, string? ToNumber)
{
    /// <summary>The telephony system's id of the call (calls are found by it later; a repeated id returns the same call).</summary>
    public string? ExternalCallId { get; init; }

    /// <summary>The adapter reporting the call (e.g. <c>simulated</c>, <c>twilio</c>).</summary>
    public string? Adapter { get; init; }

    /// <summary>A queue to route the call to at once (after the rule packs ran), or <see langword="null"/>.</summary>
    public string? Queue { get; init; }

    /// <summary>A skill the agent needs, with <see cref="Queue"/>.</summary>
    public string? Skill { get; init; }

    /// <summary>A language the agent needs, with <see cref="Queue"/>.</summary>
    public string? Language { get; init; }
}

/// <summary>How much a screen pop shows.</summary>
public sealed record ScreenPopOptions
{
    /// <summary>The defaults: 5 orders, 10 open cases, 10 interactions.</summary>
    public static ScreenPopOptions Default { get; } = new();

    /// <summary>How many of the customer's most recent orders (newest order date first); 0 for none.</summary>
    public int RecentOrders { get; init; } = 5;

    /// <summary>How many open cases (those with an SLA due date first, soonest due first; then the newest); 0 for none.</summary>
    public int OpenCases { get; init; } = 10;

    /// <summary>How many of the last interactions of the customer's timeline (newest first); 0 for none.</summary>
    public int LastInteractions { get; init; } = 10;
}

/// <summary>A record that has the caller's number.</summary>
/// <param name="EntityType"><c>contact</c> or <c>account</c>.</param>
/// <param name="Id">The record id.</param>
/// <param name="Name">Its name.</param>
/// <param name="AccountId">The account: the contact's account, or the account itself.</param>
public sealed record CallerMatch(string EntityType, Guid Id, string? Name, Guid? AccountId);

/// <summary>A line of an order in a screen pop.</summary>
/// <param name="Id">The order line id.</param>
/// <param name="LineNumber">The line number.</param>
/// <param name="ProductId">The product.</param>
/// <param name="ProductName">The product's name as ordered.</param>
/// <param name="Sku">The SKU as ordered.</param>
/// <param name="SerialNumber">The shipped item's serial number.</param>
/// <param name="Barcode">The shipped item's barcode.</param>
/// <param name="ShipDate">When it shipped.</param>
/// <param name="WarrantyUntil">End of the warranty.</param>
public sealed record PopOrderLine(Guid Id, decimal? LineNumber, Guid? ProductId, string? ProductName, string? Sku, string? SerialNumber, string? Barcode, DateOnly? ShipDate, DateOnly? WarrantyUntil);

/// <summary>An order in a screen pop.</summary>
/// <param name="Id">The order id.</param>
/// <param name="OrderNumber">The order number.</param>
/// <param name="OrderDate">When it was placed.</param>
/// <param name="Status">Its status.</param>
/// <param name="TotalAmount">The total amount.</param>
/// <param name="Lines">Its lines, by line number.</param>
public sealed record PopOrder(Guid Id, string? OrderNumber, DateTimeOffset? OrderDate, string? Status, decimal? TotalAmount, IReadOnlyList<PopOrderLine> Lines);

/// <summary>An open case in a screen pop.</summary>
/// <param name="Id">The case id.</param>
/// <param name="CaseNumber">The case number.</param>
/// <param name="Subject">The subject.</param>
/// <param name="Priority">The priority.</param>
/// <param name="Status">The status.</param>
/// <param name="SlaDueAt">When the SLA is due.</param>
public sealed record PopCase(Guid Id, string? CaseNumber, string? Subject, string? Priority, string? Status, DateTimeOffset? SlaDueAt);

/// <summary>What an agent sees when a call comes in.</summary>
public sealed record ScreenPop
{
    /// <summary>The call record.</summary>
    public required Guid CallId { get; init; }

    /// <summary>The customer's number: the calling number of an inbound call (<see langword="null"/> when withheld), the number dialled of an outbound one.</summary>
    public string? Number { get; init; }

    /// <summary>The call's status (<see cref="CallStatus"/>) when the pop was made.</summary>
    public required string Status { get; init; }

    /// <summary>The queue the call was routed to, if any.</summary>
    public string? Queue { get; init; }

    /// <summary>Every contact and account with the caller's number that the caller may read (core ranking order).</summary>
    public IReadOnlyList<CallerMatch> Matches { get; init; } = [];

    /// <summary>The match chosen (see the module's documentation for the rule), or <see langword="null"/> for an unknown caller.</summary>
    public CallerMatch? BestMatch { get; init; }

    /// <summary>Whether the caller was identified (the pop has a customer or a contact).</summary>
    public bool IsKnownCaller => Account is not null || Contact is not null;

    /// <summary>The customer (account), if identified and readable.</summary>
    public CrmRecord? Account { get; init; }

    /// <summary>The contact, if identified and readable.</summary>
    public CrmRecord? Contact { get; init; }

    /// <summary>The customer's most recent orders, newest order date first, with their lines.</summary>
    public IReadOnlyList<PopOrder> RecentOrders { get; init; } = [];

    /// <summary>The customer's open cases (not resolved, closed or cancelled): those with an SLA due date first, soonest due first; then the others, newest first.</summary>
    public IReadOnlyList<PopCase> OpenCases { get; init; } = [];

    /// <summary>The last interactions of the customer's timeline (activities), newest first.</summary>
    public IReadOnlyList<CrmRecord> LastInteractions { get; init; } = [];
}

/// <summary>One agent's line of the call statistics.</summary>
/// <param name="AgentUserId">The agent.</param>
/// <param name="Calls">Calls the agent answered.</param>
/// <param name="TalkSeconds">Total talk time in seconds.</param>
/// <param name="Resolved">Calls resolved in the call.</param>
/// <param name="AverageTalkSeconds">Average talk time of the agent's ended calls, or <see langword="null"/>.</param>
/// <param name="AverageSatisfaction">Average rating of the agent's rated calls, or <see langword="null"/>.</param>
public sealed record AgentCallStatistics(string AgentUserId, int Calls, decimal TalkSeconds, int Resolved, decimal? AverageTalkSeconds, decimal? AverageSatisfaction);

/// <summary>Call statistics of the inbound calls received in a period.</summary>
public sealed record CallStatistics
{
    /// <summary>The start of the period (inclusive).</summary>
    public required DateTimeOffset From { get; init; }

    /// <summary>The end of the period (exclusive).</summary>
    public required DateTimeOffset To { get; init; }

    /// <summary>Inbound calls received in the period.</summary>
    public int Offered { get; init; }

    /// <summary>Calls answered by an agent.</summary>
    public int Answered { get; init; }

    /// <summary>Calls the caller hung up before an answer.</summary>
    public int Abandoned { get; init; }

    /// <summary>Calls still ringing or queued.</summary>
    public int Waiting { get; init; }

    /// <summary>Abandoned ÷ offered (0 to 1), or <see langword="null"/> without calls.</summary>
    public decimal? AbandonRate { get; init; }

    /// <summary>Average seconds from ringing to answer over the answered calls (average speed of answer).</summary>
    public decimal? AverageSpeedOfAnswerSeconds { get; init; }

    /// <summary>Average talk seconds over the ended calls.</summary>
    public decimal? AverageTalkSeconds { get; init; }

    /// <summary>Resolved ÷ ended calls (0 to 1): first-call resolution rate.</summary>
    public decimal? FirstCallResolutionRate { get; init; }

    /// <summary>Average rating (1 to 5) over the rated calls.</summary>
    public decimal? AverageSatisfaction { get; init; }

    /// <summary>One line per agent who answered calls, by agent.</summary>
    public IReadOnlyList<AgentCallStatistics> Agents { get; init; } = [];
}

/// <summary>The details of a new call list.</summary>
/// <param name="Name">The list's name.</param>
public sealed record NewCallList(string Name)
{
    /// <summary>The campaign it belongs to.</summary>
    public string? Campaign { get; init; }

    /// <summary>The line the calls are made from.</summary>
    public string? CallerLine { get; init; }

    /// <summary>How often a contact is tried (1 to 20; default 3).</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>A description.</summary>
    public string? Description { get; init; }
}

/// <summary>Why a contact was not put on a call list (values of <see cref="SkippedContact.Reason"/>).</summary>
public static class SkipReason
{
    /// <summary>The contact asked not to be called (<c>doNotCall</c>).</summary>
    public const string DoNotCall = "doNotCall";

    /// <summary>The contact has no telephone number.</summary>
    public const string NoPhoneNumber = "noPhoneNumber";

    /// <summary>No such contact, or the caller may not read it.</summary>
    public const string NotFound = "notFound";

    /// <summary>The contact was given more than once.</summary>
    public const string Duplicate = "duplicate";
}

/// <summary>A contact not put on a call list.</summary>
/// <param name="ContactId">The contact.</param>
/// <param name="Reason">One of <see cref="SkipReason"/>.</param>
/// <param name="Message">The reason in words.</param>
public sealed record SkippedContact(Guid ContactId, string Reason, string Message);

/// <summary>What <see cref="ICallCenterTenant.BuildCallListAsync"/> made.</summary>
/// <param name="CallList">The call list record.</param>
/// <param name="Items">Its items, in order.</param>
/// <param name="Skipped">The contacts not put on it, with the reason.</param>
public sealed record CallListBuildResult(CrmRecord CallList, IReadOnlyList<CrmRecord> Items, IReadOnlyList<SkippedContact> Skipped);

/// <summary>The next call of a call list, handed to an agent.</summary>
/// <param name="Item">The call list item (in progress).</param>
/// <param name="Call">The outbound call record (ringing).</param>
public sealed record CallListAssignment(CrmRecord Item, CrmRecord Call);
