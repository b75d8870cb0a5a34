using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Pipeline;
using Crm.Engine.Abstractions.Plugins;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Plugins.Sales;

/// <summary>The sales module: leads and their conversion, opportunities, pipeline and forecast.</summary>
public sealed class SalesPlugin : ICrmPlugin
{
    /// <summary>The plugin id.</summary>
    public const string Id = "Crm.Plugins.Sales";

    /// <inheritdoc />
    public void Configure(ICrmPluginBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        foreach (var entity in SalesEntities.Definitions)
        {
            builder.AddEntity(entity);
        }

        builder.Services.AddSingleton<SalesSettingsStore>();
        builder.Services.AddSingleton<ISales, SalesService>();

        builder.AddPipelineHandler<LeadValidationHandler>(PipelineMessages.Create, SalesEntities.Lead, PipelineStage.PreValidation);
        builder.AddPipelineHandler<LeadValidationHandler>(PipelineMessages.Update, SalesEntities.Lead, PipelineStage.PreValidation);
        builder.AddPipelineHandler<LeadConversionHandler>(PipelineMessages.Update, SalesEntities.Lead, PipelineStage.PreOperation);
        builder.AddPipelineHandler<LeadRoutingHandler>(PipelineMessages.Create, SalesEntities.Lead, PipelineStage.PostOperation);
        builder.AddPipelineHandler<LeadRoutingHandler>(PipelineMessages.Update, SalesEntities.Lead, PipelineStage.PostOperation);

        builder.AddPipelineHandler<OpportunityStageHandler>(PipelineMessages.Create, SalesEntities.Opportunity, PipelineStage.PreValidation);
        builder.AddPipelineHandler<OpportunityStageHandler>(PipelineMessages.Update, SalesEntities.Opportunity, PipelineStage.PreValidation);
        builder.AddPipelineHandler<OpportunityEventsHandler>(PipelineMessages.Create, SalesEntities.Opportunity, PipelineStage.PostOperation);
        builder.AddPipelineHandler<OpportunityEventsHandler>(PipelineMessages.Update, SalesEntities.Opportunity, PipelineStage.PostOperation);

        builder.AddPipelineHandler<OpportunityLineHandler>(PipelineMessages.Create, SalesEntities.OpportunityLine, PipelineStage.PreValidation);
        builder.AddPipelineHandler<OpportunityLineHandler>(PipelineMessages.Update, SalesEntities.OpportunityLine, PipelineStage.PreValidation);
        builder.AddPipelineHandler<OpportunityLineTotalHandler>(PipelineMessages.Create, SalesEntities.OpportunityLine, PipelineStage.PostOperation);
        builder.AddPipelineHandler<OpportunityLineTotalHandler>(PipelineMessages.Update, SalesEntities.OpportunityLine, PipelineStage.PostOperation);
        builder.AddPipelineHandler<OpportunityLineTotalHandler>(PipelineMessages.Delete, SalesEntities.OpportunityLine, PipelineStage.PostOperation);

        foreach (var action in SalesRuleActions.All())
        {
            builder.AddRuleAction(action);
        }

        builder.AddReport<LeadsBySourceReport>();
        builder.AddReport<LeadLifecycleReport>();
        builder.AddReport<PipelineReport>();
        builder.AddReport<StalledOpportunitiesReport>();
        builder.AddReport<ClosedOpportunitiesReport>();
        builder.AddReport<ForecastReport>();
        builder.AddReport<WinRateReport>();
    }
}

/// <summary>The entity types of the sales module and their fields' API names (the module's record contract).</summary>
public static class SalesEntities
{
    /// <summary>A lead: a prospect not yet qualified (<see cref="LeadFields"/>).</summary>
    public const string Lead = "lead";

    /// <summary>An opportunity: a qualified sale in progress (<see cref="OpportunityFields"/>).</summary>
    public const string Opportunity = "opportunity";

    /// <summary>A product line of an opportunity (<see cref="OpportunityLineFields"/>).</summary>
    public const string OpportunityLine = "opportunityLine";

