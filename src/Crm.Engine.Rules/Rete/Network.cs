using System.Collections.Concurrent;
using Crm.Engine.Rules.RuleModel;

namespace Crm.Engine.Rules.Rete;

/// <summary>Where an action argument comes from.</summary>
internal readonly record struct ActionArg(int Slot, Type? ServiceType, object? Default);

internal sealed class CompiledAction(ActionElement element, CompiledExpression expression, ActionArg[] args)
{
    public ActionElement Element { get; } = element;

    public CompiledExpression Expression { get; } = expression;

    public ActionArg[] Args { get; } = args;
}

internal enum StepKind
{
    Fact,
    Not,
    Exists,
    Source,
}

/// <summary>One element of a branch as the explain evaluator sees it.</summary>
internal sealed record ExplainStep(StepKind Kind, Declaration Declaration, IReadOnlyList<(BoundExpression Condition, System.Linq.Expressions.Expression Source)> Conditions, Stage? Stage, Type? FactType)
{
    /// <summary>For a source step: the node whose memory holds the alpha-filtered facts the source aggregates.</summary>
    public SourceNode? Node { get; init; }
}

internal sealed class CompiledBranch(CompiledRule rule, int index, IReadOnlyList<Declaration> slots)
{
    public CompiledRule Rule { get; } = rule;

    /// <summary>The rule's priority, one read away from an activation.</summary>
    public int Priority { get; } = rule.Priority;

    public int Index { get; } = index;

    public IReadOnlyList<Declaration> Slots { get; } = slots;

    public ILeftSink First { get; set; } = null!;

    public List<ExplainStep> Steps { get; } = [];

    public List<CompiledAction> Actions { get; } = [];

    public List<BoundExpression> Predicates { get; } = [];

    public List<BoundExpression> ChangeKeys { get; } = [];
}

internal sealed class CompiledRule(IRuleDefinition definition, int index)
{
    public IRuleDefinition Definition { get; } = definition;

    /// <summary>The rule's priority, read once.</summary>
    public int Priority { get; } = definition.Priority;

    /// <summary>Position in <see cref="ReteNetwork.Rules"/>.</summary>
    public int Index { get; } = index;

    public List<CompiledBranch> Branches { get; } = [];

    // A rule without actions still fires (doing nothing), so Fire() counts it and agenda filters see it.
    public ActionTrigger Triggers { get; } = definition.RightHandSide.Actions.Count == 0
        ? ActionTrigger.Activated | ActionTrigger.Reactivated
        : definition.RightHandSide.Actions.Aggregate(ActionTrigger.None, (t, a) => t | a.ActionTrigger);
}

/// <summary>The immutable compiled network; sessions hold only memories indexed by node.</summary>
internal sealed class ReteNetwork(IReadOnlyList<TypeNode> typeNodes, IReadOnlyList<CompiledRule> rules, int memoryCount)
{
    // Filled lazily from many threads; values depend only on the immutable network, so races are harmless.
    private readonly ConcurrentDictionary<Type, TypeNode[]> _typeCache = new();

    public IReadOnlyList<CompiledRule> Rules { get; } = rules;

    public int MemoryCount { get; } = memoryCount;

    /// <summary>
    /// Initial capacity of a new session's shared node memory (token states of second nodes): the largest size earlier
    /// sessions reached when they fired (capped), so typical sessions do not regrow it. Written racily by many
    /// sessions; any value is correct.
    /// </summary>
    public int NodeMemoryCapacity { get; set; }

    /// <summary>Initial capacity of a session's agenda: the most activations earlier sessions queued (capped), learnt as <see cref="NodeMemoryCapacity"/>.</summary>
    public int AgendaCapacity { get; set; }

    /// <summary>Initial capacity of a fact's list of node states: the most a fact has reached (capped), learnt as <see cref="NodeMemoryCapacity"/>.</summary>
    public int FactStateCapacity { get; set; }

    /// <summary>First nodes of the branches that must see the empty token when a session starts (root joins need not).</summary>
    public ILeftSink[] Seeds { get; } = [.. rules.SelectMany(r => r.Branches).Select(b => b.First).Where(f => f is not JoinNode { IsRoot: true })];

    public TypeNode[] TypeNodesFor(Type type) =>
        _typeCache.TryGetValue(type, out var nodes) ? nodes : _typeCache.GetOrAdd(type, t => [.. typeNodes.Where(n => n.Type.IsAssignableFrom(t))]);
}
