namespace Crm.Engine.Rules.Rete;

/// <summary>Equality join key: left expression over the token, right expression over the candidate fact.</summary>
internal sealed class JoinKey(BoundExpression left, BoundExpression right, IEqualityComparer<object> comparer)
{
    // Keys that stand for null (a dictionary key cannot be null) and for "the key expression failed".
    public static readonly object NullKey = new();
    public static readonly object NoKey = new();

    public IEqualityComparer<object> Comparer { get; } = comparer;

    public object LeftKey(Session session, Token token) => Normalize(left.Invoke(session, token, null));

    public object RightKey(Session session, Fact fact) => Normalize(right.Invoke(session, Token.Empty, fact.Object));

    private static object Normalize(object? value) => value switch
    {
        null => NullKey,
        _ when ReferenceEquals(value, Session.Failed) => NoKey,
        _ => value,
    };
}

internal sealed class MatchMemory(IEqualityComparer<object>? comparer)
{
    public Dictionary<Token, HashSet<Fact>> Left { get; } = [];

    public Dictionary<Fact, HashSet<Token>> Right { get; } = [];

    public KeyIndex<Token> LeftIndex { get; } = new(comparer);

    public KeyIndex<Fact> RightIndex { get; } = new(comparer);

    public Dictionary<(Token, Fact), Token> Children { get; } = [];
}

/// <summary>
/// Base of join, not and exists: keeps, for every left token, the set of right facts it matches. With an
/// equality key both sides are hash-indexed, so a change only meets the tokens/facts sharing its key.
/// </summary>
internal abstract class MatchNode(int memoryIndex, JoinKey? key, IReadOnlyList<BoundExpression> conditions) : ILeftSink, IRightSink
{
    public ILeftSink Next { get; set; } = null!;

    protected int MemoryIndex => memoryIndex;

    /// <summary>Whether both memories are hash-indexed by an equality key (tests and diagnostics).</summary>
    public bool IsHashed => key is not null;

    public virtual void LeftAssert(Session session, Token token)
    {
        var m = Memory(session);
        IndexLeft(session, m, token);
        var matches = new HashSet<Fact>();
        foreach (var fact in Candidates(m, token))
        {
            if (Matches(session, token, fact))
            {
                matches.Add(fact);
                m.Right[fact].Add(token);
            }
        }

        m.Left[token] = matches;
        OnLeftAssert(session, m, token, matches);
    }

    public void LeftUpdate(Session session, Token token)
    {
        var m = Memory(session);
        if (!m.Left.TryGetValue(token, out var old))
        {
            LeftAssert(session, token);
            return;
        }

        UnindexLeft(m, token);
        IndexLeft(session, m, token);
        var matches = new HashSet<Fact>();
        foreach (var fact in Candidates(m, token))
        {
            if (Matches(session, token, fact))
            {
                matches.Add(fact);
            }
        }

        foreach (var fact in old)
        {
            if (!matches.Contains(fact))
            {
                m.Right[fact].Remove(token);
            }
        }

        foreach (var fact in matches)
        {
            m.Right[fact].Add(token);
        }

        m.Left[token] = matches;
        OnLeftUpdate(session, m, token, old, matches);
    }

    public void LeftRetract(Session session, Token token)
    {
        var m = Memory(session);
        if (!m.Left.Remove(token, out var old))
        {
            return;
        }

        UnindexLeft(m, token);
        foreach (var fact in old)
        {
            m.Right[fact].Remove(token);
        }

        OnLeftRetract(session, m, token, old);
    }

    public virtual void RightAssert(Session session, Fact fact)
    {
        var m = Memory(session);
        if (m.Right.ContainsKey(fact))
        {
            RightUpdate(session, fact);
            return;
        }

        IndexRight(session, m, fact);
        var tokens = new HashSet<Token>();
        m.Right[fact] = tokens;
        foreach (var token in Candidates(session, m, fact))
        {
            if (Matches(session, token, fact))
            {
                tokens.Add(token);
                m.Left[token].Add(fact);
                OnPairAdded(session, m, token, fact);
            }
        }
    }

