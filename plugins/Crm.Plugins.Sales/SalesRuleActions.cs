using System.Globalization;
using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Rules;
using Crm.Engine.Abstractions.Tenancy;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Plugins.Sales;

/// <summary>
/// The rule actions the sales module offers to rule packs: <c>assignLead</c>, <c>convertLead</c>,
/// <c>setOpportunityStage</c>. They act as the rule (<c>rule:&lt;name&gt;@v&lt;version&gt;</c>), through the typed API.
/// </summary>
public static class SalesRuleActions
{
    /// <summary>The actions.</summary>
    /// <returns>The definitions the plugin registers.</returns>
    public static IEnumerable<RuleActionDefinition> All()
    {
        yield return new RuleActionDefinition
        {
            Name = "assignLead",
            Description = "Applies the tenant's lead assignment rules to a matched lead (first matching rule: owner or work queue).",
            Parameters = [new("record", RuleParameterType.Record, true, "The alias of the lead.")],
            Handler = ctx => Sales(ctx).AssignLeadAsync(Record(ctx, SalesEntities.Lead).Id, ctx.CancellationToken),
        };

        yield return new RuleActionDefinition
        {
            Name = "convertLead",
            Description = "Converts a matched qualified lead into a new account (from its company), a contact and, unless createOpportunity is false, an opportunity.",
            Parameters =
            [
                new("record", RuleParameterType.Record, true, "The alias of the lead."),
                new("createOpportunity", RuleParameterType.Bool, false, "Whether to create an opportunity (default true)."),
            ],
            Handler = ctx => Sales(ctx).ConvertLeadAsync(
                Record(ctx, SalesEntities.Lead).Id,
                new LeadConversionOptions { CreateOpportunity = ctx.Parameters.TryGetValue("createOpportunity", out var create) ? create is not false : true },
                ctx.CancellationToken),
        };

        yield return new RuleActionDefinition
        {
            Name = "setOpportunityStage",
            Description = "Moves a matched opportunity to an open stage of the tenant (probability and forecast category follow the stage).",
            Parameters =
            [
                new("record", RuleParameterType.Record, true, "The alias of the opportunity."),
                new("stage", RuleParameterType.Text, true, "The stage's name, e.g. negotiation."),
            ],
            Handler = ctx => Sales(ctx).SetStageAsync(Record(ctx, SalesEntities.Opportunity).Id, ctx.GetParameter<string>("stage") ?? string.Empty, ctx.CancellationToken),
        };
    }

    /// <summary>The sales API acting as the rule that fired (source <see cref="OperationSource.Rule"/>, name <c>rule:&lt;rule&gt;@v&lt;version&gt;</c>).</summary>
    /// <param name="context">The action's context.</param>
    /// <returns>The sales API.</returns>
    public static ISalesTenant Sales(IRuleActionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var caller = new CallerContext(context.TenantId, null, OperationSource.Rule, string.Create(CultureInfo.InvariantCulture, $"rule:{context.RuleName}@v{context.RuleBaseVersion}"));
        var tenant = context.Services.GetRequiredService<ICrmEngine>().ForTenant(caller);
        return context.Services.GetRequiredService<ISales>().For(tenant);
    }

    private static CrmRecord Record(IRuleActionContext context, string entityType)
    {
        var record = context.GetParameter<CrmRecord>("record");
        if (record is null || record.EntityType != entityType)
        {
            throw new CrmValidationException(new CrmValidationError(entityType, "record", record?.EntityType, "record_type",
                $"the action {context.ActionName} of rule '{context.RuleName}' needs a {entityType} record, got {(record is null ? "none" : "a " + record.EntityType)}."));
        }

        return record;
    }
}
