using System.Runtime.CompilerServices;
using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Tenancy;

namespace Crm.Plugins.Marketing;

/// <summary>Names of the sales module's lead and opportunity fields the module reads (by name: no reference to the sales assembly).</summary>
internal static class SalesNames
{
    public const string LeadEmail = "email";
    public const string LeadPhone = "phone";
    public const string LeadFirstName = "firstName";
    public const string LeadLastName = "lastName";
    public const string LeadSource = "source";
    public const string LeadStatus = "status";
    public const string LeadStatusConverted = "converted";
    public const string LeadConvertedOpportunityId = "convertedOpportunityId";
    public const string OpportunityStage = "stage";
    public const string OpportunityAmount = "amount";
    public const string OpportunityCloseDate = "closeDate";

    public const string OpportunityStatus = "status";
    public const string OpportunityStatusWon = "won";

    /// <summary>
    /// Whether an opportunity is won. The sales module maintains <c>status</c> (<c>open</c>, <c>won</c>, <c>lost</c>)
    /// from the outcome of the opportunity's stage, whatever the tenant named its stages, so when the opportunity has a
    /// status that decides. Only without one (an import, or a sales module that does not keep a status) is the stage
    /// read: its letters, ignoring case, are <c>closedwon</c> or <c>won</c> (<c>closedWon</c>, <c>closed_won</c>,
    /// <c>Closed Won</c>, <c>won</c>).
    /// </summary>
    public static bool IsWon(CrmRecord opportunity)
    {
        if (opportunity[OpportunityStatus] is string { Length: > 0 } status)
        {
            return status.Trim().Equals(OpportunityStatusWon, StringComparison.OrdinalIgnoreCase);
        }

        if (opportunity[OpportunityStage] is not string stage)
        {
            return false;
        }

        var letters = new string([.. stage.Where(char.IsLetter)]);
        return letters.Equals("closedwon", StringComparison.OrdinalIgnoreCase) || letters.Equals("won", StringComparison.OrdinalIgnoreCase);
    }
}

/// <summary>Small record helpers.</summary>
internal static class MarketingRecords
{
    /// <summary>The caller the module acts as after a commit (timers, revenue): the tenant's system context, named after the module.</summary>
    public static CallerContext ModuleCaller(string tenantId) => CallerContext.System(tenantId, MarketingPlugin.Id);

    /// <summary>Whether the caller is the module itself (see <see cref="ModuleCaller"/>).</summary>
    public static bool IsModule(CallerContext caller) =>
        caller.IsSystem && caller.Source == OperationSource.System && string.Equals(caller.SourceName, MarketingPlugin.Id, StringComparison.Ordinal);

    /// <summary>A field's value as a decimal (numbers and money), or <see langword="null"/>.</summary>
    public static decimal? Decimal(this CrmRecord record, string field) => record[field] switch
    {
        decimal d => d,
        long l => l,
        int i => i,
        double x => (decimal)x,
        _ => null,
    };

    /// <summary>A field's value as a text, or <see langword="null"/> when empty.</summary>
    public static string? Text(this CrmRecord record, string field) => record[field] is string { Length: > 0 } s ? s : null;

    /// <summary>A look-up's value, or <see langword="null"/>.</summary>
    public static Guid? Id(this CrmRecord record, string field) => record[field] is Guid g ? g : null;

    /// <summary>A bool field's value (<see langword="false"/> when empty).</summary>
    public static bool Flag(this CrmRecord record, string field) => record[field] is true;

    /// <summary>The tenant's API as the module (system context, source <see cref="MarketingPlugin.Id"/>).</summary>
    public static ICrmTenant AsModule(this ICrmEngine engine, string tenantId) => engine.ForTenant(ModuleCaller(tenantId));
}
