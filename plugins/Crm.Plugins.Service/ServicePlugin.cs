using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Events;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Pipeline;
using Crm.Engine.Abstractions.Plugins;
using Crm.Engine.Abstractions.Work;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Crm.Plugins.Service;

/// <summary>
/// The customer service module: cases (complaints, requests, questions) with SLAs, handling plans, tasks, root cause
/// and preventive measures. A complaint can be opened from a commerce order line (records of
/// <c>Crm.Plugins.Commerce</c>, used by their API names).
/// </summary>
public sealed class ServicePlugin : ICrmPlugin
{
    /// <summary>The plugin id.</summary>
    public const string Id = "Crm.Plugins.Service";

    /// <inheritdoc />
    public void Configure(ICrmPluginBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        foreach (var entity in ServiceEntities.Definitions)
        {
            builder.AddEntity(entity);
        }

        builder.Services.TryAddSingleton<ServiceDeskOptions>();
        builder.Services.AddSingleton<IServiceDesk, ServiceDesk>();
        builder.Services.AddSingleton<IDomainEventConsumer<DeadlineReached>, SlaTimerConsumer>();
        builder.AddPipelineHandler<CaseHandler>(PipelineMessages.Create, ServiceEntities.Case, PipelineStage.PreValidation);
        builder.AddPipelineHandler<CaseHandler>(PipelineMessages.Create, ServiceEntities.Case, PipelineStage.PostOperation);
        builder.AddPipelineHandler<CaseHandler>(PipelineMessages.Update, ServiceEntities.Case, PipelineStage.PreOperation);
        builder.AddPipelineHandler<TaskCompletedHandler>(PipelineMessages.Update, CoreEntities.Activity, PipelineStage.PostOperation);
        builder.AddPipelineHandler<MeasureHandler>(PipelineMessages.Update, ServiceEntities.PreventiveMeasure, PipelineStage.PostOperation);
        foreach (var action in ServiceRuleActions.All())
        {
            builder.AddRuleAction(action);
        }

        builder.AddReport<ComplaintStatusReport>();
        builder.AddReport<PreventiveMeasuresReport>();
        builder.AddReport<SlaComplianceReport>();
    }
}

/// <summary>The entity types of the service module and their fields' API names (the module's record contract).</summary>
public static class ServiceEntities
{
    /// <summary>A case: complaint, request or question (<see cref="CaseFields"/>).</summary>
    public const string Case = "case";

    /// <summary>A preventive measure of a case (<see cref="PreventiveMeasureFields"/>).</summary>
    public const string PreventiveMeasure = "preventiveMeasure";

    /// <summary>A knowledge-base article (<see cref="KnowledgeArticleFields"/>).</summary>
    public const string KnowledgeArticle = "knowledgeArticle";

    /// <summary>A link between a case and a knowledge article (<see cref="CaseArticleFields"/>).</summary>
    public const string CaseArticle = "caseArticle";

    /// <summary>A warranty or service contract (<see cref="EntitlementFields"/>).</summary>
    public const string Entitlement = "entitlement";

    /// <summary>A document generated for a case (<see cref="CaseDocumentFields"/>).</summary>
    public const string CaseDocument = "caseDocument";

