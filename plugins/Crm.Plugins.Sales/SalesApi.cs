using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Records;

namespace Crm.Plugins.Sales;

/// <summary>The sales module's typed API (a singleton): get a tenant's view with <see cref="ForTenant"/> (or <see cref="SalesExtensions.For"/>).</summary>
public interface ISales
{
    /// <summary>The sales API of a tenant, acting as the tenant's caller (their access control and audit apply).</summary>
    /// <param name="tenant">The caller's view of the tenant.</param>
    /// <returns>The tenant's sales API.</returns>
    ISalesTenant ForTenant(ICrmTenant tenant);
}

/// <summary>Shortcuts for <see cref="ISales"/>.</summary>
public static class SalesExtensions
{
    /// <summary>The sales API of a tenant, acting as the tenant's caller: <c>sales.For(tenant)</c>.</summary>
    /// <param name="sales">The sales module.</param>
    /// <param name="tenant">The caller's view of the tenant.</param>
    /// <returns>The tenant's sales API.</returns>
    public static ISalesTenant For(this ISales sales, ICrmTenant tenant)
    {
        ArgumentNullException.ThrowIfNull(sales);
        return sales.ForTenant(tenant);
    }
}

/// <summary>Leads, opportunities, pipeline and forecast of one tenant, for one caller.</summary>
public interface ISalesTenant
{
    /// <summary>
    /// Captures a lead from the API, an import or a web form: maps form fields, checks for duplicates among leads,
    /// contacts and accounts, applies the assignment rules (unless an owner is given) and creates the lead.
    /// </summary>
    /// <param name="capture">What was captured.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The lead, the duplicates found, the rule that assigned it and the form fields that mapped to no field.</returns>
    /// <exception cref="Crm.Engine.Abstractions.Errors.CrmValidationException">
    /// A value is invalid, or duplicates were found and <see cref="LeadCapture.RejectDuplicates"/> was set (one error per match, naming the field that matched).
    /// </exception>
    Task<LeadCaptureResult> CaptureLeadAsync(LeadCapture capture, CancellationToken cancellationToken = default);

    /// <summary>Finds leads, contacts and accounts with the same e-mail, normalised phone or company name (only records the caller may read).</summary>
    /// <param name="email">The e-mail address, or <see langword="null"/>.</param>
    /// <param name="phone">The phone number in any notation, or <see langword="null"/>.</param>
    /// <param name="company">The company name, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The matches, each with the reasons it matched.</returns>
    Task<IReadOnlyList<DuplicateMatch>> FindDuplicatesAsync(string? email, string? phone, string? company, CancellationToken cancellationToken = default);

    /// <summary>Replaces the tenant's lead assignment rules (needs the Customize privilege). Field names are checked against the lead's metadata.</summary>
    /// <param name="rules">The rules, in order (the first that matches wins).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the rules are stored.</returns>
    /// <exception cref="Crm.Engine.Abstractions.Errors.CrmValidationException">A rule is invalid; the error names the rule and the field.</exception>
    Task SetAssignmentRulesAsync(IReadOnlyList<LeadAssignmentRule> rules, CancellationToken cancellationToken = default);

    /// <summary>The tenant's lead assignment rules, in order.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The rules.</returns>
    Task<IReadOnlyList<LeadAssignmentRule>> GetAssignmentRulesAsync(CancellationToken cancellationToken = default);

    /// <summary>Applies the assignment rules to an existing lead: the first matching rule gives it to its user or routes it to its queue.</summary>
    /// <param name="leadId">The lead.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>What was done (no rule matched: <see cref="LeadAssignment.Rule"/> is <see langword="null"/>).</returns>
    Task<LeadAssignment> AssignLeadAsync(Guid leadId, CancellationToken cancellationToken = default);

