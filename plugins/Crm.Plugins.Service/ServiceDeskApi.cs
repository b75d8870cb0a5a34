using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Work;

namespace Crm.Plugins.Service;

/// <summary>
/// The service desk's typed in-process API (a singleton in the engine's services). <see cref="ForTenant"/> gives the API of
/// one tenant for one caller (<see cref="ServiceDeskExtensions.For(IServiceDesk, ICrmTenant)"/> is the same as <see cref="ForTenant"/>): it reads
/// and writes through <see cref="ICrmTenant.Records"/>, so the caller's access rights and the audit trail apply to
/// everything it does.
/// </summary>
public interface IServiceDesk
{
    /// <summary>The service desk of a tenant, acting as the tenant's caller.</summary>
    /// <param name="tenant">The tenant's services for the caller (e.g. <c>engine.ForTenant("acme").AsUser(agentId)</c>).</param>
    /// <returns>The tenant's service desk.</returns>
    IServiceDeskTenant ForTenant(ICrmTenant tenant);
}

/// <summary>Shortcuts for <see cref="IServiceDesk"/>.</summary>
public static class ServiceDeskExtensions
{
    /// <summary>The service desk of a tenant, acting as the tenant's caller (<see cref="IServiceDesk.ForTenant"/>).</summary>
    /// <param name="desk">The service desk.</param>
    /// <param name="tenant">The tenant's services for the caller.</param>
    /// <returns>The tenant's service desk.</returns>
    public static IServiceDeskTenant For(this IServiceDesk desk, ICrmTenant tenant)
    {
        ArgumentNullException.ThrowIfNull(desk);
        return desk.ForTenant(tenant);
    }
}

/// <summary>The service desk of one tenant for one caller.</summary>
public interface IServiceDeskTenant
{
    /// <summary>The tenant's services the desk acts through.</summary>
    ICrmTenant Tenant { get; }

