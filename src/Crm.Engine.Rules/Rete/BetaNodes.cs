using System.Diagnostics;
using System.Runtime.InteropServices;

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

/// <summary>
/// A left token held by a join, not or exists node: the key group it is indexed in and the right facts it matches, with
/// what a join made of each pair (the child token, or the activation when the join feeds a terminal).
/// </summary>
internal class LeftEntry(Token token)
{
    public Token Token { get; } = token;

    /// <summary>The group of its key (null: the node has no key, or the key expression failed), so unindexing needs no lookup.</summary>
    public KeyGroup? Group { get; set; }

    private Slots<RightEntry, object?> _matches;

    /// <summary>The right entries matched, each with its child token or activation (joins only). A reference: the set changes in place.</summary>
    public ref Slots<RightEntry, object?> Matches => ref _matches;
}

/// <summary>
/// The left entry of a not or exists node that feeds a terminal: it keeps the token's activation while the token
/// passes, so the terminal needs no entry of its own on the token (the token's one state slot is this node's).
/// </summary>
internal sealed class PassingEntry(Token token) : LeftEntry(token)
{
    public Activation? Activation { get; set; }
}

/// <summary>A right fact held by a join, not or exists node: the key group it is indexed in and the left tokens it matches.</summary>
internal sealed class RightEntry(Fact fact)
{
    public Fact Fact { get; } = fact;

    /// <summary>The group of its key (null: the node has no key, or the key expression failed).</summary>
    public KeyGroup? Group { get; set; }

    private Slots<LeftEntry, bool> _matches;

    /// <summary>The left entries matched. A reference: the set changes in place.</summary>
    public ref Slots<LeftEntry, bool> Matches => ref _matches;
}

/// <summary>The left tokens and right facts sharing one join key (each side in the order a hash set would give).</summary>
internal sealed class KeyGroup(object key)
{
    /// <summary>The key instance the group is stored under.</summary>
    public object Key { get; } = key;

    private Slots<LeftEntry, bool> _left;
    private Slots<RightEntry, bool> _right;

    public ref Slots<LeftEntry, bool> Left => ref _left;

    public ref Slots<RightEntry, bool> Right => ref _right;
}

/// <summary>
/// Memory of a join, not or exists node. Tokens and facts are entries that hold their key and their matches, so one
/// pair costs a slot on each side instead of hash sets, key maps and a child map.
/// </summary>
internal sealed class MatchMemory(IEqualityComparer<object>? comparer)
{
    public Dictionary<Token, LeftEntry> Left { get; } = [];

    public Dictionary<Fact, RightEntry> Right { get; } = [];

    public Dictionary<object, KeyGroup> Groups { get; } = new(comparer ?? EqualityComparer<object>.Default);

    /// <summary>
    /// The group of a key, created if needed. Entries keep their group, not their key, so the key just computed (often a
    /// boxed value) is garbage at once unless it becomes a new group's key.
    /// </summary>
    public KeyGroup GroupFor(object key)
    {
        ref var group = ref CollectionsMarshal.GetValueRefOrAddDefault(Groups, key, out var exists);
        if (!exists)
        {
            group = new KeyGroup(key);
        }

        return group!;
    }

    // An emptied side starts afresh (as a dropped and recreated hash set would), and a group empty on both sides goes.
    public void Release(KeyGroup group)
    {
        if (group.Left.Count == 0)
        {
            group.Left = default;
        }

        if (group.Right.Count == 0)
        {
            group.Right = default;
        }

        if (group.Left.Count == 0 && group.Right.Count == 0)
        {
            Groups.Remove(group.Key);
        }
    }
}

/// <summary>
/// Base of join, not and exists: keeps, for every left token, the set of right facts it matches. With an
/// equality key both sides are hash-indexed, so a change only meets the tokens/facts sharing its key.
/// </summary>
internal abstract class MatchNode(int memoryIndex, int stateId, JoinKey? key, IReadOnlyList<BoundExpression> conditions) : ILeftSink, IRightSink
{
    // Hashed nodes keep a token's entry on the token and a fact's entry on the fact (see Token, Fact): only their key
    // groups are enumerated. Nodes without a key scan a whole side, so they keep both sides in ordered dictionaries.
    public ILeftSink Next { get; set; } = null!;

    protected int StateId => stateId;

    /// <summary>Whether both memories are hash-indexed by an equality key (tests and diagnostics).</summary>
    public bool IsHashed => key is not null;