    /// <summary>A contact's role in an opportunity (<see cref="OpportunityContactRoleFields"/>).</summary>
    public const string OpportunityContactRole = "opportunityContactRole";

    /// <summary>The tenant's sales configuration, one record (<see cref="SalesSettingsFields"/>).</summary>
    public const string SalesSettings = "salesSettings";

    /// <summary>A quarterly quota of a user or territory (<see cref="SalesQuotaFields"/>).</summary>
    public const string SalesQuota = "salesQuota";

    /// <summary>The definitions the plugin registers.</summary>
    public static IReadOnlyList<EntityDefinition> Definitions { get; } =
    [
        new()
        {
            ApiName = Lead,
            DisplayName = "Lead",
            PluralName = "Leads",
            PrimaryField = LeadFields.LastName,
            Description = "A prospect from a web form, an import, a campaign or the API, until it is converted or disqualified.",
            Fields =
            [
                new() { ApiName = LeadFields.FirstName, Type = FieldType.Text, MaxLength = 100 },
                new() { ApiName = LeadFields.LastName, Type = FieldType.Text, Required = true, MaxLength = 100 },
                new() { ApiName = LeadFields.Company, Type = FieldType.Text, MaxLength = 200 },
                new() { ApiName = LeadFields.Email, Type = FieldType.Text, MaxLength = 320, Indexed = true, PersonalData = true },
                new() { ApiName = LeadFields.Phone, Type = FieldType.Text, MaxLength = 50, PersonalData = true },
                new() { ApiName = LeadFields.Source, Type = FieldType.Text, MaxLength = 100, Description = "Where the lead came from: web, import, referral, a campaign's channel..." },
                new()
                {
                    ApiName = LeadFields.Status,
                    Type = FieldType.Choice,
                    Options = [new(LeadStatus.New, "New"), new(LeadStatus.Working, "Working"), new(LeadStatus.Qualified, "Qualified"), new(LeadStatus.Converted, "Converted"), new(LeadStatus.Disqualified, "Disqualified")],
                },
                new() { ApiName = LeadFields.ConvertedAccountId, Type = FieldType.Lookup, LookupTarget = CoreEntities.Account, ReadOnly = true },
                new() { ApiName = LeadFields.ConvertedContactId, Type = FieldType.Lookup, LookupTarget = CoreEntities.Contact, ReadOnly = true },
                new() { ApiName = LeadFields.ConvertedOpportunityId, Type = FieldType.Lookup, LookupTarget = Opportunity, ReadOnly = true },
                new() { ApiName = LeadFields.Channel, Type = FieldType.Text, MaxLength = 100, Description = "The channel within the source, e.g. organic, paid-search, newsletter." },
                new() { ApiName = LeadFields.CampaignName, Type = FieldType.Text, MaxLength = 200, Description = "The campaign's name as the source gave it (free text; the marketing module adds the campaign look-up)." },
                new() { ApiName = LeadFields.Description, Type = FieldType.Text, MaxLength = 4000 },
                new() { ApiName = LeadFields.FormData, Type = FieldType.Text, MaxLength = 8000, Description = "Web-form fields that map to no lead field, one 'name: value' per line." },
                new() { ApiName = LeadFields.PossibleDuplicate, Type = FieldType.Bool, Description = "Set on capture when a lead, contact or account with the same e-mail, phone or company exists." },
                new() { ApiName = LeadFields.DuplicateOfId, Type = FieldType.Text, MaxLength = 100, Description = "The first record the lead duplicates, as entityType/id (text, not a look-up: the original may still be deleted or merged)." },
                new() { ApiName = LeadFields.PhoneKey, Type = FieldType.Text, MaxLength = 50, Indexed = true, ReadOnly = true, Description = "The phone number normalised (digits, leading +), kept by the module for duplicate detection." },
                new() { ApiName = LeadFields.AssignmentRule, Type = FieldType.Text, MaxLength = 200, Description = "The assignment rule that assigned the lead." },
                new() { ApiName = LeadFields.AssignedQueue, Type = FieldType.Text, MaxLength = 200, Description = "The work queue the lead was routed to; setting it routes the lead." },
                new() { ApiName = LeadFields.DisqualifiedReason, Type = FieldType.Text, MaxLength = 500 },
                new() { ApiName = LeadFields.StatusChangedAt, Type = FieldType.DateTime, ReadOnly = true },
                new() { ApiName = LeadFields.ConvertedAt, Type = FieldType.DateTime, ReadOnly = true },
            ],
        },
        new()
        {
            ApiName = Opportunity,
            DisplayName = "Opportunity",
            PluralName = "Opportunities",
            Description = "A sale in progress: stage, probability, amount and close date.",
            Fields =
            [
                new() { ApiName = OpportunityFields.Name, Type = FieldType.Text, Required = true, MaxLength = 200 },
                new() { ApiName = OpportunityFields.AccountId, Type = FieldType.Lookup, LookupTarget = CoreEntities.Account, Label = "Customer" },
                new() { ApiName = OpportunityFields.ContactId, Type = FieldType.Lookup, LookupTarget = CoreEntities.Contact },
                new() { ApiName = OpportunityFields.Stage, Type = FieldType.Text, MaxLength = 50 },
                new() { ApiName = OpportunityFields.Probability, Type = FieldType.Number, MinValue = 0, MaxValue = 100 },
                new() { ApiName = OpportunityFields.Amount, Type = FieldType.Money, MinValue = 0 },
                new() { ApiName = OpportunityFields.CloseDate, Type = FieldType.Date },
                new()
                {
                    ApiName = OpportunityFields.ForecastCategory,
                    Type = FieldType.Choice,
                    Options = [new(ForecastCategories.Pipeline, "Pipeline"), new(ForecastCategories.BestCase, "Best case"), new(ForecastCategories.Commit, "Commit"), new(ForecastCategories.Closed, "Closed"), new(ForecastCategories.Omitted, "Omitted")],
                },
                new()
                {
                    ApiName = OpportunityFields.Status,
                    Type = FieldType.Choice,
                    ReadOnly = true,
                    Options = [new(OpportunityStatus.Open, "Open"), new(OpportunityStatus.Won, "Won"), new(OpportunityStatus.Lost, "Lost")],
                },
                new() { ApiName = OpportunityFields.StageChangedAt, Type = FieldType.DateTime, ReadOnly = true },
                new() { ApiName = OpportunityFields.CloseReason, Type = FieldType.Text, MaxLength = 500, Description = "Why it was won or lost (required when it is)." },
                new() { ApiName = OpportunityFields.ClosedAt, Type = FieldType.DateTime, ReadOnly = true },
                new() { ApiName = OpportunityFields.Competitors, Type = FieldType.Text, MaxLength = 1000, Description = "Competitors, separated by commas or semicolons." },
                new() { ApiName = OpportunityFields.LeadId, Type = FieldType.Lookup, LookupTarget = Lead, ReadOnly = true },
                new() { ApiName = OpportunityFields.LeadSource, Type = FieldType.Text, MaxLength = 100 },
                new() { ApiName = OpportunityFields.Territory, Type = FieldType.Text, MaxLength = 100 },
            ],
        },
        new()
        {
            ApiName = OpportunityLine,
            DisplayName = "Opportunity line",
            PluralName = "Opportunity lines",
            PrimaryField = OpportunityLineFields.ProductName,
            Description = "A product on an opportunity; the opportunity's amount is the sum of its lines.",
            Fields =
            [
                new() { ApiName = OpportunityLineFields.OpportunityId, Type = FieldType.Lookup, LookupTarget = Opportunity, Required = true, Indexed = true },
                new() { ApiName = OpportunityLineFields.ProductName, Type = FieldType.Text, Required = true, MaxLength = 200 },
                new() { ApiName = OpportunityLineFields.Sku, Type = FieldType.Text, MaxLength = 100 },
                new() { ApiName = OpportunityLineFields.Quantity, Type = FieldType.Number, MinValue = 0 },
                new() { ApiName = OpportunityLineFields.UnitPrice, Type = FieldType.Money, MinValue = 0 },
                new() { ApiName = OpportunityLineFields.Discount, Type = FieldType.Number, MinValue = 0, MaxValue = 100, Description = "Discount in percent of quantity x unit price." },
                new() { ApiName = OpportunityLineFields.Amount, Type = FieldType.Money, ReadOnly = true, Description = "quantity x unitPrice x (1 - discount / 100), kept by the module." },
            ],
        },
        new()
        {
            ApiName = OpportunityContactRole,
            DisplayName = "Opportunity contact role",
            PluralName = "Opportunity contact roles",
            PrimaryField = OpportunityContactRoleFields.Role,
            Description = "The part a contact plays in an opportunity.",
            Fields =
            [
                new() { ApiName = OpportunityContactRoleFields.OpportunityId, Type = FieldType.Lookup, LookupTarget = Opportunity, Required = true, Indexed = true },
                new() { ApiName = OpportunityContactRoleFields.ContactId, Type = FieldType.Lookup, LookupTarget = CoreEntities.Contact, Required = true },
                new()
                {
                    ApiName = OpportunityContactRoleFields.Role,
                    Type = FieldType.Choice,
                    Required = true,
                    Options = [new(ContactRoles.DecisionMaker, "Decision maker"), new(ContactRoles.Influencer, "Influencer"), new(ContactRoles.Champion, "Champion"), new(ContactRoles.User, "User"), new(ContactRoles.Other, "Other")],
                },
            ],
        },
        new()
        {
            ApiName = SalesSettings,
            DisplayName = "Sales settings",
            PluralName = "Sales settings",
            Description = "The tenant's sales configuration (one record): opportunity stages and lead assignment rules, as JSON. Changed through ISalesTenant.",
            Fields =
            [
                new() { ApiName = SalesSettingsFields.Name, Type = FieldType.Text, Required = true, MaxLength = 50 },
                new() { ApiName = SalesSettingsFields.Stages, Type = FieldType.Text },
                new() { ApiName = SalesSettingsFields.AssignmentRules, Type = FieldType.Text },
            ],
        },
        new()
        {
            ApiName = SalesQuota,
            DisplayName = "Sales quota",
            PluralName = "Sales quotas",
            Description = "A user's (and optionally a territory's) sales target for one quarter.",
            Fields =
            [
                new() { ApiName = SalesQuotaFields.Name, Type = FieldType.Text, Required = true, MaxLength = 200 },
                new() { ApiName = SalesQuotaFields.UserId, Type = FieldType.Text, Required = true, MaxLength = 36, Indexed = true },
                new() { ApiName = SalesQuotaFields.Territory, Type = FieldType.Text, MaxLength = 100 },
                new() { ApiName = SalesQuotaFields.Year, Type = FieldType.Number, Required = true, MinValue = 2000, MaxValue = 9999 },
                new() { ApiName = SalesQuotaFields.Quarter, Type = FieldType.Number, Required = true, MinValue = 1, MaxValue = 4 },
                new() { ApiName = SalesQuotaFields.Amount, Type = FieldType.Money, Required = true, MinValue = 0 },
            ],
        },
    ];
}