    /// <summary>
    /// Opens a case: status <see cref="CaseStatus.New"/>, <see cref="CaseFields.OpenedAt"/> now. The warranty status is
    /// <see cref="WarrantyStatus.InWarranty"/> when an active entitlement covers the customer (and product), else
    /// <see cref="WarrantyStatus.Unknown"/>.
    /// </summary>
    /// <param name="newCase">The case.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The case as stored.</returns>
    Task<CrmRecord> OpenCaseAsync(NewCase newCase, CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens a case about a commerce order line: customer, contact, order, product, serial number, barcode, ship date
    /// and warranty end are filled from the line and its order; the warranty status is computed against the opening
    /// date in the tenant's time zone (an active entitlement makes it <see cref="WarrantyStatus.InWarranty"/>).
    /// Values given in <paramref name="newCase"/> win over the line's.
    /// </summary>
    /// <param name="orderLineId">The order line (entity <c>orderLine</c> of Crm.Plugins.Commerce).</param>
    /// <param name="newCase">Subject, category, priority... of the case.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The case as stored.</returns>
    /// <exception cref="Crm.Engine.Abstractions.Errors.CrmNotFoundException">The order line does not exist or the caller may not read it.</exception>
    /// <exception cref="Crm.Engine.Abstractions.Errors.CrmConfigurationException">Crm.Plugins.Commerce is not installed.</exception>
    Task<CrmRecord> OpenFromOrderLineAsync(Guid orderLineId, NewCase newCase, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sets (or re-sets) a case's SLA: <see cref="CaseFields.SlaDueAt"/> = the case's opening time plus
    /// <paramref name="within"/> on the business calendar, <see cref="CaseFields.SlaState"/> on track,
    /// <see cref="CaseFields.SlaHours"/>, and durable timers for the warning and the breach (replacing earlier ones).
    /// </summary>
    /// <param name="caseId">The case.</param>
    /// <param name="within">Business time: business days or working hours.</param>
    /// <param name="warnAtPercent">When to warn, in percent of the SLA (1 to 99); <see langword="null"/> for <see cref="ServiceDeskOptions.DefaultWarnAtPercent"/>; 0 for no warning.</param>
    /// <param name="calendar">The business calendar's key; <see langword="null"/> for the tenant's default calendar.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The case as stored.</returns>
    Task<CrmRecord> SetSlaAsync(Guid caseId, BusinessDuration within, decimal? warnAtPercent = null, string? calendar = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Submits the handling plan: sets <see cref="CaseFields.Plan"/>, <see cref="CaseFields.PlanSubmitted"/> and status
    /// <see cref="CaseStatus.Planned"/>, and creates each task as a task activity regarding the case, owned by its owner.
    /// </summary>
    /// <param name="caseId">The case.</param>
    /// <param name="plan">The plan text.</param>
    /// <param name="tasks">The tasks (may be empty).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The case and the tasks created.</returns>
    Task<SubmittedPlan> SubmitPlanAsync(Guid caseId, string plan, IReadOnlyList<PlanTask> tasks, CancellationToken cancellationToken = default);

    /// <summary>The progress of a case's tasks (task activities regarding it that the caller may read).</summary>
    /// <param name="caseId">The case.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>Totals and the tasks.</returns>
    Task<CaseProgress> GetProgressAsync(Guid caseId, CancellationToken cancellationToken = default);

    /// <summary>Records the root cause of a case.</summary>
    /// <param name="caseId">The case.</param>
    /// <param name="rootCause">The root cause.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The case as stored.</returns>
    Task<CrmRecord> RecordRootCauseAsync(Guid caseId, string rootCause, CancellationToken cancellationToken = default);

    /// <summary>Proposes a preventive measure for a case (status <see cref="MeasureStatus.Proposed"/>, customer copied from the case).</summary>
    /// <param name="caseId">The case.</param>
    /// <param name="measure">The measure.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The measure as stored.</returns>
    Task<CrmRecord> ProposeMeasureAsync(Guid caseId, NewMeasure measure, CancellationToken cancellationToken = default);

    /// <summary>
    /// Approves or rejects a proposed measure. The caller must be a user holding the reviewer role
    /// (<see cref="ServiceDeskOptions.ReviewerRole"/>, default <c>salesManager</c>) for the case's customer.
    /// </summary>
    /// <param name="measureId">The measure.</param>
    /// <param name="decision">Approve or reject.</param>
    /// <param name="comment">The reviewer's comment (optional).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The measure as stored.</returns>
    Task<CrmRecord> ReviewMeasureAsync(Guid measureId, MeasureDecision decision, string? comment = null, CancellationToken cancellationToken = default);

    /// <summary>Marks an approved measure as carried out (<see cref="MeasureStatus.Implemented"/>).</summary>
    /// <param name="measureId">The measure.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The measure as stored.</returns>
    Task<CrmRecord> MarkMeasureImplementedAsync(Guid measureId, CancellationToken cancellationToken = default);

    /// <summary>Records that a measure was reported back to the customer (now).</summary>
    /// <param name="measureId">The measure.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The measure as stored.</returns>
    Task<CrmRecord> MarkFedBackAsync(Guid measureId, CancellationToken cancellationToken = default);

    /// <summary>Resolves a case: status resolved, resolution, resolvedAt; SLA met or breached; SLA timers cancelled.</summary>
    /// <param name="caseId">The case.</param>
    /// <param name="resolution">How it was resolved.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The case as stored.</returns>
    Task<CrmRecord> ResolveAsync(Guid caseId, string resolution, CancellationToken cancellationToken = default);

    /// <summary>Closes a case. A case with open tasks is refused unless <paramref name="force"/> (the open tasks are then cancelled).</summary>
    /// <param name="caseId">The case.</param>
    /// <param name="force">Close even with open tasks, cancelling them.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The case as stored.</returns>
    Task<CrmRecord> CloseAsync(Guid caseId, bool force = false, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reopens a resolved or closed case (status in progress). An SLA whose due time is still ahead is on track again
    /// and its breach timer restarts; one already passed stays breached.
    /// </summary>
    /// <param name="caseId">The case.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The case as stored.</returns>
    Task<CrmRecord> ReopenAsync(Guid caseId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Renders the tenant's template <paramref name="templateKey"/> (Liquid) with the case and everything about it
    /// (<c>case</c>, <c>customer</c>, <c>contact</c>, <c>orderLine</c>, <c>plan</c>, <c>tasks</c>, <c>rootCause</c>,
    /// <c>measures</c>, <c>articles</c>, <c>generatedAt</c>) and keeps it as a <see cref="ServiceEntities.CaseDocument"/> record.
    /// </summary>
    /// <param name="caseId">The case.</param>
    /// <param name="templateKey">The template's key.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The stored document.</returns>
    Task<CrmRecord> GenerateDocumentAsync(Guid caseId, string templateKey, CancellationToken cancellationToken = default);

    /// <summary>
    /// Suggests published knowledge articles for a case: those about the case's product and those sharing words with
    /// its subject (title, keywords, problem), best first.
    /// </summary>
    /// <param name="caseId">The case.</param>
    /// <param name="maxResults">At most this many (1 to 100).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The suggestions.</returns>
    Task<IReadOnlyList<ArticleSuggestion>> SuggestArticlesAsync(Guid caseId, int maxResults = 5, CancellationToken cancellationToken = default);

    /// <summary>Links a knowledge article to a case (once; linking again returns the existing link).</summary>
    /// <param name="caseId">The case.</param>
    /// <param name="articleId">The article.</param>
    /// <param name="note">How it helped (optional).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The link record.</returns>
    Task<CrmRecord> LinkArticleAsync(Guid caseId, Guid articleId, string? note = null, CancellationToken cancellationToken = default);

    /// <summary>The active entitlement covering a customer (and product) on a date, if any (see precedence in the module docs).</summary>
    /// <param name="accountId">The customer.</param>
    /// <param name="productId">The product, or <see langword="null"/>.</param>
    /// <param name="onDate">The date.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The entitlement, or <see langword="null"/>.</returns>
    Task<CrmRecord?> FindEntitlementAsync(Guid accountId, Guid? productId, DateOnly onDate, CancellationToken cancellationToken = default);
}

/// <summary>What is needed to open a case. Values not given are left empty (or filled from the order line).</summary>
public sealed record NewCase
{
    /// <summary>The subject (required).</summary>
    public required string Subject { get; init; }

    /// <summary>The description.</summary>
    public string? Description { get; init; }

    /// <summary>The category (<see cref="CaseCategory"/>).</summary>
    public string? Category { get; init; }

    /// <summary>The kind of complaint (<see cref="Service.ComplaintType"/>).</summary>
    public string? ComplaintType { get; init; }

    /// <summary>The priority (<see cref="CasePriority"/>).</summary>
    public string? Priority { get; init; }

    /// <summary>The channel it came through (phone, email, web, chat, storefront, other).</summary>
    public string? Origin { get; init; }

    /// <summary>The customer.</summary>
    public Guid? AccountId { get; init; }

    /// <summary>The customer's contact.</summary>
    public Guid? ContactId { get; init; }

    /// <summary>The product.</summary>
    public Guid? ProductId { get; init; }

    /// <summary>The owning user or team (the service agent); <see langword="null"/> for the caller.</summary>
    public Guid? OwnerId { get; init; }

    /// <summary>Further field values by API name (e.g. a tenant's custom fields); validated like every field.</summary>
    public IReadOnlyDictionary<string, object?>? Fields { get; init; }
}

/// <summary>A task of a handling plan. Give <see cref="DueAt"/> or <see cref="Within"/> (business time from now).</summary>
/// <param name="Subject">What is to be done.</param>
/// <param name="OwnerId">Who does it (user or team).</param>
public sealed record PlanTask(string Subject, Guid OwnerId)
{
    /// <summary>When it is due.</summary>
    public DateTimeOffset? DueAt { get; init; }

    /// <summary>When it is due as business time from now on the calendar (used when <see cref="DueAt"/> is not given).</summary>
    public BusinessDuration? Within { get; init; }

    /// <summary>The calendar for <see cref="Within"/>; <see langword="null"/> for the default calendar.</summary>
    public string? Calendar { get; init; }

    /// <summary>A description.</summary>
    public string? Description { get; init; }
}

/// <summary>The result of <see cref="IServiceDeskTenant.SubmitPlanAsync"/>.</summary>
/// <param name="Case">The case as stored.</param>
/// <param name="Tasks">The task activities created, in the order given.</param>
public sealed record SubmittedPlan(CrmRecord Case, IReadOnlyList<CrmRecord> Tasks);

/// <summary>The progress of a case's tasks.</summary>
/// <param name="CaseId">The case.</param>
/// <param name="Total">All tasks.</param>
/// <param name="Open">Tasks still open.</param>
/// <param name="Completed">Tasks completed.</param>
/// <param name="Overdue">Open tasks past their due time.</param>
/// <param name="Tasks">The tasks, by due time.</param>
public sealed record CaseProgress(Guid CaseId, int Total, int Open, int Completed, int Overdue, IReadOnlyList<CrmRecord> Tasks);

/// <summary>A preventive measure to propose.</summary>
/// <param name="Description">What is to be done (required).</param>
public sealed record NewMeasure(string Description)
{
    /// <summary>
    /// The responsible user or team, who owns the measure record; <see langword="null"/> for the caller (for the
    /// system context: the case's owner).
    /// </summary>
    public Guid? OwnerId { get; init; }

    /// <summary>When it is to be done.</summary>
    public DateOnly? DueDate { get; init; }
}

/// <summary>A reviewer's decision on a preventive measure.</summary>
public enum MeasureDecision
{
    /// <summary>Approve the measure.</summary>
    Approve = 0,

    /// <summary>Reject the measure.</summary>
    Reject = 1,
}

/// <summary>A knowledge article suggested for a case.</summary>
/// <param name="Article">The article.</param>
/// <param name="Score">How well it matches (product match 10, each shared word 1).</param>
/// <param name="MatchedWords">The subject's words found in the article.</param>
public sealed record ArticleSuggestion(CrmRecord Article, int Score, IReadOnlyList<string> MatchedWords);

/// <summary>Settings of the service desk, for every tenant of the engine (register your own instance to change them).</summary>
public sealed class ServiceDeskOptions
{
    /// <summary>The job role notified with the case owner when a case's task is completed.</summary>
    public string ServiceManagerRole { get; set; } = "serviceManager";

    /// <summary>The job role that reviews preventive measures for the case's customer.</summary>
    public string ReviewerRole { get; set; } = "salesManager";

    /// <summary>The notification template used when a case's task is completed (a module default text when the tenant has none).</summary>
    public string TaskCompletedTemplate { get; set; } = "service.taskCompleted";

    /// <summary>The warning point of an SLA in percent, when none is given (0: no warning).</summary>
    public decimal DefaultWarnAtPercent { get; set; } = 75m;
}