    public virtual void RightUpdate(Session session, Fact fact)
    {
        var m = Memory(session);
        if (!m.Right.TryGetValue(fact, out var old))
        {
            RightAssert(session, fact);
            return;
        }

        UnindexRight(m, fact);
        IndexRight(session, m, fact);
        var now = new HashSet<Token>();
        foreach (var token in Candidates(session, m, fact))
        {
            if (Matches(session, token, fact))
            {
                now.Add(token);
            }
        }

        m.Right[fact] = now;
        foreach (var token in old)
        {
            if (!now.Contains(token))
            {
                m.Left[token].Remove(fact);
                OnPairRemoved(session, m, token, fact);
            }
        }

        foreach (var token in now)
        {
            if (old.Contains(token))
            {
                OnPairUpdated(session, m, token, fact);
            }
            else
            {
                m.Left[token].Add(fact);
                OnPairAdded(session, m, token, fact);
            }
        }
    }

    public virtual void RightRetract(Session session, Fact fact)
    {
        var m = Memory(session);
        if (!m.Right.Remove(fact, out var old))
        {
            return;
        }

        UnindexRight(m, fact);
        foreach (var token in old)
        {
            m.Left[token].Remove(fact);
            OnPairRemoved(session, m, token, fact);
        }
    }

    protected abstract void OnLeftAssert(Session session, MatchMemory m, Token token, HashSet<Fact> matches);

    protected abstract void OnLeftUpdate(Session session, MatchMemory m, Token token, HashSet<Fact> old, HashSet<Fact> now);

    protected abstract void OnLeftRetract(Session session, MatchMemory m, Token token, HashSet<Fact> old);

    protected abstract void OnPairAdded(Session session, MatchMemory m, Token token, Fact fact);

    protected abstract void OnPairUpdated(Session session, MatchMemory m, Token token, Fact fact);

    protected abstract void OnPairRemoved(Session session, MatchMemory m, Token token, Fact fact);

    private MatchMemory Memory(Session session) => session.GetMemory(memoryIndex, () => new MatchMemory(key?.Comparer));

    private bool Matches(Session session, Token token, Fact fact)
    {
        foreach (var condition in conditions)
        {
            if (!condition.Test(session, token, fact.Object))
            {
                return false;
            }
        }

        return true;
    }

    private IEnumerable<Fact> Candidates(MatchMemory m, Token token)
    {
        if (key is null)
        {
            return m.Right.Keys;
        }

        return m.RightIndex.ItemsWith(m.LeftIndex.KeyOf(token)) ?? [];
    }

    private IEnumerable<Token> Candidates(Session session, MatchMemory m, Fact fact)
    {
        if (key is null)
        {
            return m.Left.Keys;
        }

        return m.LeftIndex.ItemsWith(m.RightIndex.KeyOf(fact)) ?? [];
    }

    private void IndexLeft(Session session, MatchMemory m, Token token)
    {
        if (key is not null)
        {
            m.LeftIndex.Add(token, key.LeftKey(session, token));
        }
    }

    private void UnindexLeft(MatchMemory m, Token token)
    {
        if (key is not null)
        {
            m.LeftIndex.Remove(token);
        }
    }

    private void IndexRight(Session session, MatchMemory m, Fact fact)
    {
        if (key is not null)
        {
            m.RightIndex.Add(fact, key.RightKey(session, fact));
        }
    }

    private void UnindexRight(MatchMemory m, Fact fact)
    {
        if (key is not null)
        {
            m.RightIndex.Remove(fact);
        }
    }
}

internal sealed class JoinNode(int memoryIndex, JoinKey? key, IReadOnlyList<BoundExpression> conditions, bool isRoot = false) : MatchNode(memoryIndex, key, conditions)
{
    /// <summary>
    /// First node of a branch without join conditions: its only left token is the empty one (present from session
    /// creation, never updated or retracted), so every right fact simply extends it. Such a node needs no left memory,
    /// no seeding when a session is created, and only a fact → child token map.
    /// </summary>
    public bool IsRoot { get; } = isRoot && key is null && conditions.Count == 0;

    public override void LeftAssert(Session session, Token token)
    {
        if (!IsRoot)
        {
            base.LeftAssert(session, token);
        }
    }

    public override void RightAssert(Session session, Fact fact)
    {
        if (!IsRoot)
        {
            base.RightAssert(session, fact);
            return;
        }

        ref var slot = ref session.NodeMemorySlot(MemoryIndex, fact, out var exists);
        if (exists)
        {
            Next.LeftUpdate(session, (Token)slot!);
            return;
        }

        var child = Token.Empty.Extend(fact);
        slot = child;
        Next.LeftAssert(session, child);
    }

