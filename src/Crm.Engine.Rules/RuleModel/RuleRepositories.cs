namespace Crm.Engine.Rules.RuleModel;

/// <summary>A source of rule sets (in the rule model's namespace, as in NRules).</summary>
public interface IRuleRepository
{
    /// <summary>The loaded rule sets.</summary>
    /// <returns>The rule sets.</returns>
    IEnumerable<IRuleSet> GetRuleSets();
}