    public virtual void LeftAssert(Session session, Token token)
    {
        var m = Memory(session);
        var e = NewLeft(token);
        var indexed = IndexLeft(session, m, e);
        if (key is null)
        {
            foreach (var r in m.Right.Values)
            {
                TryPairOnLeftAssert(session, e, r);
            }
        }
        else if (indexed is { } group)
        {
            ref var right = ref group.Right;
            for (var i = 0; i < right.End; i++)
            {
                if (right.KeyAt(i) is { } r)
                {
                    TryPairOnLeftAssert(session, e, r);
                }
            }
        }

        AddLeft(session, m, e);
        OnLeftAssert(session, m, e);
    }

    public void LeftUpdate(Session session, Token token)
    {
        var m = Memory(session);
        if (!TryGetLeft(session, m, token, out var e))
        {
            LeftAssert(session, token);
            return;
        }

        UnindexLeft(m, e);
        var indexed = IndexLeft(session, m, e);
        var now = default(Slots<RightEntry, object?>);
        if (key is null)
        {
            foreach (var r in m.Right.Values)
            {
                if (Matches(session, token, r.Fact))
                {
                    now.AddNew(r, null);
                }
            }
        }
        else if (indexed is { } group)
        {
            ref var right = ref group.Right;
            for (var i = 0; i < right.End; i++)
            {
                if (right.KeyAt(i) is { } r && Matches(session, token, r.Fact))
                {
                    now.AddNew(r, null);
                }
            }
        }

        var old = e.Matches;
        for (var i = 0; i < old.End; i++)
        {
            if (old.KeyAt(i) is { } r && !now.Contains(r))
            {
                r.Matches.Remove(e);
            }
        }

        for (var i = 0; i < now.End; i++)
        {
            if (now.KeyAt(i) is { } r)
            {
                r.Matches.Add(e, false);
            }
        }

        e.Matches = now;
        OnLeftUpdate(session, m, e, old);
    }

    public void LeftRetract(Session session, Token token)
    {
        var m = Memory(session);
        if (!RemoveLeft(session, m, token, out var e))
        {
            return;
        }

        UnindexLeft(m, e);
        ref var matches = ref e.Matches;
        for (var i = 0; i < matches.End; i++)
        {
            matches.KeyAt(i)?.Matches.Remove(e);
        }

        OnLeftRetract(session, m, e);
    }

    public virtual void RightAssert(Session session, Fact fact)
    {
        var m = Memory(session);
        if (TryGetRight(m, fact, out _))
        {
            RightUpdate(session, fact);
            return;
        }

        var r = new RightEntry(fact);
        var indexed = IndexRight(session, m, r);
        AddRight(session, m, r);
        if (key is null)
        {
            foreach (var e in m.Left.Values)
            {
                TryPairOnRightAssert(session, m, e, r);
            }
        }
        else if (indexed is { } group)
        {
            ref var left = ref group.Left;
            for (var i = 0; i < left.End; i++)
            {
                if (left.KeyAt(i) is { } e)
                {
                    TryPairOnRightAssert(session, m, e, r);
                }
            }
        }
    }

    public virtual void RightUpdate(Session session, Fact fact)
    {
        var m = Memory(session);
        if (!TryGetRight(m, fact, out var r))
        {
            RightAssert(session, fact);
            return;
        }

        UnindexRight(m, r);
        var indexed = IndexRight(session, m, r);
        var now = default(Slots<LeftEntry, bool>);
        if (key is null)
        {
            foreach (var e in m.Left.Values)
            {
                if (Matches(session, e.Token, fact))
                {
                    now.AddNew(e, false);
                }
            }
        }
        else if (indexed is { } group)
        {
            ref var left = ref group.Left;
            for (var i = 0; i < left.End; i++)
            {
                if (left.KeyAt(i) is { } e && Matches(session, e.Token, fact))
                {
                    now.AddNew(e, false);
                }
            }
        }

        var old = r.Matches;
        r.Matches = now;
        for (var i = 0; i < old.End; i++)
        {
            if (old.KeyAt(i) is { } e && !now.Contains(e))
            {
                e.Matches.Remove(r, out var child);
                OnPairRemoved(session, m, e, r, child);
            }
        }

        for (var i = 0; i < now.End; i++)
        {
            if (now.KeyAt(i) is not { } e)
            {
                continue;
            }

            if (old.Contains(e))
            {
                OnPairUpdated(session, m, e, r);
            }
            else
            {
                var slot = e.Matches.AddNew(r, null);
                OnPairAdded(session, m, e, slot);
            }
        }
    }