    /// <summary>The definitions the plugin registers.</summary>
    public static IReadOnlyList<EntityDefinition> Definitions { get; } =
    [
        new()
        {
            ApiName = Case,
            DisplayName = "Case",
            PluralName = "Cases",
            PrimaryField = CaseFields.Subject,
            Description = "A complaint, request or question of a customer, with its SLA and handling.",
            Fields =
            [
                new() { ApiName = CaseFields.CaseNumber, Type = FieldType.Text, MaxLength = 50, Indexed = true, AutoNumber = "CAS-{yyyy}-{seq:00000}" },
                new() { ApiName = CaseFields.Subject, Type = FieldType.Text, Required = true, MaxLength = 400 },
                new() { ApiName = CaseFields.Description, Type = FieldType.Text, MaxLength = 10000 },
                Choice(CaseFields.Category, (CaseCategory.Complaint, "Complaint"), (CaseCategory.Request, "Request"), (CaseCategory.Question, "Question")),
                Choice(CaseFields.ComplaintType, (ComplaintType.ProductQuality, "Product quality"), (ComplaintType.Delivery, "Delivery"), (ComplaintType.Billing, "Billing"), (ComplaintType.Other, "Other")),
                Choice(CaseFields.Priority, (CasePriority.Urgent, "Urgent"), (CasePriority.High, "High"), (CasePriority.General, "General"), (CasePriority.Low, "Low")),
                Choice(CaseFields.Status, (CaseStatus.New, "New"), (CaseStatus.Planned, "Plan proposed"), (CaseStatus.InProgress, "In progress"), (CaseStatus.Resolved, "Resolved"), (CaseStatus.Closed, "Closed"), (CaseStatus.Cancelled, "Cancelled")),
                Choice(CaseFields.Origin, ("phone", "Phone"), ("email", "E-mail"), ("web", "Web"), ("chat", "Chat"), ("storefront", "Storefront"), ("other", "Other")),
                new() { ApiName = CaseFields.AccountId, Type = FieldType.Lookup, LookupTarget = CoreEntities.Account, Label = "Customer" },
                new() { ApiName = CaseFields.ContactId, Type = FieldType.Lookup, LookupTarget = CoreEntities.Contact },
                new() { ApiName = CaseFields.OrderId, Type = FieldType.Lookup, LookupTarget = "order" },
                new() { ApiName = CaseFields.OrderLineId, Type = FieldType.Lookup, LookupTarget = "orderLine" },
                new() { ApiName = CaseFields.ProductId, Type = FieldType.Lookup, LookupTarget = "product" },
                new() { ApiName = CaseFields.ProductName, Type = FieldType.Text, MaxLength = 200 },
                new() { ApiName = CaseFields.SerialNumber, Type = FieldType.Text, MaxLength = 100, Indexed = true },
                new() { ApiName = CaseFields.Barcode, Type = FieldType.Text, MaxLength = 100 },
                new() { ApiName = CaseFields.ShipDate, Type = FieldType.Date },
                new() { ApiName = CaseFields.WarrantyUntil, Type = FieldType.Date },
                Choice(CaseFields.WarrantyStatus, (WarrantyStatus.InWarranty, "In warranty"), (WarrantyStatus.Expired, "Expired"), (WarrantyStatus.Unknown, "Unknown")),
                new() { ApiName = CaseFields.OpenedAt, Type = FieldType.DateTime },
                new() { ApiName = CaseFields.SlaHours, Type = FieldType.Number, MinValue = 0, Label = "SLA hours" },
                new() { ApiName = CaseFields.SlaDueAt, Type = FieldType.DateTime, Label = "SLA due" },
                Choice(CaseFields.SlaState, (SlaState.OnTrack, "On track"), (SlaState.Warning, "Warning"), (SlaState.Breached, "Breached"), (SlaState.Met, "Met")),
                new() { ApiName = CaseFields.PlanSubmitted, Type = FieldType.Bool },
                new() { ApiName = CaseFields.Plan, Type = FieldType.Text, MaxLength = 10000, Label = "Handling plan" },
                new() { ApiName = CaseFields.Escalated, Type = FieldType.Bool },
                new() { ApiName = CaseFields.RootCause, Type = FieldType.Text, MaxLength = 10000 },
                new() { ApiName = CaseFields.Resolution, Type = FieldType.Text, MaxLength = 10000 },
                new() { ApiName = CaseFields.ResolvedAt, Type = FieldType.DateTime },
                new() { ApiName = CaseFields.ClosedAt, Type = FieldType.DateTime },
                new() { ApiName = CaseFields.EntitlementId, Type = FieldType.Lookup, LookupTarget = Entitlement, Label = "Entitlement" },
                new() { ApiName = CaseFields.SlaWarningAt, Type = FieldType.DateTime, Label = "SLA warning" },
            ],
        },
        new()
        {
            ApiName = PreventiveMeasure,
            DisplayName = "Preventive measure",
            PluralName = "Preventive measures",
            PrimaryField = PreventiveMeasureFields.Description,
            Description = "A measure against the root cause of a case, reviewed (approved or rejected) and fed back to the customer.",
            Fields =
            [
                new() { ApiName = PreventiveMeasureFields.CaseId, Type = FieldType.Lookup, LookupTarget = Case, Required = true },
                new() { ApiName = PreventiveMeasureFields.AccountId, Type = FieldType.Lookup, LookupTarget = CoreEntities.Account, Label = "Customer" },
                new() { ApiName = PreventiveMeasureFields.Description, Type = FieldType.Text, Required = true, MaxLength = 4000 },
                new() { ApiName = PreventiveMeasureFields.DueDate, Type = FieldType.Date },
                Choice(PreventiveMeasureFields.Status, (MeasureStatus.Proposed, "Proposed"), (MeasureStatus.Approved, "Approved"), (MeasureStatus.Rejected, "Rejected"), (MeasureStatus.Implemented, "Implemented")),
                new() { ApiName = PreventiveMeasureFields.ReviewedBy, Type = FieldType.Text, MaxLength = 36, Label = "Reviewed by (user id)" },
                new() { ApiName = PreventiveMeasureFields.ReviewedAt, Type = FieldType.DateTime },
                new() { ApiName = PreventiveMeasureFields.ReviewComment, Type = FieldType.Text, MaxLength = 4000 },
                new() { ApiName = PreventiveMeasureFields.FedBackToCustomer, Type = FieldType.Bool, Label = "Fed back to customer" },
                new() { ApiName = PreventiveMeasureFields.FedBackAt, Type = FieldType.DateTime },
            ],
        },
        new()
        {
            ApiName = KnowledgeArticle,
            DisplayName = "Knowledge article",
            PluralName = "Knowledge articles",
            PrimaryField = KnowledgeArticleFields.Title,
            Description = "A problem and its solution, found by product and words, linked to the cases it helped.",
            Fields =
            [
                new() { ApiName = KnowledgeArticleFields.Title, Type = FieldType.Text, Required = true, MaxLength = 400 },
                new() { ApiName = KnowledgeArticleFields.Problem, Type = FieldType.Text, MaxLength = 10000 },
                new() { ApiName = KnowledgeArticleFields.Solution, Type = FieldType.Text, MaxLength = 20000 },
                new() { ApiName = KnowledgeArticleFields.ProductId, Type = FieldType.Lookup, LookupTarget = "product" },
                new() { ApiName = KnowledgeArticleFields.Keywords, Type = FieldType.Text, MaxLength = 1000 },
                Choice(KnowledgeArticleFields.Status, (ArticleStatus.Draft, "Draft"), (ArticleStatus.Published, "Published"), (ArticleStatus.Archived, "Archived")),
            ],
        },
        new()
        {
            ApiName = CaseArticle,
            DisplayName = "Case article",
            PluralName = "Case articles",
            PrimaryField = CaseArticleFields.CaseId,
            Description = "A knowledge article used on a case.",
            Fields =
            [
                new() { ApiName = CaseArticleFields.CaseId, Type = FieldType.Lookup, LookupTarget = Case, Required = true },
                new() { ApiName = CaseArticleFields.ArticleId, Type = FieldType.Lookup, LookupTarget = KnowledgeArticle, Required = true },
                new() { ApiName = CaseArticleFields.Note, Type = FieldType.Text, MaxLength = 2000 },
            ],
        },
        new()
        {
            ApiName = Entitlement,
            DisplayName = "Entitlement",
            PluralName = "Entitlements",
            PrimaryField = EntitlementFields.Name,
            Description = "A warranty or service contract of a customer, optionally for one product; makes its cases in warranty while active.",
            Fields =
            [
                new() { ApiName = EntitlementFields.Name, Type = FieldType.Text, Required = true, MaxLength = 200 },
                new() { ApiName = EntitlementFields.AccountId, Type = FieldType.Lookup, LookupTarget = CoreEntities.Account, Required = true, Label = "Customer" },
                new() { ApiName = EntitlementFields.ProductId, Type = FieldType.Lookup, LookupTarget = "product" },
                new() { ApiName = EntitlementFields.StartDate, Type = FieldType.Date, Required = true },
                new() { ApiName = EntitlementFields.EndDate, Type = FieldType.Date, Required = true },
                Choice(EntitlementFields.Type, (EntitlementType.Warranty, "Warranty"), (EntitlementType.Contract, "Service contract")),
                new() { ApiName = EntitlementFields.SlaHours, Type = FieldType.Number, MinValue = 0, Label = "SLA hours" },
            ],
        },
        new()
        {
            ApiName = CaseDocument,
            DisplayName = "Case document",
            PluralName = "Case documents",
            PrimaryField = CaseDocumentFields.Title,
            Description = "A document generated for a case from a tenant template (e.g. the complaint report), kept as rendered.",
            Fields =
            [
                new() { ApiName = CaseDocumentFields.CaseId, Type = FieldType.Lookup, LookupTarget = Case, Required = true },
                new() { ApiName = CaseDocumentFields.TemplateKey, Type = FieldType.Text, Required = true, MaxLength = 200 },
                new() { ApiName = CaseDocumentFields.Title, Type = FieldType.Text, MaxLength = 1000 },
                new() { ApiName = CaseDocumentFields.Body, Type = FieldType.Text, MaxLength = 200000 },
                new() { ApiName = CaseDocumentFields.GeneratedAt, Type = FieldType.DateTime },
            ],
        },
    ];