    public override void RightUpdate(Session session, Fact fact)
    {
        if (!IsRoot)
        {
            base.RightUpdate(session, fact);
            return;
        }

        if (session.NodeMemoryTryGet(MemoryIndex, fact, out var child))
        {
            Next.LeftUpdate(session, (Token)child!);
        }
        else
        {
            RightAssert(session, fact);
        }
    }

    public override void RightRetract(Session session, Fact fact)
    {
        if (!IsRoot)
        {
            base.RightRetract(session, fact);
            return;
        }

        if (session.NodeMemoryRemove(MemoryIndex, fact, out var child))
        {
            Next.LeftRetract(session, (Token)child!);
        }
    }

    protected override void OnLeftAssert(Session session, MatchMemory m, Token token, HashSet<Fact> matches)
    {
        // A copy, as downstream nodes run while we iterate (a single match needs none).
        if (matches.Count == 1)
        {
            Fact? single = null;
            foreach (var fact in matches)
            {
                single = fact;
            }

            OnPairAdded(session, m, token, single!);
            return;
        }

        foreach (var fact in matches.ToList())
        {
            OnPairAdded(session, m, token, fact);
        }
    }

    protected override void OnLeftUpdate(Session session, MatchMemory m, Token token, HashSet<Fact> old, HashSet<Fact> now)
    {
        foreach (var fact in old)
        {
            if (!now.Contains(fact))
            {
                OnPairRemoved(session, m, token, fact);
            }
        }

        foreach (var fact in now.ToList())
        {
            if (old.Contains(fact))
            {
                OnPairUpdated(session, m, token, fact);
            }
            else
            {
                OnPairAdded(session, m, token, fact);
            }
        }
    }

    protected override void OnLeftRetract(Session session, MatchMemory m, Token token, HashSet<Fact> old)
    {
        foreach (var fact in old)
        {
            OnPairRemoved(session, m, token, fact);
        }
    }

    protected override void OnPairAdded(Session session, MatchMemory m, Token token, Fact fact)
    {
        var child = token.Extend(fact);
        m.Children[(token, fact)] = child;
        Next.LeftAssert(session, child);
    }

    protected override void OnPairUpdated(Session session, MatchMemory m, Token token, Fact fact)
    {
        if (m.Children.TryGetValue((token, fact), out var child))
        {
            Next.LeftUpdate(session, child);
        }
    }

    protected override void OnPairRemoved(Session session, MatchMemory m, Token token, Fact fact)
    {
        if (m.Children.Remove((token, fact), out var child))
        {
            Next.LeftRetract(session, child);
        }
    }
}

/// <summary>Not (<paramref name="negated"/>) or exists: passes the left token on while no (some) right fact matches it.</summary>
internal sealed class ExistenceNode(int memoryIndex, JoinKey? key, IReadOnlyList<BoundExpression> conditions, bool negated) : MatchNode(memoryIndex, key, conditions)
{
    protected override void OnLeftAssert(Session session, MatchMemory m, Token token, HashSet<Fact> matches)
    {
        if (Passes(matches.Count))
        {
            Next.LeftAssert(session, token);
        }
    }

    protected override void OnLeftUpdate(Session session, MatchMemory m, Token token, HashSet<Fact> old, HashSet<Fact> now)
    {
        var was = Passes(old.Count);
        var @is = Passes(now.Count);
        if (was && @is)
        {
            Next.LeftUpdate(session, token);
        }
        else if (was)
        {
            Next.LeftRetract(session, token);
        }
        else if (@is)
        {
            Next.LeftAssert(session, token);
        }
    }

    protected override void OnLeftRetract(Session session, MatchMemory m, Token token, HashSet<Fact> old)
    {
        if (Passes(old.Count))
        {
            Next.LeftRetract(session, token);
        }
    }

    protected override void OnPairAdded(Session session, MatchMemory m, Token token, Fact fact)
    {
        // Count is already incremented: react only to the 0 -> 1 transition.
        if (m.Left[token].Count == 1)
        {
            if (negated)
            {
                Next.LeftRetract(session, token);
            }
            else
            {
                Next.LeftAssert(session, token);
            }
        }
    }

    protected override void OnPairUpdated(Session session, MatchMemory m, Token token, Fact fact)
    {
    }

    protected override void OnPairRemoved(Session session, MatchMemory m, Token token, Fact fact)
    {
        if (m.Left[token].Count == 0)
        {
            if (negated)
            {
                Next.LeftAssert(session, token);
            }
            else
            {
                Next.LeftRetract(session, token);
            }
        }
    }

    private bool Passes(int count) => negated ? count == 0 : count > 0;
}