/// <summary>API names of the <see cref="SalesEntities.Lead"/> fields.</summary>
public static class LeadFields
{
    /// <summary>First name.</summary>
    public const string FirstName = "firstName";

    /// <summary>Last name (required, primary).</summary>
    public const string LastName = "lastName";

    /// <summary>Company name.</summary>
    public const string Company = "company";

    /// <summary>E-mail address.</summary>
    public const string Email = "email";

    /// <summary>Telephone number.</summary>
    public const string Phone = "phone";

    /// <summary>Where the lead came from.</summary>
    public const string Source = "source";

    /// <summary>Lifecycle status (<see cref="LeadStatus"/>).</summary>
    public const string Status = "status";

    /// <summary>The account the lead was converted into.</summary>
    public const string ConvertedAccountId = "convertedAccountId";

    /// <summary>The contact the lead was converted into.</summary>
    public const string ConvertedContactId = "convertedContactId";

    /// <summary>The opportunity the lead was converted into.</summary>
    public const string ConvertedOpportunityId = "convertedOpportunityId";

    /// <summary>The channel within the source (free text).</summary>
    public const string Channel = "channel";

    /// <summary>The campaign's name as the source gave it (free text).</summary>
    public const string CampaignName = "campaignName";

    /// <summary>Free-text description or the web form's message.</summary>
    public const string Description = "description";