    public virtual void RightRetract(Session session, Fact fact)
    {
        var m = Memory(session);
        if (!RemoveRight(m, fact, out var r))
        {
            return;
        }

        UnindexRight(m, r);
        ref var matches = ref r.Matches;
        for (var i = 0; i < matches.End; i++)
        {
            if (matches.KeyAt(i) is { } e)
            {
                e.Matches.Remove(r, out var child);
                OnPairRemoved(session, m, e, r, child);
            }
        }
    }

    /// <summary>The entry for a new left token.</summary>
    protected virtual LeftEntry NewLeft(Token token) => new(token);

    protected abstract void OnLeftAssert(Session session, MatchMemory m, LeftEntry e);

    /// <summary>After a left update: <paramref name="old"/> holds the previous matches (with their children), <c>e.Matches</c> the current ones (without).</summary>
    protected abstract void OnLeftUpdate(Session session, MatchMemory m, LeftEntry e, Slots<RightEntry, object?> old);

    protected abstract void OnLeftRetract(Session session, MatchMemory m, LeftEntry e);

    /// <summary>A pair was added: <paramref name="slot"/> is the right entry's slot in <c>e.Matches</c>.</summary>
    protected abstract void OnPairAdded(Session session, MatchMemory m, LeftEntry e, int slot);

    protected abstract void OnPairUpdated(Session session, MatchMemory m, LeftEntry e, RightEntry r);

    protected abstract void OnPairRemoved(Session session, MatchMemory m, LeftEntry e, RightEntry r, object? child);

    private MatchMemory Memory(Session session) =>
        session.GetMemoryOrNull<MatchMemory>(memoryIndex) ?? session.SetMemory(memoryIndex, new MatchMemory(key?.Comparer));

    private void AddLeft(Session session, MatchMemory m, LeftEntry e) => TokenEntries.Add(session, stateId, key is null ? m.Left : null, e.Token, e);

    private bool TryGetLeft(Session session, MatchMemory m, Token token, out LeftEntry e) => TokenEntries.TryGet(session, stateId, key is null ? m.Left : null, token, out e);

    private bool RemoveLeft(Session session, MatchMemory m, Token token, out LeftEntry e) => TokenEntries.Remove(session, stateId, key is null ? m.Left : null, token, out e);

    private void AddRight(Session session, MatchMemory m, RightEntry r)
    {
        if (key is null)
        {
            m.Right[r.Fact] = r;
        }
        else
        {
            session.FactStateAdd(stateId, r.Fact, r);
        }
    }

    private bool TryGetRight(MatchMemory m, Fact fact, out RightEntry r)
    {
        if (key is null)
        {
            return m.Right.TryGetValue(fact, out r!);
        }

        var found = fact.TryGetState(stateId, out var state);
        r = (RightEntry)state!;
        return found;
    }

    private bool RemoveRight(MatchMemory m, Fact fact, out RightEntry r)
    {
        if (key is null)
        {
            return m.Right.Remove(fact, out r!);
        }

        var found = fact.RemoveState(stateId, out var state);
        r = (RightEntry)state!;
        return found;
    }

    private void TryPairOnLeftAssert(Session session, LeftEntry e, RightEntry r)
    {
        if (Matches(session, e.Token, r.Fact))
        {
            e.Matches.AddNew(r, null);
            r.Matches.AddNew(e, false);
        }
    }

    private void TryPairOnRightAssert(Session session, MatchMemory m, LeftEntry e, RightEntry r)
    {
        if (Matches(session, e.Token, r.Fact))
        {
            r.Matches.AddNew(e, false);
            var slot = e.Matches.AddNew(r, null);
            OnPairAdded(session, m, e, slot);
        }
    }

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

    // Indexes a left entry under its key; returns its group (null: no key, or the key expression failed).
    private KeyGroup? IndexLeft(Session session, MatchMemory m, LeftEntry e)
    {
        if (key is null)
        {
            return null;
        }

        var k = key.LeftKey(session, e.Token);
        KeyGroup? group = null;
        if (!ReferenceEquals(k, JoinKey.NoKey))
        {
            group = m.GroupFor(k);
            group.Left.AddNew(e, false);
        }

        e.Group = group;
        return group;
    }

    private static void UnindexLeft(MatchMemory m, LeftEntry e)
    {
        if (e.Group is { } group)
        {
            group.Left.Remove(e);
            m.Release(group);
            e.Group = null;
        }
    }

