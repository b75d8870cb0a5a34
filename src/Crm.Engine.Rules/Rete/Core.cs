using System.Numerics;
using Crm.Engine.Rules.RuleModel;

namespace Crm.Engine.Rules.Rete;

/// <summary>
/// A working-memory entry (or a synthetic value: aggregate result, binding). Reference identity; the object may be
/// replaced by an update. A fact carries the session's per-node state about itself — which alpha memories hold it and
/// what root joins and hashed joins keep for it — so a session needs no dictionary keyed by fact for those.
/// </summary>
internal sealed class Fact(long id, object? value) : IReadOnlyCollection<Fact>
{
    // Alpha memory membership by AlphaMemoryNode.AlphaIndex: the first 64 inline, the rest in words allocated on use.
    private ulong _alpha;

    // Per-node state (root join: child token or activation; hashed join: right entry): the first two inline (a fact
    // of a join or a not/exists usually sits in two nodes, and the second node id fills what would be padding), the
    // others in a list. Looked up only on update and retract; never enumerated, so order does not matter.
    private int _stateNode = -1;
    private int _stateNode2 = -1;
    private object? _state;
    private object? _state2;

    // What most facts never need, in one object made on first use (a fact lives as long as the session: every field
    // here is a field fewer on each of them).
    private FactExtra? _extra;

    public long Id { get; } = id;

    public object? Object { get; set; } = value;

    /// <summary>The activation that inserted this fact as a linked fact, or null.</summary>
    public Activation? Source => _extra?.Source;

    /// <summary>The key it is linked under in <see cref="Source"/>.</summary>
    public object? LinkedKey => _extra?.LinkedKey;

    private ulong[]? _alphaMore
    {
        get => _extra?.AlphaMore;
        set => (_extra ??= new()).AlphaMore = value;
    }

    /// <summary>Marks the fact as linked to an activation (see <c>IContext.InsertLinked</c>).</summary>
    public void LinkTo(Activation source, object key)
    {
        _extra ??= new();
        _extra.Source = source;
        _extra.LinkedKey = key;
    }

    /// <summary>Marks the fact as held by an alpha memory; returns false when it already was.</summary>
    public bool AddToAlpha(int index)
    {
        if (index < 64)
        {
            var bit = 1UL << index;
            var had = (_alpha & bit) != 0;
            _alpha |= bit;
            return !had;
        }

        var word = (index >> 6) - 1;
        var words = _alphaMore;
        if (words is null || word >= words.Length)
        {
            Array.Resize(ref words, Math.Max(word + 1, (words?.Length ?? 0) * 2));
            _alphaMore = words;
        }

        var more = 1UL << (index & 63);
        var present = (words[word] & more) != 0;
        words[word] |= more;
        return !present;
    }

    public bool InAlpha(int index)
    {
        if (index < 64)
        {
            return (_alpha & (1UL << index)) != 0;
        }

        var word = (index >> 6) - 1;
        var words = _alphaMore;
        return words is not null && word < words.Length && (words[word] & (1UL << (index & 63))) != 0;
    }

    /// <summary>Unmarks the fact from an alpha memory; returns false when it was not held.</summary>
    public bool RemoveFromAlpha(int index)
    {
        if (!InAlpha(index))
        {
            return false;
        }

        if (index < 64)
        {
            _alpha &= ~(1UL << index);
        }
        else
        {
            _alphaMore![(index >> 6) - 1] &= ~(1UL << (index & 63));
        }

        return true;
    }

    /// <summary>Adds the state a node keeps for this fact (the node must not have one yet).</summary>
    public void AddState(int node, object? state, int capacityHint)
    {
        if (_stateNode < 0)
        {
            _stateNode = node;
            _state = state;
            return;
        }

        if (_stateNode2 < 0)
        {
            _stateNode2 = node;
            _state2 = state;
            return;
        }

        (_extra ??= new()).States.Add(node, state, capacityHint - 2);
    }

    public bool TryGetState(int node, out object? state)
    {
        if (_stateNode == node)
        {
            state = _state;
            return true;
        }

        if (_stateNode2 == node)
        {
            state = _state2;
            return true;
        }

        if (_extra is { } extra)
        {
            return extra.States.TryGet(node, out state);
        }

        state = null;
        return false;
    }

    public bool RemoveState(int node, out object? state)
    {
        if (_stateNode == node)
        {
            state = _state;
            _stateNode = -1;
            _state = null;
            return true;
        }

        if (_stateNode2 == node)
        {
            state = _state2;
            _stateNode2 = -1;
            _state2 = null;
            return true;
        }

        if (_extra is { } extra)
        {
            return extra.States.Remove(node, out state);
        }

        state = null;
        return false;
    }