    private static FieldDefinition Choice(string apiName, params (string Value, string Label)[] options) =>
        new() { ApiName = apiName, Type = FieldType.Choice, Options = [.. options.Select(o => new ChoiceOption(o.Value, o.Label))] };
}

/// <summary>API names of the <see cref="ServiceEntities.Case"/> fields.</summary>
public static class CaseFields
{
    /// <summary>Case number (numbered by the engine when not given).</summary>
    public const string CaseNumber = "caseNumber";

    /// <summary>Subject (required, primary).</summary>
    public const string Subject = "subject";

    /// <summary>Description.</summary>
    public const string Description = "description";

    /// <summary>Category (<see cref="CaseCategory"/>).</summary>
    public const string Category = "category";

    /// <summary>Kind of complaint (<see cref="Service.ComplaintType"/>).</summary>
    public const string ComplaintType = "complaintType";

    /// <summary>Priority (<see cref="CasePriority"/>).</summary>
    public const string Priority = "priority";

    /// <summary>Status (<see cref="CaseStatus"/>).</summary>
    public const string Status = "status";

    /// <summary>Channel the case came through.</summary>
    public const string Origin = "origin";

    /// <summary>The customer.</summary>
    public const string AccountId = "accountId";

    /// <summary>The customer's contact.</summary>
    public const string ContactId = "contactId";

