using System.Globalization;
using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Rules;
using Crm.Engine.Abstractions.Tenancy;
using Crm.Engine.Abstractions.Work;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Plugins.Service;

/// <summary>The rule actions the service module offers to rule packs.</summary>
public static class ServiceRuleActions
{
    /// <summary>The name of the action that starts a case's SLA.</summary>
    public const string StartSla = "startSla";

    /// <summary>The actions.</summary>
    /// <returns>The action definitions.</returns>
    public static IEnumerable<RuleActionDefinition> All()
    {
        yield return new RuleActionDefinition
        {
            Name = StartSla,
            Description = "Starts a case's SLA on the business calendar: slaDueAt = openedAt + after (days(n)/weeks(n) business days, other durations working time), slaState onTrack, slaHours, and durable timers for the warning and the breach (the case becomes warning/breached when they fire before it is resolved). An SLA of the same length already set is kept unless restart is true, so a rule re-evaluated on every change does not push the deadline.",
            Parameters =
            [
                new("record", RuleParameterType.Record, true, "The alias of the case."),
                new("after", RuleParameterType.BusinessDuration, true, "The SLA, e.g. hours(48) (working hours) or days(5) (business days)."),
                new("warnAt", RuleParameterType.Number, false, "When to warn, in percent of the SLA (1 to 99; default 75; 0 for no warning)."),
                new("calendar", RuleParameterType.Text, false, "The business calendar's key (default: the tenant's default calendar)."),
                new("restart", RuleParameterType.Bool, false, "Whether an SLA of the same length already set is computed again from the case's opening time (default false)."),
            ],
            Handler = StartSlaAsync,
        };
    }

    private static async Task StartSlaAsync(IRuleActionContext ctx)
    {
        var record = ctx.GetParameter<CrmRecord>("record")
            ?? throw new CrmValidationException(new CrmValidationError("rule", "record", null, "required", $"{StartSla} in rule '{ctx.RuleName}': the 'record' parameter is not a matched record."));
        if (record.EntityType != ServiceEntities.Case)
        {
            throw new CrmValidationException(new CrmValidationError("rule", "record", record.EntityType, "wrong_type",
                $"{StartSla} in rule '{ctx.RuleName}': the 'record' parameter must be a case, not a {record.EntityType}."));
        }

        var after = ctx.GetParameter<BusinessDuration?>("after")
            ?? throw new CrmValidationException(new CrmValidationError("rule", "after", null, "required", $"{StartSla} in rule '{ctx.RuleName}': 'after' is required."));
        var caller = new CallerContext(ctx.TenantId, null, OperationSource.Rule, string.Create(CultureInfo.InvariantCulture, $"rule:{ctx.RuleName}@v{ctx.RuleBaseVersion}"));
        var tenant = ctx.Services.GetRequiredService<ICrmEngine>().ForTenant(caller);
        var current = await tenant.Records.GetAsync(ServiceEntities.Case, record.Id, ctx.CancellationToken).ConfigureAwait(false);
        if (current is null || ServiceRules.IsFinished(current))
        {
            return;
        }

        var hours = after.BusinessDays is { } days ? days * 24m : (decimal)after.WorkingTime.TotalHours;
        if (ctx.GetParameter<bool?>("restart") != true && current[CaseFields.SlaDueAt] is not null && current[CaseFields.SlaHours] is decimal set && set == decimal.Round(hours, 2))
        {
            return;
        }

        await ctx.Services.GetRequiredService<IServiceDesk>().For(tenant)
            .SetSlaAsync(record.Id, after, ctx.GetParameter<decimal?>("warnAt"), ctx.GetParameter<string>("calendar"), ctx.CancellationToken).ConfigureAwait(false);
    }
}