    /// <summary>Web-form fields that map to no lead field, one <c>name: value</c> per line.</summary>
    public const string FormData = "formData";

    /// <summary>Whether duplicate detection found matches on capture.</summary>
    public const string PossibleDuplicate = "possibleDuplicate";

    /// <summary>The first record the lead duplicates, as <c>entityType/id</c> (<see cref="Crm.Engine.Abstractions.Records.RecordRef.TryParse"/> reads it).</summary>
    public const string DuplicateOfId = "duplicateOfId";

    /// <summary>The normalised phone number (maintained by the module).</summary>
    public const string PhoneKey = "phoneKey";

    /// <summary>The name of the assignment rule that assigned the lead.</summary>
    public const string AssignmentRule = "assignmentRule";

    /// <summary>The work queue the lead was routed to.</summary>
    public const string AssignedQueue = "assignedQueue";

    /// <summary>Why the lead was disqualified (required with that status).</summary>
    public const string DisqualifiedReason = "disqualifiedReason";

    /// <summary>When the status last changed (maintained by the module).</summary>
    public const string StatusChangedAt = "statusChangedAt";

    /// <summary>When the lead was converted (maintained by the module).</summary>
    public const string ConvertedAt = "convertedAt";
}

/// <summary>Values of <see cref="LeadFields.Status"/>.</summary>
public static class LeadStatus
{
    /// <summary>Captured, not yet worked.</summary>
    public const string New = "new";