    /// <summary>The order complained about.</summary>
    public const string OrderId = "orderId";

    /// <summary>The order line complained about.</summary>
    public const string OrderLineId = "orderLineId";

    /// <summary>The product.</summary>
    public const string ProductId = "productId";

    /// <summary>The product's name.</summary>
    public const string ProductName = "productName";

    /// <summary>Serial number of the item.</summary>
    public const string SerialNumber = "serialNumber";

    /// <summary>Barcode of the item.</summary>
    public const string Barcode = "barcode";

    /// <summary>When the item shipped.</summary>
    public const string ShipDate = "shipDate";

    /// <summary>End of the item's warranty.</summary>
    public const string WarrantyUntil = "warrantyUntil";

    /// <summary>Warranty status when the case was opened (<see cref="Service.WarrantyStatus"/>).</summary>
    public const string WarrantyStatus = "warrantyStatus";

    /// <summary>When the case was opened.</summary>
    public const string OpenedAt = "openedAt";

    /// <summary>The SLA in hours, as classified.</summary>
    public const string SlaHours = "slaHours";

    /// <summary>When the SLA is due (on the tenant's business calendar).</summary>
    public const string SlaDueAt = "slaDueAt";

    /// <summary>SLA state (<see cref="Service.SlaState"/>).</summary>
    public const string SlaState = "slaState";

    /// <summary>Whether a handling plan was proposed.</summary>
    public const string PlanSubmitted = "planSubmitted";

    /// <summary>The handling plan.</summary>
    public const string Plan = "plan";

