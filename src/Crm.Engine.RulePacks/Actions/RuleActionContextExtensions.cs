using System.Globalization;
using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Rules;
using Crm.Engine.Abstractions.Tenancy;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Engine.RulePacks.Actions;

/// <summary>
/// Who a rule action acts as. Changes a rule makes are attributed to the rule and the rule-base version that fired it:
/// <see cref="OperationSource.Rule"/> with the source name <c>rule:&lt;rule name&gt;@v&lt;version&gt;</c> (e.g.
/// <c>rule:escalate-vip@v3</c>), which the audit trail records with the change.
/// </summary>
public static class RuleActionContextExtensions
{
    /// <summary>The source name of changes made by a rule: <c>rule:&lt;ruleName&gt;@v&lt;version&gt;</c>.</summary>
    /// <param name="ruleName">The rule that fired.</param>
    /// <param name="ruleBaseVersion">The version of the tenant's rule base it belongs to.</param>
    /// <returns>The source name.</returns>
    public static string SourceName(string ruleName, long ruleBaseVersion) =>
        string.Create(CultureInfo.InvariantCulture, $"rule:{ruleName}@v{ruleBaseVersion}");

    /// <summary>The caller a rule's changes are made as (no user; source <see cref="OperationSource.Rule"/>; see <see cref="SourceName"/>).</summary>
    /// <param name="tenantId">The tenant.</param>
    /// <param name="ruleName">The rule that fired.</param>
    /// <param name="ruleBaseVersion">The version of the tenant's rule base it belongs to.</param>
    /// <returns>The caller context.</returns>
    public static CallerContext RuleCaller(string tenantId, string ruleName, long ruleBaseVersion) =>
        new(tenantId, null, OperationSource.Rule, SourceName(ruleName, ruleBaseVersion));

    /// <summary>The caller the action's changes are made as: the rule that fired and its rule-base version.</summary>
    /// <param name="context">The action's context.</param>
    /// <returns>The caller context.</returns>
    public static CallerContext Caller(this IRuleActionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return RuleCaller(context.TenantId, context.RuleName, context.RuleBaseVersion);
    }

    /// <summary>
    /// The tenant's API acting as the rule (<see cref="Caller"/>): records created or changed through it go through
    /// the record pipeline and are audited as changes of this rule in this rule-base version. Plugin actions should
    /// make their record changes through it.
    /// </summary>
    /// <param name="context">The action's context.</param>
    /// <returns>The tenant's API.</returns>
    public static ICrmTenant Tenant(this IRuleActionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Services.GetRequiredService<ICrmEngine>().ForTenant(context.Caller());
    }
}