    // Indexes a right entry under its key; returns its group (null: no key, or the key expression failed).
    private KeyGroup? IndexRight(Session session, MatchMemory m, RightEntry r)
    {
        if (key is null)
        {
            return null;
        }

        var k = key.RightKey(session, r.Fact);
        KeyGroup? group = null;
        if (!ReferenceEquals(k, JoinKey.NoKey))
        {
            group = m.GroupFor(k);
            group.Right.AddNew(r, false);
        }

        r.Group = group;
        return group;
    }

    private static void UnindexRight(MatchMemory m, RightEntry r)
    {
        if (r.Group is { } group)
        {
            group.Right.Remove(r);
            m.Release(group);
            r.Group = null;
        }
    }
}

internal sealed class JoinNode(int memoryIndex, int stateId, JoinKey? key, IReadOnlyList<BoundExpression> conditions, bool isRoot = false) : MatchNode(memoryIndex, stateId, key, conditions)
{
    /// <summary>
    /// First node of a branch without join conditions: its only left token is the empty one (present from session
    /// creation, never updated or retracted), so every right fact simply extends it. Such a node needs no left memory,
    /// no seeding when a session is created, and only each fact's child token (kept on the fact).
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

        // A fact arrives here once: its alpha memory passes it on only when it enters (an update of a held fact comes
        // as RightUpdate, and RightUpdate asserts only a fact it does not hold), so there is nothing to look up.
        Debug.Assert(!fact.TryGetState(StateId, out _), "a fact entered a root join twice");
        if (Next is TerminalNode terminal)
        {
            // One-fact rule: the fact holds the activation itself (whose token is made only if something asks for it).
            var activation = terminal.Create(Token.Empty, fact);
            session.FactStateAdd(StateId, fact, activation);
            TerminalNode.Created(session, activation);
            return;
        }

        var token = Token.Empty.Extend(fact);
        session.FactStateAdd(StateId, fact, token);
        Next.LeftAssert(session, token);
    }

    public override void RightUpdate(Session session, Fact fact)
    {
        if (!IsRoot)
        {
            base.RightUpdate(session, fact);
            return;
        }

        if (fact.TryGetState(StateId, out var child))
        {
            if (child is Activation activation)
            {
                TerminalNode.Updated(session, activation);
            }
            else
            {
                Next.LeftUpdate(session, (Token)child!);
            }
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

        if (fact.RemoveState(StateId, out var child))
        {
            if (child is Activation activation)
            {
                TerminalNode.Deleted(session, activation);
            }
            else
            {
                Next.LeftRetract(session, (Token)child!);
            }
        }
    }

    protected override void OnLeftAssert(Session session, MatchMemory m, LeftEntry e)
    {
        // A snapshot, as downstream nodes run while we iterate (a single match needs none).
        if (e.Matches.Count == 1)
        {
            OnPairAdded(session, m, e, e.Matches.FirstSlot());
            return;
        }

        foreach (var r in e.Matches.ToArray())
        {
            OnPairAdded(session, m, e, e.Matches.IndexOf(r));
        }
    }

    protected override void OnLeftUpdate(Session session, MatchMemory m, LeftEntry e, Slots<RightEntry, object?> old)
    {
        for (var i = 0; i < old.End; i++)
        {
            if (old.KeyAt(i) is { } r && !e.Matches.Contains(r))
            {
                OnPairRemoved(session, m, e, r, old.ValueAt(i));
            }
        }

        foreach (var r in e.Matches.ToArray())
        {
            var slot = e.Matches.IndexOf(r);
            var before = old.IndexOf(r);
            if (before >= 0)
            {
                var child = old.ValueAt(before);
                e.Matches.SetValueAt(slot, child);
                ChildUpdated(session, child);
            }
            else
            {
                OnPairAdded(session, m, e, slot);
            }
        }
    }

    protected override void OnLeftRetract(Session session, MatchMemory m, LeftEntry e)
    {
        for (var i = 0; i < e.Matches.End; i++)
        {
            if (e.Matches.KeyAt(i) is { } r)
            {
                OnPairRemoved(session, m, e, r, e.Matches.ValueAt(i));
            }
        }
    }

    protected override void OnPairAdded(Session session, MatchMemory m, LeftEntry e, int slot)
    {
        var fact = e.Matches.KeyAt(slot)!.Fact;
        if (Next is TerminalNode terminal)
        {
            // The last join of a rule keeps the pair's activation itself: no child token, no entry on one.
            var activation = terminal.Create(e.Token, fact);
            e.Matches.SetValueAt(slot, activation);
            TerminalNode.Created(session, activation);
            return;
        }

        var child = e.Token.Extend(fact);
        e.Matches.SetValueAt(slot, child);
        Next.LeftAssert(session, child);
    }

    protected override void OnPairUpdated(Session session, MatchMemory m, LeftEntry e, RightEntry r)
    {
        var slot = e.Matches.IndexOf(r);
        if (slot >= 0)
        {
            ChildUpdated(session, e.Matches.ValueAt(slot));
        }
    }

    protected override void OnPairRemoved(Session session, MatchMemory m, LeftEntry e, RightEntry r, object? child) => ToChild(session, child, retract: true);

    private void ChildUpdated(Session session, object? child) => ToChild(session, child, retract: false);

    // What a pair made: the activation this join keeps for its terminal, or the child token the next node holds.
    private void ToChild(Session session, object? child, bool retract)
    {
        switch (child)
        {
            case Activation activation when retract:
                TerminalNode.Deleted(session, activation);
                break;
            case Activation activation:
                TerminalNode.Updated(session, activation);
                break;
            case Token token when retract:
                Next.LeftRetract(session, token);
                break;
            case Token token:
                Next.LeftUpdate(session, token);
                break;
        }
    }
}