    /// <summary>Whether the case was escalated.</summary>
    public const string Escalated = "escalated";

    /// <summary>Root cause found.</summary>
    public const string RootCause = "rootCause";

    /// <summary>How the case was resolved.</summary>
    public const string Resolution = "resolution";

    /// <summary>When the case was resolved.</summary>
    public const string ResolvedAt = "resolvedAt";

    /// <summary>When the case was closed.</summary>
    public const string ClosedAt = "closedAt";

    /// <summary>The entitlement (warranty or service contract) that covered the case when it was opened.</summary>
    public const string EntitlementId = "entitlementId";

    /// <summary>When the SLA warning is due (the warning point on the business calendar).</summary>
    public const string SlaWarningAt = "slaWarningAt";
}

/// <summary>API names of the <see cref="ServiceEntities.PreventiveMeasure"/> fields.</summary>
public static class PreventiveMeasureFields
{
    /// <summary>The case (required).</summary>
    public const string CaseId = "caseId";

    /// <summary>The customer, copied from the case.</summary>
    public const string AccountId = "accountId";

    /// <summary>What is to be done (required, primary).</summary>
    public const string Description = "description";

    /// <summary>The responsible user or team: the record's owner (the record column <c>ownerId</c>, usable in queries).</summary>
    public const string OwnerId = "ownerId";

    /// <summary>When it is to be done.</summary>
    public const string DueDate = "dueDate";

    /// <summary>Status (<see cref="MeasureStatus"/>).</summary>
    public const string Status = "status";

    /// <summary>The reviewer's user id, as text.</summary>
    public const string ReviewedBy = "reviewedBy";

    /// <summary>When it was reviewed.</summary>
    public const string ReviewedAt = "reviewedAt";

    /// <summary>The reviewer's comment.</summary>
    public const string ReviewComment = "reviewComment";

    /// <summary>Whether the measure was reported back to the customer.</summary>
    public const string FedBackToCustomer = "fedBackToCustomer";

    /// <summary>When it was reported back.</summary>
    public const string FedBackAt = "fedBackAt";
}

/// <summary>Values of <see cref="PreventiveMeasureFields.Status"/>.</summary>
public static class MeasureStatus
{
    /// <summary>Proposed, waiting for review.</summary>
    public const string Proposed = "proposed";

    /// <summary>Approved by the reviewer.</summary>
    public const string Approved = "approved";

    /// <summary>Rejected by the reviewer.</summary>
    public const string Rejected = "rejected";

    /// <summary>Carried out.</summary>
    public const string Implemented = "implemented";
}

/// <summary>API names of the <see cref="ServiceEntities.KnowledgeArticle"/> fields.</summary>
public static class KnowledgeArticleFields
{
    /// <summary>Title (required, primary).</summary>
    public const string Title = "title";

    /// <summary>The problem described.</summary>
    public const string Problem = "problem";

    /// <summary>The solution.</summary>
    public const string Solution = "solution";

    /// <summary>The product it is about, if one.</summary>
    public const string ProductId = "productId";

    /// <summary>Search words, separated by spaces or commas.</summary>
    public const string Keywords = "keywords";

    /// <summary>Status (<see cref="ArticleStatus"/>).</summary>
    public const string Status = "status";
}

/// <summary>Values of <see cref="KnowledgeArticleFields.Status"/>.</summary>
public static class ArticleStatus
{
    /// <summary>Being written; not suggested.</summary>
    public const string Draft = "draft";

    /// <summary>Published; suggested for cases.</summary>
    public const string Published = "published";

    /// <summary>No longer suggested.</summary>
    public const string Archived = "archived";
}

/// <summary>API names of the <see cref="ServiceEntities.CaseArticle"/> fields.</summary>
public static class CaseArticleFields
{
    /// <summary>The case.</summary>
    public const string CaseId = "caseId";

    /// <summary>The article.</summary>
    public const string ArticleId = "articleId";

    /// <summary>How the article helped.</summary>
    public const string Note = "note";
}

/// <summary>API names of the <see cref="ServiceEntities.Entitlement"/> fields.</summary>
public static class EntitlementFields
{
    /// <summary>Name (required, primary).</summary>
    public const string Name = "name";

