using Crm.Engine.Rules.RuleModel;

namespace Crm.Engine.Rules.Rete;

/// <summary>Alpha network node: tests one fact at a time. Children are shared between rules with structurally equal conditions.</summary>
internal abstract class AlphaNode
{
    private readonly Dictionary<ExpressionKey, SelectionNode> _children = [];

    public AlphaMemoryNode? Memory { get; set; }

    public List<IRuleDefinition> Rules { get; } = [];

    public IEnumerable<SelectionNode> Children => _children.Values;

    public SelectionNode GetOrAddChild(ExpressionKey key, Func<SelectionNode> create)
    {
        if (!_children.TryGetValue(key, out var child))
        {
            child = create();
            _children[key] = child;
        }

        return child;
    }

    public void Assert(Session session, Fact fact)
    {
        if (!Accepts(session, fact))
        {
            return;
        }

        Memory?.Assert(session, fact);
        foreach (var child in _children.Values)
        {
            child.Assert(session, fact);
        }
    }

    public void Update(Session session, Fact fact)
    {
        if (!Accepts(session, fact))
        {
            Retract(session, fact);
            return;
        }

        Memory?.Update(session, fact);
        foreach (var child in _children.Values)
        {
            child.Update(session, fact);
        }
    }

    public void Retract(Session session, Fact fact)
    {
        Memory?.Retract(session, fact);
        foreach (var child in _children.Values)
        {
            child.Retract(session, fact);
        }
    }

    protected abstract bool Accepts(Session session, Fact fact);
}

internal sealed class TypeNode(Type type) : AlphaNode
{
    public Type Type { get; } = type;

    protected override bool Accepts(Session session, Fact fact) => true;
}

internal sealed class SelectionNode(CompiledExpression condition) : AlphaNode
{
    public CompiledExpression Condition { get; } = condition;

    protected override bool Accepts(Session session, Fact fact) =>
        session.Test1(Condition, fact.Object, Rules);
}

/// <summary>Facts that passed an alpha path; feeds the right input of beta nodes. Its memory (a set of facts) lives in the session's shared node memory.</summary>
internal sealed class AlphaMemoryNode(int memoryIndex)
{
    public int MemoryIndex { get; } = memoryIndex;

    public List<IRightSink> Sinks { get; } = [];

    public void Assert(Session session, Fact fact)
    {
        session.NodeMemorySlot(MemoryIndex, fact, out var exists);
        if (exists)
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
        if (!session.NodeMemoryTryGet(MemoryIndex, fact, out _))
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
        if (!session.NodeMemoryRemove(MemoryIndex, fact, out _))
        {
            return;
        }

        foreach (var sink in Sinks)
        {
            sink.RightRetract(session, fact);
        }
    }
}