/// <summary>Not (<paramref name="negated"/>) or exists: passes the left token on while no (some) right fact matches it.</summary>
internal sealed class ExistenceNode(int memoryIndex, int stateId, JoinKey? key, IReadOnlyList<BoundExpression> conditions, bool negated) : MatchNode(memoryIndex, stateId, key, conditions)
{
    protected override void OnLeftAssert(Session session, MatchMemory m, LeftEntry e)
    {
        if (Passes(e.Matches.Count))
        {
            Pass(session, e);
        }
    }

    protected override void OnLeftUpdate(Session session, MatchMemory m, LeftEntry e, Slots<RightEntry, object?> old)
    {
        var was = Passes(old.Count);
        var @is = Passes(e.Matches.Count);
        if (was && @is)
        {
            Passed(session, e);
        }
        else if (was)
        {
            Unpass(session, e);
        }
        else if (@is)
        {
            Pass(session, e);
        }
    }

    protected override void OnLeftRetract(Session session, MatchMemory m, LeftEntry e)
    {
        if (Passes(e.Matches.Count))
        {
            Unpass(session, e);
        }
    }

    protected override void OnPairAdded(Session session, MatchMemory m, LeftEntry e, int slot)
    {
        // Count is already incremented: react only to the 0 -> 1 transition.
        if (e.Matches.Count == 1)
        {
            if (negated)
            {
                Unpass(session, e);
            }
            else
            {
                Pass(session, e);
            }
        }
    }

    protected override void OnPairUpdated(Session session, MatchMemory m, LeftEntry e, RightEntry r)
    {
    }

    protected override void OnPairRemoved(Session session, MatchMemory m, LeftEntry e, RightEntry r, object? child)
    {
        if (e.Matches.Count == 0)
        {
            if (negated)
            {
                Pass(session, e);
            }
            else
            {
                Unpass(session, e);
            }
        }
    }

    protected override LeftEntry NewLeft(Token token) => Next is TerminalNode ? new PassingEntry(token) : new LeftEntry(token);

    private bool Passes(int count) => negated ? count == 0 : count > 0;

    // A token that passes goes on to the next node; a terminal's activation is kept in the entry (see PassingEntry).
    private void Pass(Session session, LeftEntry e)
    {
        if (e is PassingEntry passing)
        {
            var activation = ((TerminalNode)Next).Create(e.Token);
            passing.Activation = activation;
            TerminalNode.Created(session, activation);
        }
        else
        {
            Next.LeftAssert(session, e.Token);
        }
    }

    private void Passed(Session session, LeftEntry e)
    {
        if (e is not PassingEntry passing)
        {
            Next.LeftUpdate(session, e.Token);
        }
        else if (passing.Activation is { } activation)
        {
            TerminalNode.Updated(session, activation);
        }
        else
        {
            Pass(session, e);
        }
    }

    private void Unpass(Session session, LeftEntry e)
    {
        if (e is not PassingEntry passing)
        {
            Next.LeftRetract(session, e.Token);
        }
        else if (passing.Activation is { } activation)
        {
            passing.Activation = null;
            TerminalNode.Deleted(session, activation);
        }
    }
}