    /// <summary>The customer (required).</summary>
    public const string AccountId = "accountId";

    /// <summary>The product covered; empty covers every product of the customer.</summary>
    public const string ProductId = "productId";

    /// <summary>First day covered (required).</summary>
    public const string StartDate = "startDate";

    /// <summary>Last day covered (required).</summary>
    public const string EndDate = "endDate";

    /// <summary>Type (<see cref="EntitlementType"/>).</summary>
    public const string Type = "type";

    /// <summary>The SLA the contract promises, in hours (informational; rules may use it).</summary>
    public const string SlaHours = "slaHours";
}

/// <summary>Values of <see cref="EntitlementFields.Type"/>.</summary>
public static class EntitlementType
{
    /// <summary>An (extended) warranty.</summary>
    public const string Warranty = "warranty";

    /// <summary>A service contract.</summary>
    public const string Contract = "contract";
}

/// <summary>API names of the <see cref="ServiceEntities.CaseDocument"/> fields.</summary>
public static class CaseDocumentFields
{
    /// <summary>The case.</summary>
    public const string CaseId = "caseId";

    /// <summary>The template it was rendered from.</summary>
    public const string TemplateKey = "templateKey";

    /// <summary>The rendered subject of the template (or the case subject).</summary>
    public const string Title = "title";

    /// <summary>The rendered body.</summary>
    public const string Body = "body";

    /// <summary>When it was generated.</summary>
    public const string GeneratedAt = "generatedAt";
}

/// <summary>Values of <see cref="CaseFields.Category"/>.</summary>
public static class CaseCategory
{
    /// <summary>A complaint.</summary>
    public const string Complaint = "complaint";

    /// <summary>A service request.</summary>
    public const string Request = "request";

    /// <summary>A question.</summary>
    public const string Question = "question";
}

/// <summary>Values of <see cref="CaseFields.ComplaintType"/>.</summary>
public static class ComplaintType
{
    /// <summary>Product quality.</summary>
    public const string ProductQuality = "productQuality";

    /// <summary>Delivery.</summary>
    public const string Delivery = "delivery";

    /// <summary>Billing.</summary>
    public const string Billing = "billing";

    /// <summary>Anything else.</summary>
    public const string Other = "other";
}

/// <summary>Values of <see cref="CaseFields.Priority"/>.</summary>
public static class CasePriority
{
    /// <summary>Urgent.</summary>
    public const string Urgent = "urgent";

    /// <summary>High.</summary>
    public const string High = "high";

    /// <summary>General.</summary>
    public const string General = "general";

    /// <summary>Low.</summary>
    public const string Low = "low";
}

/// <summary>Values of <see cref="CaseFields.Status"/>.</summary>
public static class CaseStatus
{
    /// <summary>New.</summary>
    public const string New = "new";

    /// <summary>A handling plan was proposed.</summary>
    public const string Planned = "planned";

    /// <summary>Being handled.</summary>
    public const string InProgress = "inProgress";

    /// <summary>Resolved.</summary>
    public const string Resolved = "resolved";

    /// <summary>Closed.</summary>
    public const string Closed = "closed";

    /// <summary>Cancelled.</summary>
    public const string Cancelled = "cancelled";
}

/// <summary>Values of <see cref="CaseFields.WarrantyStatus"/>.</summary>
public static class WarrantyStatus
{
    /// <summary>Under warranty.</summary>
    public const string InWarranty = "inWarranty";

    /// <summary>Warranty expired.</summary>
    public const string Expired = "expired";

    /// <summary>No ship date or warranty period known.</summary>
    public const string Unknown = "unknown";
}

/// <summary>Values of <see cref="CaseFields.SlaState"/>.</summary>
public static class SlaState
{
    /// <summary>Within the SLA.</summary>
    public const string OnTrack = "onTrack";

    /// <summary>The warning point passed.</summary>
    public const string Warning = "warning";

    /// <summary>The SLA passed before resolution.</summary>
    public const string Breached = "breached";

    /// <summary>Resolved within the SLA.</summary>
    public const string Met = "met";
}
