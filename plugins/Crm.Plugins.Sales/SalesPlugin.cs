using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Plugins;

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
    }
}

/// <summary>The entity types of the sales module and their fields' API names (the module's record contract).</summary>
public static class SalesEntities
{
    /// <summary>A lead: a prospect not yet qualified (<see cref="LeadFields"/>).</summary>
    public const string Lead = "lead";

    /// <summary>An opportunity: a qualified sale in progress (<see cref="OpportunityFields"/>).</summary>
    public const string Opportunity = "opportunity";

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
}
