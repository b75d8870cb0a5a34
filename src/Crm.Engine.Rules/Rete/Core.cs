using System.Numerics;
using Crm.Engine.Rules.RuleModel;

namespace Crm.Engine.Rules.Rete;

/// <summary>A working-memory entry (or a synthetic value: aggregate result, binding). Reference identity; the object may be replaced by an update.</summary>
internal sealed class Fact(long id, object? value)
{
    public long Id { get; } = id;

    public object? Object { get; set; } = value;

    public Activation? Source { get; set; }

    public object? LinkedKey { get; set; }

    // Deterministic hashing keeps iteration orders (and so activation recency ties) stable between runs.
    public override int GetHashCode() => Id.GetHashCode();

    public override bool Equals(object? obj) => ReferenceEquals(this, obj);

    public override string ToString() => $"#{Id}:{Object}";
}

/// <summary>A partial match: one slot per declaration bound so far in a branch.</summary>
internal sealed class Token
{
    public static readonly Token Empty = new([], 0);

    // Tokens are compared by reference but hashed from their facts' ids: a stored hash costs nothing to read, where
    // the runtime's identity hash takes a slow path (and a GC transition) the first time each new token is hashed.
    private readonly int _hash;

    private Token(Fact?[] facts, int hash)
    {
        Facts = facts;
        _hash = hash;
    }

    public Fact?[] Facts { get; }

    public Token Extend(Fact fact)
    {
        var facts = new Fact?[Facts.Length + 1];
        Facts.CopyTo(facts, 0);
        facts[^1] = fact;
        return new Token(facts, unchecked((int)BitOperations.RotateLeft((uint)_hash, 7) ^ (fact.GetHashCode() * -1640531535)));
    }

    public override int GetHashCode() => _hash;

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

    private object? Arg(Token token, object? candidate, int i) => slots[i] < 0 ? candidate : token.Facts[slots[i]]?.Object;

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
/// The tokens or facts of a hashed join memory, by join key: the key each item was indexed under (so it can be
/// unindexed when it changes) and the items under each key. An item whose key is <see cref="JoinKey.NoKey"/> is
/// remembered but never matched. The sets keep insertion order, which decides firing order.
/// </summary>
internal sealed class KeyIndex<T>(IEqualityComparer<object>? comparer)
    where T : notnull
{
    private readonly Dictionary<object, HashSet<T>> _items = new(comparer ?? EqualityComparer<object>.Default);
    private readonly Dictionary<T, object> _keys = [];

    /// <summary>Indexes an item under a key; returns the key.</summary>
    public object Add(T item, object key)
    {
        _keys[item] = key;
        if (!ReferenceEquals(key, JoinKey.NoKey))
        {
            _items.GetOrAdd(key).Add(item);
        }

        return key;
    }

    /// <summary>Unindexes an item; returns the key it had, or null when it was not indexed.</summary>
    public object? Remove(T item)
    {
        if (!_keys.Remove(item, out var key))
        {
            return null;
        }

        if (_items.TryGetValue(key, out var set))
        {
            set.Remove(item);
            if (set.Count == 0)
            {
                _items.Remove(key);
            }
        }

        return key;
    }

    /// <summary>The key an indexed item has.</summary>
    public object KeyOf(T item) => _keys[item];

    /// <summary>The items under a key, or null when there are none (or the key never matches).</summary>
    public HashSet<T>? ItemsWith(object? key) =>
        key is not null && !ReferenceEquals(key, JoinKey.NoKey) && _items.TryGetValue(key, out var set) ? set : null;
}

