using System.Linq.Expressions;
using Crm.Engine.Rules.RuleModel;

namespace Crm.Engine.Rules.Diagnostics;

/// <summary>Data of a working-memory event.</summary>
/// <param name="fact">The fact.</param>
public sealed class WorkingMemoryEventArgs(object fact) : EventArgs
{
    /// <summary>The fact: its runtime type and value (<c>e.Fact.Value</c>, as in NRules).</summary>
    public IFact Fact { get; } = new FactInfo(fact);
}

/// <summary>Data of an agenda event.</summary>
/// <param name="activation">The activation.</param>
public sealed class AgendaEventArgs(Activation activation) : EventArgs
{
    /// <summary>The activation.</summary>
    public Activation Activation { get; } = activation;

    /// <summary>The activation's rule.</summary>
    public IRuleDefinition Rule => Activation.Rule;

    /// <summary>The activation's facts.</summary>
    public IReadOnlyList<IFactMatch> Facts => Activation.Facts;

    /// <summary>The activation as a match (NRules' name).</summary>
    public IMatch Match => Activation;
}

/// <summary>Data of a failed expression; set <see cref="IsHandled"/> to carry on instead of throwing.</summary>
public abstract class ExpressionErrorEventArgs : EventArgs
{
    private protected ExpressionErrorEventArgs(Exception exception, Expression expression, IReadOnlyList<object?> arguments)
    {
        Exception = exception;
        Expression = expression;
        Arguments = arguments;
    }

    /// <summary>What the expression threw.</summary>
    public Exception Exception { get; }

    /// <summary>The expression.</summary>
    public Expression Expression { get; }

    /// <summary>The argument values.</summary>
    public IReadOnlyList<object?> Arguments { get; }

    /// <summary>Set to <see langword="true"/> to treat the failure as handled (a condition then counts as false, an action as done).</summary>
    public bool IsHandled { get; set; }
}

/// <summary>A condition, binding or aggregate expression failed.</summary>
public sealed class LhsExpressionErrorEventArgs : ExpressionErrorEventArgs
{
    internal LhsExpressionErrorEventArgs(Exception exception, Expression expression, IReadOnlyList<object?> arguments, IReadOnlyList<IRuleDefinition> rules, IReadOnlyList<object?> facts)
        : base(exception, expression, arguments)
    {
        Rules = rules;
        Facts = [.. facts.Select(f => (IFact)new FactInfo(f))];
    }

    /// <summary>Rules that use the expression (a shared condition has several).</summary>
    public IReadOnlyList<IRuleDefinition> Rules { get; }

    /// <summary>The facts being evaluated (<c>f.Value</c>, as in NRules).</summary>
    public IReadOnlyList<IFact> Facts { get; }
}

/// <summary>An action failed.</summary>
public sealed class RhsExpressionErrorEventArgs : ExpressionErrorEventArgs
{
    internal RhsExpressionErrorEventArgs(Exception exception, Expression expression, IReadOnlyList<object?> arguments, IMatch match)
        : base(exception, expression, arguments) => Match = match;

    /// <summary>The firing match (rule and facts).</summary>
    public IMatch Match { get; }
}

/// <summary>Events of a session (or of every session of a factory).</summary>
public interface IEventProvider
{
    /// <summary>Before a fact is inserted.</summary>
    event EventHandler<WorkingMemoryEventArgs>? FactInsertingEvent;

    /// <summary>After a fact was inserted.</summary>
    event EventHandler<WorkingMemoryEventArgs>? FactInsertedEvent;

    /// <summary>Before a fact is updated.</summary>
    event EventHandler<WorkingMemoryEventArgs>? FactUpdatingEvent;

    /// <summary>After a fact was updated.</summary>
    event EventHandler<WorkingMemoryEventArgs>? FactUpdatedEvent;

    /// <summary>Before a fact is retracted.</summary>
    event EventHandler<WorkingMemoryEventArgs>? FactRetractingEvent;

    /// <summary>After a fact was retracted.</summary>
    event EventHandler<WorkingMemoryEventArgs>? FactRetractedEvent;

    /// <summary>A new match was found.</summary>
    event EventHandler<AgendaEventArgs>? ActivationCreatedEvent;

    /// <summary>A match's facts were updated.</summary>
    event EventHandler<AgendaEventArgs>? ActivationUpdatedEvent;

    /// <summary>A match stopped holding.</summary>
    event EventHandler<AgendaEventArgs>? ActivationDeletedEvent;

    /// <summary>Before a rule's actions run.</summary>
    event EventHandler<AgendaEventArgs>? RuleFiringEvent;

