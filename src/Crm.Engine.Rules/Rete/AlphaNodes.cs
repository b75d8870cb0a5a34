using Crm.Engine.Rules.RuleModel;

namespace Crm.Engine.Rules.Rete;

/// <summary>Alpha network node: tests one fact at a time. Children are shared between rules with structurally equal conditions.</summary>
internal abstract class AlphaNode
{
    private readonly Dictionary<ExpressionKey, SelectionNode> _byKey = [];

    // Children in the order they were added: the order facts visit them, which decides activation (so firing) order.
    private readonly List<SelectionNode> _children = [];
    private AlphaDispatch[]? _dispatch;

    public AlphaMemoryNode? Memory { get; set; }

    public List<IRuleDefinition> Rules { get; } = [];

    public IEnumerable<SelectionNode> Children => _children;

    /// <summary>How many groups of children are evaluated together (tests and diagnostics).</summary>
    public int DispatchGroups => _dispatch?.Length ?? 0;

    public SelectionNode GetOrAddChild(ExpressionKey key, Func<SelectionNode> create)
    {
        if (!_byKey.TryGetValue(key, out var child))
        {
            child = create();
            _byKey[key] = child;
            _children.Add(child);
            _dispatch = null;
        }

        return child;
    }

    /// <summary>
    /// After the last rule is added: groups children that compare the same value with different literals (see
    /// <see cref="AlphaComparison"/>), here and below, so a fact computes the value once per group.
    /// </summary>
    public void Freeze()
    {
        if (_children.Count >= AlphaDispatch.MinGroup)
        {
            var groups = new Dictionary<(ExpressionKey Value, CompareOp Op), List<int>>();
            for (var i = 0; i < _children.Count; i++)
            {
                if (_children[i].Comparison is { } c)
                {
                    var key = (new ExpressionKey(c.Value), c.Op);
                    if (!groups.TryGetValue(key, out var positions))
                    {
                        groups[key] = positions = [];
                    }

                    positions.Add(i);
                }
            }

            var dispatch = new List<AlphaDispatch>();
            foreach (var positions in groups.Values.Where(p => p.Count >= AlphaDispatch.MinGroup))
            {
                var first = _children[positions[0]].Comparison!;
                dispatch.Add(AlphaDispatch.Create(first.Value, first.Op, [.. positions.Select(p => _children[p].Comparison!.Constant)], [.. positions]));
            }

            _dispatch = dispatch.Count > 0 ? [.. dispatch] : null;
        }

        foreach (var child in _children)
        {
            child.Freeze();
        }
    }

    public void Assert(Session session, Fact fact)
    {
        if (Accepts(session, fact))
        {
            Accepted(session, fact, update: false);
        }
    }

    public void Update(Session session, Fact fact)
    {
        if (Accepts(session, fact))
        {
            Accepted(session, fact, update: true);
        }
        else
        {
            Retract(session, fact);
        }
    }

    public void Retract(Session session, Fact fact)
    {
        Memory?.Retract(session, fact);
        foreach (var child in _children)
        {
            child.Retract(session, fact);
        }
    }

    protected abstract bool Accepts(Session session, Fact fact);

    // A fact this node accepts goes on to its memory and its children, asserted or updated. Children evaluated
    // together (dispatch) are told the outcome: a pass skips their own test, a fail on update retracts.
    private void Accepted(Session session, Fact fact, bool update)
    {
        if (update)
        {
            Memory?.Update(session, fact);
        }
        else
        {
            Memory?.Assert(session, fact);
        }

        var children = _children;
        Span<byte> states = _dispatch is null ? default : children.Count <= 1024 ? stackalloc byte[children.Count] : new byte[children.Count];
        if (_dispatch is not null)
        {
            Dispatch(fact, states);
        }

        for (var i = 0; i < children.Count; i++)
        {
            var child = children[i];
            switch (states.IsEmpty ? AlphaDispatch.Unknown : states[i])
            {
                case AlphaDispatch.Unknown when update:
                    child.Update(session, fact);
                    break;
                case AlphaDispatch.Unknown:
                    child.Assert(session, fact);
                    break;
                case AlphaDispatch.Pass:
                    child.Accepted(session, fact, update);
                    break;
                default:
                    if (update)
                    {
                        child.Retract(session, fact);
                    }

                    break;
            }
        }
    }

    private void Dispatch(Fact fact, Span<byte> states)
    {
        foreach (var group in _dispatch!)
        {
            group.Evaluate(fact.Object, states);
        }
    }
}

internal sealed class TypeNode(Type type) : AlphaNode
{
    public Type Type { get; } = type;

    protected override bool Accepts(Session session, Fact fact) => true;
}

internal sealed class SelectionNode(CompiledExpression condition, AlphaComparison? comparison) : AlphaNode
{
    public CompiledExpression Condition { get; } = condition;

    /// <summary>The condition as a literal comparison, when it is one (see <see cref="AlphaDispatch"/>).</summary>
    public AlphaComparison? Comparison { get; } = comparison;

    protected override bool Accepts(Session session, Fact fact) =>
        session.Test1(Condition, fact.Object, Rules);
}

/// <summary>
/// Facts that passed an alpha path; feeds the right input of beta nodes. Which facts it holds is marked on the facts
/// themselves (a bit per alpha memory, <paramref name="alphaIndex"/>), so the memory costs a session nothing.
/// </summary>
internal sealed class AlphaMemoryNode(int memoryIndex, int alphaIndex)
{
    public int MemoryIndex { get; } = memoryIndex;

    public int AlphaIndex { get; } = alphaIndex;

    public List<IRightSink> Sinks { get; } = [];

    public void Assert(Session session, Fact fact)
    {
        if (!fact.AddToAlpha(AlphaIndex))
        {
            Update(session, fact);
            return;
        }

        foreach (var sink in Sinks)
        {
            sink.RightAssert(session, fact);
        }
    }

    public void Update(Session session, Fact fact)
    {
        if (!fact.InAlpha(AlphaIndex))
        {
            Assert(session, fact);
            return;
        }

        foreach (var sink in Sinks)
        {
            sink.RightUpdate(session, fact);
        }
    }

    public void Retract(Session session, Fact fact)
    {
        if (!fact.RemoveFromAlpha(AlphaIndex))
        {
            return;
        }

        foreach (var sink in Sinks)
        {
            sink.RightRetract(session, fact);
        }
    }
}
