using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Rules;

namespace Crm.Engine.RulePacks.Actions;

/// <summary>The rule actions registered by the core and the plugins, by name (what <c>crm rules actions</c> prints).</summary>
public interface IRuleActionCatalog
{
    /// <summary>Every registered action, ordered by name.</summary>
    IReadOnlyList<RuleActionDefinition> Actions { get; }

    /// <summary>An action by name.</summary>
    /// <param name="name">The action's name (case-sensitive).</param>
    /// <returns>The action, or <see langword="null"/>.</returns>
    RuleActionDefinition? Find(string name);
}

/// <summary>The catalogue built from every <see cref="RuleActionDefinition"/> registered in the services.</summary>
internal sealed class RuleActionCatalog : IRuleActionCatalog
{
    private readonly Dictionary<string, RuleActionDefinition> _byName = new(StringComparer.Ordinal);

    public RuleActionCatalog(IEnumerable<RuleActionDefinition> actions)
    {
        foreach (var action in actions)
        {
            if (string.IsNullOrWhiteSpace(action.Name) || !action.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.'))
            {
                throw new CrmConfigurationException($"Rule action '{action.Name}' (module {action.Module}) has an invalid name: use letters, digits, '_' or '.'.");
            }

            if (!_byName.TryAdd(action.Name, action))
            {
                throw new CrmConfigurationException($"Rule action '{action.Name}' is registered twice (modules {_byName[action.Name].Module} and {action.Module}).");
            }

            var duplicate = action.Parameters.GroupBy(p => p.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null)
            {
                throw new CrmConfigurationException($"Rule action '{action.Name}' declares parameter '{duplicate.Key}' twice.");
            }
        }

        Actions = [.. _byName.Values.OrderBy(a => a.Name, StringComparer.Ordinal)];
    }

    public IReadOnlyList<RuleActionDefinition> Actions { get; }

    public RuleActionDefinition? Find(string name) => _byName.GetValueOrDefault(name);
}