    /// <summary>Moves a lead to another status (new, working, qualified, disqualified); conversion is <see cref="ConvertLeadAsync"/>.</summary>
    /// <param name="leadId">The lead.</param>
    /// <param name="status">The new status (<see cref="LeadStatus"/>).</param>
    /// <param name="reason">The reason (required to disqualify).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The lead as stored.</returns>
    /// <exception cref="Crm.Engine.Abstractions.Errors.CrmValidationException">The transition is not allowed or the reason is missing.</exception>
    Task<CrmRecord> SetLeadStatusAsync(Guid leadId, string status, string? reason = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Converts a qualified lead into an account (an existing one or a new one from the company), a contact and
    /// optionally an opportunity, links them on the lead and sets it converted, all in one transaction.
    /// </summary>
    /// <param name="leadId">The lead.</param>
    /// <param name="options">What to create, or <see langword="null"/> for a new account and contact and an opportunity.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The ids of the records the lead became.</returns>
    Task<LeadConversionResult> ConvertLeadAsync(Guid leadId, LeadConversionOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>The tenant's opportunity stages, in order (the defaults until configured).</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The stages.</returns>
    Task<IReadOnlyList<SalesStage>> GetStagesAsync(CancellationToken cancellationToken = default);

    /// <summary>Replaces the tenant's opportunity stages (needs the Customize privilege).</summary>
    /// <param name="stages">The stages in order: at least one open, exactly one won and at least one lost stage.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the stages are stored.</returns>
    Task SetStagesAsync(IReadOnlyList<SalesStage> stages, CancellationToken cancellationToken = default);

    /// <summary>Moves an opportunity to an open stage (probability and forecast category follow the stage unless given).</summary>
    /// <param name="opportunityId">The opportunity.</param>
    /// <param name="stage">The stage's name.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The opportunity as stored.</returns>
    Task<CrmRecord> SetStageAsync(Guid opportunityId, string stage, CancellationToken cancellationToken = default);

    /// <summary>Marks an opportunity won (the won stage, probability 100, closed) with a reason.</summary>
    /// <param name="opportunityId">The opportunity.</param>
    /// <param name="reason">Why it was won (required).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The opportunity as stored.</returns>
    Task<CrmRecord> WinAsync(Guid opportunityId, string reason, CancellationToken cancellationToken = default);

    /// <summary>Marks an opportunity lost (the first lost stage) with a reason.</summary>
    /// <param name="opportunityId">The opportunity.</param>
    /// <param name="reason">Why it was lost (required).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The opportunity as stored.</returns>
    Task<CrmRecord> LoseAsync(Guid opportunityId, string reason, CancellationToken cancellationToken = default);

    /// <summary>Adds a product line; the opportunity's amount becomes the sum of its lines.</summary>
    /// <param name="opportunityId">The opportunity.</param>
    /// <param name="line">The line.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The line as stored.</returns>
    Task<CrmRecord> AddLineAsync(Guid opportunityId, OpportunityLineInput line, CancellationToken cancellationToken = default);

    /// <summary>Records a contact's role in an opportunity.</summary>
    /// <param name="opportunityId">The opportunity.</param>
    /// <param name="contactId">The contact.</param>
    /// <param name="role">The role (<see cref="ContactRoles"/>).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The contact role as stored.</returns>
    Task<CrmRecord> AddContactRoleAsync(Guid opportunityId, Guid contactId, string role, CancellationToken cancellationToken = default);

    /// <summary>Open opportunities (the caller may read) by stage: count, amount and weighted amount.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>One row per stage, in stage order.</returns>
    Task<IReadOnlyList<PipelineStageRow>> PipelineAsync(CancellationToken cancellationToken = default);

    /// <summary>The forecast of a quarter (opportunities closing in it): per forecast category, weighted, per owner with quota and attainment.</summary>
    /// <param name="year">The year.</param>
    /// <param name="quarter">The quarter, 1 to 4.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The forecast.</returns>
    Task<SalesForecast> ForecastAsync(int year, int quarter, CancellationToken cancellationToken = default);

    /// <summary>Sets a user's (optionally a territory's) quota for a quarter, replacing an earlier one (needs the Customize privilege).</summary>
    /// <param name="userId">The user.</param>
    /// <param name="year">The year.</param>
    /// <param name="quarter">The quarter, 1 to 4.</param>
    /// <param name="amount">The target amount.</param>
    /// <param name="territory">The territory, or <see langword="null"/> for the user's overall quota.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The quota record as stored.</returns>
    Task<CrmRecord> SetQuotaAsync(Guid userId, int year, int quarter, decimal amount, string? territory = null, CancellationToken cancellationToken = default);
}

/// <summary>Where a captured lead came in.</summary>
public enum LeadOrigin
{
    /// <summary>The in-process API (default source <c>api</c>).</summary>
    Api = 0,

    /// <summary>An import (default source <c>import</c>).</summary>
    Import = 1,

    /// <summary>A web form (default source <c>web</c>).</summary>
    WebForm = 2,
}

/// <summary>A lead to capture.</summary>
public sealed record LeadCapture
{
    /// <summary>Where it came in; gives the default <see cref="Source"/>.</summary>
    public LeadOrigin Origin { get; init; }

    /// <summary>Lead field values by API name (exact names, as for the record API).</summary>
    public IReadOnlyDictionary<string, object?> Values { get; init; } = new Dictionary<string, object?>();

    /// <summary>
    /// A web form's fields by their form names, mapped case-insensitively to lead fields (see docs/modules/sales.md);
    /// fields that map to nothing are kept in <see cref="LeadFields.FormData"/> and listed in the result.
    /// </summary>
    public IReadOnlyDictionary<string, string?> FormFields { get; init; } = new Dictionary<string, string?>();

    /// <summary>The source (web, import, referral...); defaults from <see cref="Origin"/>.</summary>
    public string? Source { get; init; }

    /// <summary>The channel within the source.</summary>
    public string? Channel { get; init; }

    /// <summary>The campaign's name as text.</summary>
    public string? CampaignName { get; init; }

    /// <summary>The owner; when given, the assignment rules are not applied.</summary>
    public Guid? OwnerId { get; init; }

    /// <summary>Refuse to create the lead when duplicates are found (default: create it and flag it).</summary>
    public bool RejectDuplicates { get; init; }
}

/// <summary>Why a record was reported as a possible duplicate.</summary>
public enum DuplicateReason
{
    /// <summary>Same e-mail address (ignoring case).</summary>
    Email = 0,

    /// <summary>Same phone number once normalised.</summary>
    Phone = 1,

    /// <summary>Same company name (ignoring case and surrounding spaces).</summary>
    Company = 2,
}

/// <summary>A record that may be the same person or company as a lead.</summary>
/// <param name="Record">The lead, contact or account.</param>
/// <param name="Name">Its name.</param>
/// <param name="Reasons">What matched.</param>
public sealed record DuplicateMatch(RecordRef Record, string? Name, IReadOnlyList<DuplicateReason> Reasons);

/// <summary>The outcome of a capture.</summary>
/// <param name="Lead">The lead as stored.</param>
/// <param name="Duplicates">The possible duplicates found.</param>
/// <param name="Assignment">The assignment the rules made (an empty one when no rule matched or an owner was given).</param>
/// <param name="UnmappedFormFields">Form fields that map to no lead field (kept in <see cref="LeadFields.FormData"/>).</param>
public sealed record LeadCaptureResult(CrmRecord Lead, IReadOnlyList<DuplicateMatch> Duplicates, LeadAssignment Assignment, IReadOnlyList<string> UnmappedFormFields);

/// <summary>How an assignment rule compares a lead field.</summary>
public enum AssignmentOperator
{
    /// <summary>Equal to the one value (ignoring case).</summary>
    EqualTo = 0,

    /// <summary>Equal to one of the values (ignoring case).</summary>
    In = 1,

    /// <summary>Contains the one value (ignoring case).</summary>
    Contains = 2,

    /// <summary>Has no value (or only spaces).</summary>
    IsEmpty = 3,
}

/// <summary>One condition of an assignment rule.</summary>
/// <param name="Field">A lead field's API name (system or custom).</param>
/// <param name="Operator">The comparison.</param>
/// <param name="Values">The value(s) compared with: one for equals and contains, one or more for in, none for isEmpty.</param>
public sealed record AssignmentCondition(string Field, AssignmentOperator Operator, IReadOnlyList<string> Values)
{
    /// <summary>The field equals the value.</summary>
    /// <param name="field">The field.</param>
    /// <param name="value">The value.</param>
    /// <returns>The condition.</returns>
    public static AssignmentCondition EqualTo(string field, string value) => new(field, AssignmentOperator.EqualTo, [value]);

    /// <summary>The field equals one of the values.</summary>
    /// <param name="field">The field.</param>
    /// <param name="values">The values.</param>
    /// <returns>The condition.</returns>
    public static AssignmentCondition In(string field, params IReadOnlyList<string> values) => new(field, AssignmentOperator.In, values);

    /// <summary>The field contains the text.</summary>
    /// <param name="field">The field.</param>
    /// <param name="text">The text.</param>
    /// <returns>The condition.</returns>
    public static AssignmentCondition Contains(string field, string text) => new(field, AssignmentOperator.Contains, [text]);

    /// <summary>The field is empty.</summary>
    /// <param name="field">The field.</param>
    /// <returns>The condition.</returns>
    public static AssignmentCondition IsEmpty(string field) => new(field, AssignmentOperator.IsEmpty, []);
}

/// <summary>A lead assignment rule: when every condition holds (none: always), the lead goes to the user or the queue.</summary>
/// <param name="Name">The rule's name, unique among the tenant's rules; recorded on the leads it assigns.</param>
/// <param name="Conditions">The conditions, combined with AND.</param>
/// <param name="UserId">The user who gets the lead (its new owner); exactly one of this and <paramref name="Queue"/>.</param>
/// <param name="Queue">The core work queue the lead is routed to (by name).</param>
public sealed record LeadAssignmentRule(string Name, IReadOnlyList<AssignmentCondition> Conditions, Guid? UserId = null, string? Queue = null);

/// <summary>What the assignment rules did with a lead.</summary>
/// <param name="Rule">The rule that matched, or <see langword="null"/>.</param>
/// <param name="UserId">The user the lead was given to.</param>
/// <param name="Queue">The queue the lead was routed to.</param>
public sealed record LeadAssignment(string? Rule, Guid? UserId, string? Queue)
{
    /// <summary>No rule matched.</summary>
    public static LeadAssignment None { get; } = new(null, null, null);
}

/// <summary>How to convert a lead.</summary>
public sealed record LeadConversionOptions
{
    /// <summary>An existing account to use; <see langword="null"/> creates one from the lead's company.</summary>
    public Guid? AccountId { get; init; }

    /// <summary>Whether to create an opportunity (default yes).</summary>
    public bool CreateOpportunity { get; init; } = true;

    /// <summary>The opportunity's name; default "company - last name".</summary>
    public string? OpportunityName { get; init; }

    /// <summary>The opportunity's amount.</summary>
    public decimal? Amount { get; init; }

    /// <summary>The opportunity's expected close date.</summary>
    public DateOnly? CloseDate { get; init; }
}

/// <summary>What a lead became.</summary>
/// <param name="Lead">The lead as stored (status converted).</param>
/// <param name="AccountId">The account.</param>
/// <param name="ContactId">The contact.</param>
/// <param name="OpportunityId">The opportunity, if one was created.</param>
/// <param name="AccountCreated">Whether the account was created (false: an existing one was used).</param>
public sealed record LeadConversionResult(CrmRecord Lead, Guid AccountId, Guid ContactId, Guid? OpportunityId, bool AccountCreated);

/// <summary>What an opportunity stage is for.</summary>
public enum StageOutcome
{
    /// <summary>An open stage.</summary>
    Open = 0,

    /// <summary>The stage of won opportunities.</summary>
    Won = 1,

    /// <summary>A stage of lost opportunities.</summary>
    Lost = 2,
}

/// <summary>An opportunity stage of a tenant.</summary>
/// <param name="Name">The stage's name, stored in <see cref="OpportunityFields.Stage"/>.</param>
/// <param name="Probability">The probability in percent it sets (0 to 100).</param>
/// <param name="ForecastCategory">The forecast category it sets (<see cref="ForecastCategories"/>).</param>
/// <param name="Outcome">Open, won or lost.</param>
public sealed record SalesStage(string Name, decimal Probability, string ForecastCategory, StageOutcome Outcome = StageOutcome.Open)
{
    /// <summary>The stages a tenant starts with.</summary>
    public static IReadOnlyList<SalesStage> Defaults { get; } =
    [
        new("prospecting", 10, ForecastCategories.Pipeline),
        new("qualification", 20, ForecastCategories.Pipeline),
        new("proposal", 50, ForecastCategories.BestCase),
        new("negotiation", 75, ForecastCategories.Commit),
        new("closedWon", 100, ForecastCategories.Closed, StageOutcome.Won),
        new("closedLost", 0, ForecastCategories.Omitted, StageOutcome.Lost),
    ];
}

/// <summary>A product line to add to an opportunity.</summary>
/// <param name="ProductName">The product's name.</param>
/// <param name="Quantity">The quantity.</param>
/// <param name="UnitPrice">The price of one unit.</param>
/// <param name="Discount">The discount in percent (0 to 100).</param>
/// <param name="Sku">The stock-keeping unit.</param>
public sealed record OpportunityLineInput(string ProductName, decimal Quantity, decimal UnitPrice, decimal Discount = 0, string? Sku = null);

/// <summary>One stage of the pipeline.</summary>
/// <param name="Stage">The stage.</param>
/// <param name="Count">Open opportunities in it.</param>
/// <param name="Amount">Their amount.</param>
/// <param name="WeightedAmount">Their amount times their probability.</param>
public sealed record PipelineStageRow(string Stage, long Count, decimal Amount, decimal WeightedAmount);

/// <summary>The amounts of a forecast, per category.</summary>
/// <param name="Pipeline">Open opportunities in the pipeline category.</param>
/// <param name="BestCase">In the best-case category.</param>
/// <param name="Commit">In the commit category.</param>
/// <param name="Closed">Won.</param>
/// <param name="Omitted">Lost or omitted.</param>
/// <param name="Weighted">Amount times probability over every category but omitted.</param>
public sealed record ForecastAmounts(decimal Pipeline, decimal BestCase, decimal Commit, decimal Closed, decimal Omitted, decimal Weighted);

/// <summary>One owner's (or territory's) line of a forecast.</summary>
/// <param name="Key">The owner's id as text, or the territory.</param>
/// <param name="Name">The owner's display name or the territory.</param>
/// <param name="Amounts">The amounts per category.</param>
/// <param name="Quota">The quota for the quarter, if any.</param>
/// <param name="Attainment">Closed amount / quota in percent (rounded to 0.1), if there is a quota.</param>
public sealed record ForecastLine(string Key, string Name, ForecastAmounts Amounts, decimal? Quota, decimal? Attainment);

/// <summary>A quarter's forecast.</summary>
/// <param name="Year">The year.</param>
/// <param name="Quarter">The quarter.</param>
/// <param name="Total">Every opportunity closing in the quarter the caller may read.</param>
/// <param name="ByOwner">Per owner.</param>
/// <param name="ByTerritory">Per territory (opportunities with a territory, quotas with a territory).</param>
public sealed record SalesForecast(int Year, int Quarter, ForecastAmounts Total, IReadOnlyList<ForecastLine> ByOwner, IReadOnlyList<ForecastLine> ByTerritory);