    /// <summary>Being worked.</summary>
    public const string Working = "working";

    /// <summary>Qualified, ready to convert.</summary>
    public const string Qualified = "qualified";

    /// <summary>Converted into account, contact and opportunity.</summary>
    public const string Converted = "converted";

    /// <summary>Disqualified.</summary>
    public const string Disqualified = "disqualified";
}

/// <summary>API names of the <see cref="SalesEntities.Opportunity"/> fields.</summary>
public static class OpportunityFields
{
    /// <summary>Name (required, primary).</summary>
    public const string Name = "name";

    /// <summary>The customer.</summary>
    public const string AccountId = "accountId";

    /// <summary>The main contact.</summary>
    public const string ContactId = "contactId";

    /// <summary>Sales stage.</summary>
    public const string Stage = "stage";

    /// <summary>Probability in percent.</summary>
    public const string Probability = "probability";

    /// <summary>Expected amount.</summary>
    public const string Amount = "amount";

    /// <summary>Expected or actual close date.</summary>
    public const string CloseDate = "closeDate";

    /// <summary>Forecast category (<see cref="ForecastCategories"/>), set from the stage unless given.</summary>
    public const string ForecastCategory = "forecastCategory";

    /// <summary>Open, won or lost (<see cref="OpportunityStatus"/>), maintained from the stage.</summary>
    public const string Status = "status";

    /// <summary>When the stage last changed (maintained by the module).</summary>
    public const string StageChangedAt = "stageChangedAt";

    /// <summary>Why it was won or lost.</summary>
    public const string CloseReason = "closeReason";

    /// <summary>When it was won or lost (maintained by the module).</summary>
    public const string ClosedAt = "closedAt";

    /// <summary>Competitors, separated by commas or semicolons.</summary>
    public const string Competitors = "competitors";

    /// <summary>The lead it was converted from.</summary>
    public const string LeadId = "leadId";

    /// <summary>The source of the lead it came from.</summary>
    public const string LeadSource = "leadSource";

    /// <summary>The sales territory (free text), for territory quotas.</summary>
    public const string Territory = "territory";
}