    /// <summary>After a rule's actions ran.</summary>
    event EventHandler<AgendaEventArgs>? RuleFiredEvent;

    /// <summary>A condition, binding or aggregate expression threw.</summary>
    event EventHandler<LhsExpressionErrorEventArgs>? LhsExpressionFailedEvent;

    /// <summary>An action threw.</summary>
    event EventHandler<RhsExpressionErrorEventArgs>? RhsExpressionFailedEvent;
}

/// <summary>Events of a session or factory; a session's forwards to its factory's. Arguments are created only for a level that has a handler (no allocation when nobody listens).</summary>
internal sealed class EventAggregator(EventAggregator? parent) : IEventProvider
{
    public event EventHandler<WorkingMemoryEventArgs>? FactInsertingEvent;

    public event EventHandler<WorkingMemoryEventArgs>? FactInsertedEvent;

    public event EventHandler<WorkingMemoryEventArgs>? FactUpdatingEvent;

    public event EventHandler<WorkingMemoryEventArgs>? FactUpdatedEvent;

    public event EventHandler<WorkingMemoryEventArgs>? FactRetractingEvent;

    public event EventHandler<WorkingMemoryEventArgs>? FactRetractedEvent;

    public event EventHandler<AgendaEventArgs>? ActivationCreatedEvent;

    public event EventHandler<AgendaEventArgs>? ActivationUpdatedEvent;

    public event EventHandler<AgendaEventArgs>? ActivationDeletedEvent;

    public event EventHandler<AgendaEventArgs>? RuleFiringEvent;

    public event EventHandler<AgendaEventArgs>? RuleFiredEvent;

    public event EventHandler<LhsExpressionErrorEventArgs>? LhsExpressionFailedEvent;

    public event EventHandler<RhsExpressionErrorEventArgs>? RhsExpressionFailedEvent;

    public void FactInserting(object sender, object fact)
    {
        FactInsertingEvent?.Invoke(sender, new WorkingMemoryEventArgs(fact));
        parent?.FactInserting(sender, fact);
    }

    public void FactInserted(object sender, object fact)
    {
        FactInsertedEvent?.Invoke(sender, new WorkingMemoryEventArgs(fact));
        parent?.FactInserted(sender, fact);
    }

    public void FactUpdating(object sender, object fact)
    {
        FactUpdatingEvent?.Invoke(sender, new WorkingMemoryEventArgs(fact));
        parent?.FactUpdating(sender, fact);
    }

    public void FactUpdated(object sender, object fact)
    {
        FactUpdatedEvent?.Invoke(sender, new WorkingMemoryEventArgs(fact));
        parent?.FactUpdated(sender, fact);
    }

    public void FactRetracting(object sender, object fact)
    {
        FactRetractingEvent?.Invoke(sender, new WorkingMemoryEventArgs(fact));
        parent?.FactRetracting(sender, fact);
    }

    public void FactRetracted(object sender, object fact)
    {
        FactRetractedEvent?.Invoke(sender, new WorkingMemoryEventArgs(fact));
        parent?.FactRetracted(sender, fact);
    }

    public void ActivationCreated(object sender, Activation activation)
    {
        ActivationCreatedEvent?.Invoke(sender, new AgendaEventArgs(activation));
        parent?.ActivationCreated(sender, activation);
    }

    public void ActivationUpdated(object sender, Activation activation)
    {
        ActivationUpdatedEvent?.Invoke(sender, new AgendaEventArgs(activation));
        parent?.ActivationUpdated(sender, activation);
    }

    public void ActivationDeleted(object sender, Activation activation)
    {
        ActivationDeletedEvent?.Invoke(sender, new AgendaEventArgs(activation));
        parent?.ActivationDeleted(sender, activation);
    }

    public void RuleFiring(object sender, Activation activation)
    {
        RuleFiringEvent?.Invoke(sender, new AgendaEventArgs(activation));
        parent?.RuleFiring(sender, activation);
    }

    public void RuleFired(object sender, Activation activation)
    {
        RuleFiredEvent?.Invoke(sender, new AgendaEventArgs(activation));
        parent?.RuleFired(sender, activation);
    }

    public void LhsExpressionFailed(object sender, LhsExpressionErrorEventArgs args)
    {
        LhsExpressionFailedEvent?.Invoke(sender, args);
        parent?.LhsExpressionFailed(sender, args);
    }

    public void RhsExpressionFailed(object sender, RhsExpressionErrorEventArgs args)
    {
        RhsExpressionFailedEvent?.Invoke(sender, args);
        parent?.RhsExpressionFailed(sender, args);
    }
}