    /// <summary>How many node states the fact holds (the session learns list capacities from it).</summary>
    public int StateCount => (_stateNode >= 0 ? 1 : 0) + (_stateNode2 >= 0 ? 1 : 0) + (_extra?.States.Count ?? 0);

    // A fact is also the one-element set of contributors of the aggregate item it is (see FactStage): no array per item.
    int IReadOnlyCollection<Fact>.Count => 1;

    IEnumerator<Fact> IEnumerable<Fact>.GetEnumerator()
    {
        yield return this;
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => ((IEnumerable<Fact>)this).GetEnumerator();

    // Deterministic hashing keeps iteration orders (and so activation recency ties) stable between runs.
    public override int GetHashCode() => Id.GetHashCode();

    public override bool Equals(object? obj) => ReferenceEquals(this, obj);

    public override string ToString() => $"#{Id}:{Object}";
}

/// <summary>The rarely used parts of a <see cref="Fact"/>.</summary>
internal sealed class FactExtra
{
    public ulong[]? AlphaMore { get; set; }

    /// <summary>Node states beyond the first two (a field, not an object of its own: one allocation fewer per fact that has them).</summary>
    public NodeStates States;

    public Activation? Source { get; set; }

    public object? LinkedKey { get; set; }
}

/// <summary>
/// Node states of a fact beyond the first two: a list searched linearly while short, through an index when long. A mutable
/// struct kept as a field of <see cref="FactExtra"/>; the list is made on the first add.
/// </summary>
internal struct NodeStates
{
    private const int IndexThreshold = 16;

    private (int Node, object? State)[]? _items;
    private Dictionary<int, int>? _index;

    public int Count { get; private set; }

    public void Add(int node, object? state, int capacityHint)
    {
        if (_items is null)
        {
            _items = new (int, object?)[Math.Max(capacityHint, 2)];
        }
        else if (Count == _items.Length)
        {
            Array.Resize(ref _items, Count * 2);
        }

        _items[Count] = (node, state);
        _index?.Add(node, Count);
        Count++;
    }

    public bool TryGet(int node, out object? state)
    {
        var i = IndexOf(node);
        state = i >= 0 ? _items![i].State : null;
        return i >= 0;
    }

    public bool Remove(int node, out object? state)
    {
        var i = IndexOf(node);
        if (i < 0)
        {
            state = null;
            return false;
        }

        var items = _items!;
        state = items[i].State;
        var last = --Count;
        _index?.Remove(node);
        if (i != last)
        {
            items[i] = items[last];
            if (_index is not null)
            {
                _index[items[i].Node] = i;
            }
        }

        items[last] = default;
        return true;
    }

    private int IndexOf(int node)
    {
        if (_index is null && Count > IndexThreshold)
        {
            _index = new Dictionary<int, int>(Count);
            for (var i = 0; i < Count; i++)
            {
                _index[_items![i].Node] = i;
            }
        }

        if (_index is not null)
        {
            return _index.TryGetValue(node, out var found) ? found : -1;
        }

        for (var i = 0; i < Count; i++)
        {
            if (_items![i].Node == node)
            {
                return i;
            }
        }

        return -1;
    }
}

/// <summary>
/// A partial match: the facts bound so far in a branch, one per declaration, as a chain from the newest back to the
/// empty token (one allocation per extension). A token also carries the state of one node that keeps an entry for
/// it (its terminal's activation, or a join's left entry); further nodes keep theirs in the session.
/// </summary>
internal sealed class Token
{
    public static readonly Token Empty = new(null, null, 0);

    private readonly Token? _parent;
    private readonly Fact? _fact;

    private Token(Token? parent, Fact? fact, int length)
    {
        _parent = parent;
        _fact = fact;
        Length = length;
    }

    /// <summary>Number of facts bound.</summary>
    public int Length { get; }

    /// <summary>The node whose state <see cref="State"/> is, or -1.</summary>
    public int StateNode { get; set; } = -1;

    public object? State { get; set; }

    /// <summary>The facts in declaration order (diagnostics; the hot path reads <see cref="FactAt"/>).</summary>
    public Fact?[] Facts
    {
        get
        {
            var facts = new Fact?[Length];
            var t = this;
            for (var i = Length - 1; i >= 0; i--)
            {
                facts[i] = t._fact;
                t = t._parent!;
            }

            return facts;
        }
    }

    public Fact? FactAt(int index)
    {
        var t = this;
        for (var n = Length - 1 - index; n > 0; n--)
        {
            t = t._parent!;
        }

        return t._fact;
    }

    public Token Extend(Fact fact) => new(this, fact, Length + 1);