/// <summary>Values of <see cref="OpportunityFields.ForecastCategory"/>.</summary>
public static class ForecastCategories
{
    /// <summary>Early: counted in the pipeline only.</summary>
    public const string Pipeline = "pipeline";

    /// <summary>Could close this period.</summary>
    public const string BestCase = "bestCase";

    /// <summary>Expected to close this period.</summary>
    public const string Commit = "commit";

    /// <summary>Won.</summary>
    public const string Closed = "closed";

    /// <summary>Not counted (lost or excluded).</summary>
    public const string Omitted = "omitted";

    /// <summary>Every category, in forecast order.</summary>
    public static IReadOnlyList<string> All { get; } = [Pipeline, BestCase, Commit, Closed, Omitted];
}

/// <summary>Values of <see cref="OpportunityFields.Status"/>.</summary>
public static class OpportunityStatus
{
    /// <summary>In progress.</summary>
    public const string Open = "open";

    /// <summary>Won.</summary>
    public const string Won = "won";

    /// <summary>Lost.</summary>
    public const string Lost = "lost";
}

/// <summary>API names of the <see cref="SalesEntities.OpportunityLine"/> fields.</summary>
public static class OpportunityLineFields
{
    /// <summary>The opportunity (required).</summary>
    public const string OpportunityId = "opportunityId";

    /// <summary>The product's name (required, primary).</summary>
    public const string ProductName = "productName";

    /// <summary>The product's stock-keeping unit.</summary>
    public const string Sku = "sku";

    /// <summary>Quantity (default 1).</summary>
    public const string Quantity = "quantity";

    /// <summary>Price of one unit.</summary>
    public const string UnitPrice = "unitPrice";

    /// <summary>Discount in percent.</summary>
    public const string Discount = "discount";

    /// <summary>The line's amount (maintained by the module).</summary>
    public const string Amount = "amount";
}

/// <summary>API names of the <see cref="SalesEntities.OpportunityContactRole"/> fields.</summary>
public static class OpportunityContactRoleFields
{
    /// <summary>The opportunity (required).</summary>
    public const string OpportunityId = "opportunityId";

    /// <summary>The contact (required).</summary>
    public const string ContactId = "contactId";

    /// <summary>The role (<see cref="ContactRoles"/>, required).</summary>
    public const string Role = "role";
}

/// <summary>Values of <see cref="OpportunityContactRoleFields.Role"/>.</summary>
public static class ContactRoles
{
    /// <summary>Decides.</summary>
    public const string DecisionMaker = "decisionMaker";

    /// <summary>Influences the decision.</summary>
    public const string Influencer = "influencer";

    /// <summary>Promotes the sale inside the customer.</summary>
    public const string Champion = "champion";

    /// <summary>Will use the product.</summary>
    public const string User = "user";

    /// <summary>Any other part.</summary>
    public const string Other = "other";
}

/// <summary>API names of the <see cref="SalesEntities.SalesSettings"/> fields.</summary>
public static class SalesSettingsFields
{
    /// <summary>Always <c>default</c> (one record per tenant).</summary>
    public const string Name = "name";

    /// <summary>The stages as JSON (see <see cref="SalesStage"/>).</summary>
    public const string Stages = "stages";

    /// <summary>The assignment rules as JSON (see <see cref="LeadAssignmentRule"/>).</summary>
    public const string AssignmentRules = "assignmentRules";
}

/// <summary>API names of the <see cref="SalesEntities.SalesQuota"/> fields.</summary>
public static class SalesQuotaFields
{
    /// <summary>A generated name, e.g. <c>2026-Q1 5f0c...</c>.</summary>
    public const string Name = "name";

    /// <summary>The user's id.</summary>
    public const string UserId = "userId";

    /// <summary>The territory, or empty for the user's overall quota.</summary>
    public const string Territory = "territory";

    /// <summary>The year.</summary>
    public const string Year = "year";

    /// <summary>The quarter (1 to 4).</summary>
    public const string Quarter = "quarter";

    /// <summary>The target amount.</summary>
    public const string Amount = "amount";
}
