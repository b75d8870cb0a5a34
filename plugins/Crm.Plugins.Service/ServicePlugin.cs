using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Plugins;

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
    }
}

/// <summary>The entity types of the service module and their fields' API names (the module's record contract).</summary>
public static class ServiceEntities
{
    /// <summary>A case: complaint, request or question (<see cref="CaseFields"/>).</summary>
    public const string Case = "case";

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