    // Tokens are compared by reference but hashed from their facts' ids: the runtime's identity hash takes a slow path
    // (and a GC transition) the first time each new token is hashed, and ids keep iteration orders stable between
    // runs. Computed on demand (a walk of Length steps) rather than stored: most tokens are never hashed (hashed joins
    // keep their entries on the token), and a token lives as long as its match.
    public override int GetHashCode() =>
        _parent is null ? 0 : unchecked((int)BitOperations.RotateLeft((uint)_parent.GetHashCode(), 7) ^ ((_fact?.GetHashCode() ?? 0) * -1640531535));

    public override bool Equals(object? obj) => ReferenceEquals(this, obj);
}

/// <summary>Key of the session's shared node memory: a node and one fact or token it holds (compared by reference).</summary>
internal readonly struct NodeKey(int node, object item) : IEquatable<NodeKey>
{
    private readonly int _node = node;
    private readonly object _item = item;

    public static bool operator ==(NodeKey left, NodeKey right) => left.Equals(right);

    public static bool operator !=(NodeKey left, NodeKey right) => !left.Equals(right);

    public bool Equals(NodeKey other) => _node == other._node && ReferenceEquals(_item, other._item);

    public override bool Equals(object? obj) => obj is NodeKey other && Equals(other);

    // Items are facts and tokens, which hash cheaply (by id) and compare by reference.
    public override int GetHashCode() => (_node * -1521134295) ^ _item.GetHashCode();
}

internal interface ILeftSink
{
    void LeftAssert(Session session, Token token);

    void LeftUpdate(Session session, Token token);

    void LeftRetract(Session session, Token token);
}

internal interface IRightSink
{
    void RightAssert(Session session, Fact fact);

    void RightUpdate(Session session, Fact fact);

    void RightRetract(Session session, Fact fact);
}

/// <summary>A compiled expression plus where each of its parameters comes from (a token slot, or -1 for the candidate value).</summary>
internal sealed class BoundExpression(CompiledExpression expression, int[] slots, IReadOnlyList<IRuleDefinition> rules)
{
    public CompiledExpression Expression { get; } = expression;

    public IReadOnlyList<IRuleDefinition> Rules { get; } = rules;

    public object? Invoke(Session session, Token token, object? candidate) =>
        slots.Length == 1 && Expression.IsUnary
            ? session.Evaluate1(Expression, Arg(token, candidate, 0), Rules)
            : session.Evaluate(Expression, Args(token, candidate), Rules);

    public bool Test(Session session, Token token, object? candidate) =>
        slots.Length == 1 && Expression.IsUnary
            ? session.Test1(Expression, Arg(token, candidate, 0), Rules)
            : session.Test(Expression, Args(token, candidate), Rules);

    private object? Arg(Token token, object? candidate, int i) => slots[i] < 0 ? candidate : token.FactAt(slots[i])?.Object;

    private object?[] Args(Token token, object? candidate)
    {
        var args = new object?[slots.Length];
        for (var i = 0; i < slots.Length; i++)
        {
            args[i] = Arg(token, candidate, i);
        }

        return args;
    }
}

internal static class MemoryExtensions
{
    public static TValue GetOrAdd<TKey, TValue>(this Dictionary<TKey, TValue> dictionary, TKey key)
        where TKey : notnull
        where TValue : new()
    {
        if (!dictionary.TryGetValue(key, out var value))
        {
            value = new TValue();
            dictionary[key] = value;
        }

        return value;
    }
}

/// <summary>
/// Where a node keeps its entry for each token: in its own map when it must enumerate them in order (a node without
/// an equality key meets every entry on every change), else on the token itself (see <see cref="Session.TokenStateSet"/>).
/// </summary>
internal static class TokenEntries
{
    public static void Add<T>(Session session, int node, Dictionary<Token, T>? ordered, Token token, T entry)
        where T : class
    {
        if (ordered is not null)
        {
            ordered[token] = entry;
        }
        else
        {
            session.TokenStateSet(node, token, entry);
        }
    }

    public static bool TryGet<T>(Session session, int node, Dictionary<Token, T>? ordered, Token token, out T entry)
        where T : class
    {
        if (ordered is not null)
        {
            return ordered.TryGetValue(token, out entry!);
        }

        var found = session.TokenStateTryGet(node, token, out var state);
        entry = (T)state!;
        return found;
    }

    public static bool Remove<T>(Session session, int node, Dictionary<Token, T>? ordered, Token token, out T entry)
        where T : class
    {
        if (ordered is not null)
        {
            return ordered.Remove(token, out entry!);
        }

        var found = session.TokenStateRemove(node, token, out var state);
        entry = (T)state!;
        return found;
    }
}
