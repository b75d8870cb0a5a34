using Crm.Engine.Rules.RuleModel;

namespace Crm.Engine.Rules.Extensibility;

/// <summary>What a dependency resolver knows about the request.</summary>
public interface IResolutionContext
{
    /// <summary>The session.</summary>
    ISession Session { get; }

    /// <summary>The rule whose action needs the service.</summary>
    IRuleDefinition Rule { get; }
}

/// <summary>Resolves services declared with <c>Dependency().Resolve(...)</c>.</summary>
public interface IDependencyResolver
{
    /// <summary>Resolves a service.</summary>
    /// <param name="context">Resolution context.</param>
    /// <param name="serviceType">Service type.</param>
    /// <returns>The service.</returns>
    object Resolve(IResolutionContext context, Type serviceType);
}

/// <summary>Default resolver: fails, because no container was configured.</summary>
public sealed class DependencyResolver : IDependencyResolver
{
    /// <inheritdoc />
    public object Resolve(IResolutionContext context, Type serviceType) =>
        throw new InvalidOperationException($"No dependency resolver is configured; cannot resolve {serviceType}.");
}

/// <summary>One action of a firing rule, ready to run.</summary>
public interface IActionInvocation
{
    /// <summary>The action's arguments (declared values, in parameter order after the context).</summary>
    IReadOnlyList<object?> Arguments { get; }

    /// <summary>The action's model element.</summary>
    ActionElement Action { get; }

    /// <summary>
    /// When the action runs, as declared (as in NRules): <c>Activated | Reactivated</c> for <c>Do</c>, <c>Deactivated</c>
    /// for <c>Undo</c>, the given triggers for <c>Action</c>. Why the rule fires now is the context's <c>Match.Trigger</c>.
    /// </summary>
    ActionTrigger Trigger { get; }

    /// <summary>Runs the action.</summary>
    void Invoke();
}

/// <summary>Wraps the actions of every firing (logging, transactions, skipping).</summary>
public interface IActionInterceptor
{
    /// <summary>Called instead of running the actions; call <see cref="IActionInvocation.Invoke"/> to run them.</summary>
    /// <param name="context">The firing context.</param>
    /// <param name="actions">The actions.</param>
    void Intercept(IContext context, IEnumerable<IActionInvocation> actions);
}
