using Crm.Engine.Rules;
using Crm.Engine.Rules.Extensibility;
using Crm.Engine.Rules.RuleModel;

namespace Crm.Engine.RulePacks.Compilation;

/// <summary>
/// Collects, per session, the actions pack rules take. Rule actions only record what to do while the rules engine fires
/// (synchronously, inside the matcher); the evaluation performs them afterwards in order — or, in a dry run, not at all.
/// </summary>
internal sealed class ActionCollector
{
    private readonly List<RuleActionInvocation> _invocations = [];
    private readonly List<string> _warnings = [];

    public IReadOnlyList<RuleActionInvocation> Invocations => _invocations;

    public IReadOnlyList<string> Warnings => _warnings;

    public void Warn(string warning) => _warnings.Add(warning);

    /// <summary>The rule property holding a pack rule's <see cref="ActionPlan"/>s.</summary>
    public const string PlansProperty = "crm.pack.actions";

    /// <summary>Called by the compiled action of a pack rule: captures each of its actions in order.</summary>
    public static void Capture(IContext context, object?[] facts)
    {
        ArgumentNullException.ThrowIfNull(context);
        var collector = (ActionCollector)context.Resolve(typeof(ActionCollector));
        foreach (var plan in (IReadOnlyList<ActionPlan>)context.Rule.Properties[PlansProperty])
        {
            collector.Capture(plan, facts);
        }
    }

    private void Capture(ActionPlan plan, object?[] facts)
    {
        var collector = this;
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var parameter in plan.Parameters)
        {
            try
            {
                values[parameter.Name] = parameter.Value(facts);
            }
            catch (Exception ex) when (ex is ArithmeticException or InvalidCastException or ArgumentException or FormatException or Expressions.RuleRuntimeException)
            {
                collector.Warn($"rule '{plan.RuleName}', action '{plan.Action.Name}': parameter '{parameter.Name}' could not be computed ({ex.Message}); the action was skipped.");
                return;
            }
        }

        var matched = plan.Aliases.Select((a, i) => new KeyValuePair<string, object?>(a, facts[i])).ToList();
        collector._invocations.Add(new RuleActionInvocation(collector._invocations.Count + 1, plan.RuleName, plan.Action.Name, values, matched));
    }
}

/// <summary>Resolves the session's action collector, and anything else (C# rules' dependencies) from the engine's services.</summary>
internal sealed class SessionResolver(ActionCollector collector, IServiceProvider? services) : IDependencyResolver
{
    public object Resolve(IResolutionContext context, Type serviceType) =>
        serviceType == typeof(ActionCollector)
            ? collector
            : services?.GetService(serviceType) ?? throw new InvalidOperationException($"No service {serviceType} is registered for rule '{context?.Rule.Name}'.");
}
