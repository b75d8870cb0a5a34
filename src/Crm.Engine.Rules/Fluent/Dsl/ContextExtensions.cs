using Crm.Engine.Rules.RuleModel;

namespace Crm.Engine.Rules.Fluent.Dsl;

/// <summary>Typed helpers for rule actions (as in NRules' fluent DSL).</summary>
public static class ContextExtensions
{
    /// <summary>Resolves a service through the session's dependency resolver.</summary>
    /// <typeparam name="TService">The service type.</typeparam>
    /// <param name="context">The action context.</param>
    /// <returns>The service.</returns>
    public static TService Resolve<TService>(this IContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return (TService)context.Resolve(typeof(TService));
    }
}
