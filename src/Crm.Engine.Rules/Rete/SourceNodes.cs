using System.Collections;
using System.Reflection;
using System.Runtime.InteropServices;
using Crm.Engine.Rules.RuleModel;

namespace Crm.Engine.Rules.Rete;

/// <summary>One value produced by a pattern source, with a key that identifies it across re-evaluations.</summary>
internal readonly record struct Item(object Key, object? Value, IReadOnlyCollection<Fact> Contributors);

/// <summary>Produces the values of a pattern whose source is an aggregate or a binding, for one left token.</summary>
internal abstract class Stage
{
    public static readonly object SingleKey = new();

    /// <summary>Equality key between the left token and the aggregated facts, when the innermost pattern has one.</summary>
    public virtual JoinKey? Key => null;

    public abstract List<Item> Evaluate(Session session, Token token, IReadOnlyCollection<Fact> facts);
}

/// <summary>Working-memory facts (already alpha-filtered) that also pass conditions referring to earlier declarations.</summary>
internal sealed class FactStage(IReadOnlyList<BoundExpression> conditions, JoinKey? key) : Stage
{
    public override JoinKey? Key => key;

    public override List<Item> Evaluate(Session session, Token token, IReadOnlyCollection<Fact> facts)
    {
        // In fact order (ids are unique, so any sort gives the same order). A source node's keyed candidates come as
        // a fresh array, which is sorted in place; other collections are copied first.
        Fact[] sorted;
        var n = facts.Count;
        if (facts is Fact[] array)
        {
            sorted = array;
        }
        else
        {
            sorted = new Fact[n];
            var i = 0;
            foreach (var fact in facts)
            {
                sorted[i++] = fact;
            }
        }

        if (n > 1)
        {
            Array.Sort(sorted, static (a, b) => a.Id.CompareTo(b.Id));
        }

        var items = new List<Item>(n);
        foreach (var fact in sorted)
        {
            if (Passes(session, token, fact))
            {
                items.Add(new Item(fact, fact.Object, fact));
            }
        }

        return items;
    }

    private bool Passes(Session session, Token token, Fact fact)
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
}

/// <summary>A value computed from the token (<c>Let</c>, query <c>From</c>), then filtered.</summary>
internal sealed class BindingStage(BoundExpression expression, IReadOnlyList<BoundExpression> conditions) : Stage
{
    public override List<Item> Evaluate(Session session, Token token, IReadOnlyCollection<Fact> facts)
    {
        var value = expression.Invoke(session, token, null);
        if (ReferenceEquals(value, Session.Failed))
        {
            return [];
        }

        foreach (var condition in conditions)
        {
            if (!condition.Test(session, token, value))
            {
                return [];
            }
        }

        return [new Item(SingleKey, value, [])];
    }
}

internal enum AggregateKind
{
    Collect,
    GroupBy,
    Project,
    Flatten,
    ToLookup,
}

/// <summary>Aggregates the items of a source stage, then filters the results with the pattern's conditions.</summary>
internal sealed class AggregateStage(
    Stage source,
    AggregateKind kind,
    BoundExpression? selector,
    BoundExpression? elementSelector,
    IReadOnlyList<(BoundExpression Key, bool Descending)> sortKeys,
    Func<List<object?>, object> collectionFactory,
    Func<object?, List<object?>, object>? groupFactory,
    Func<List<KeyValuePair<object?, object?>>, object>? lookupFactory,
    IReadOnlyList<BoundExpression> conditions) : Stage
{
    public override JoinKey? Key => source.Key;

    public override List<Item> Evaluate(Session session, Token token, IReadOnlyCollection<Fact> facts)
    {
        var inputs = source.Evaluate(session, token, facts);
        var results = kind switch
        {
            AggregateKind.Collect => [Collect(session, token, inputs)],
            AggregateKind.GroupBy => GroupBy(session, token, inputs),
            AggregateKind.Project => Project(session, token, inputs),
            AggregateKind.Flatten => Flatten(session, token, inputs),
            _ => [Lookup(session, token, inputs)],
        };
        // Each result is tested once; a new list is made only from the first one that fails.
        List<Item>? kept = null;
        for (var i = 0; i < results.Count; i++)
        {
            var r = results[i];
            if (!ReferenceEquals(r.Value, Session.Failed) && Passes(session, token, r.Value))
            {
                kept?.Add(r);
            }
            else
            {
                kept ??= results.GetRange(0, i);
            }
        }

        return kept ?? results;
    }

    // Every contributor once, in first-seen order.
    private static Fact[] All(List<Item> inputs)
    {
        if (inputs.Count == 0)
        {
            return [];
        }

        var total = 0;
        foreach (var input in inputs)
        {
            total += input.Contributors.Count;
        }

        if (total == 0)
        {
            return [];
        }

        var all = new List<Fact>(total);
        HashSet<Fact>? seen = total > 8 ? new HashSet<Fact>(total) : null;
        foreach (var input in inputs)
        {
            if (input.Contributors is Fact single)
            {
                // A fact stage's item: the fact is its own contributor (no enumerator).
                Add(single);
                continue;
            }

            foreach (var fact in input.Contributors)
            {
                Add(fact);
            }
        }

        return [.. all];

        void Add(Fact fact)
        {
            if (seen is not null ? seen.Add(fact) : !all.Contains(fact))
            {
                all.Add(fact);
            }
        }
    }

    private bool Passes(Session session, Token token, object? value)
    {
        foreach (var condition in conditions)
        {
            if (!condition.Test(session, token, value))
            {
                return false;
            }
        }

        return true;
    }

    // Lambdas that capture parameters live in methods of their own: C# makes a method's closure when the method starts,
    // so a lambda in Evaluate or Collect would cost an allocation on every evaluation, needed or not.
    private List<Item> Project(Session session, Token token, List<Item> inputs) =>
        [.. inputs.Select(i => i with { Value = selector!.Invoke(session, token, i.Value) })];

    private Item Collect(Session session, Token token, List<Item> inputs)
    {
        var values = new List<object?>(inputs.Count);
        if (sortKeys.Count > 0)
        {
            foreach (var item in Sorted(session, token, inputs))
            {
                values.Add(item.Value);
            }
        }
        else
        {
            foreach (var item in inputs)
            {
                values.Add(item.Value);
            }
        }

        return new Item(SingleKey, collectionFactory(values), All(inputs));
    }

    private IEnumerable<Item> Sorted(Session session, Token token, List<Item> inputs)
    {
        var keyed = inputs.Select(i => (Item: i, Keys: sortKeys.Select(k => k.Key.Invoke(session, token, i.Value)).ToArray())).ToList();
        keyed.Sort((a, b) =>
        {
            for (var k = 0; k < sortKeys.Count; k++)
            {
                var c = Comparer<object?>.Default.Compare(a.Keys[k], b.Keys[k]);
                if (c != 0)
                {
                    return sortKeys[k].Descending ? -c : c;
                }
            }

            return 0;
        });
        return keyed.Select(k => k.Item);
    }

    private List<Item> GroupBy(Session session, Token token, List<Item> inputs)
    {
        var groups = new Dictionary<object, (object? Key, List<object?> Elements, List<Item> Items)>();
        var order = new List<object>();
        foreach (var input in inputs)
        {
            var key = selector!.Invoke(session, token, input.Value);
            var element = elementSelector is null ? input.Value : elementSelector.Invoke(session, token, input.Value);
            var boxed = key ?? JoinKey.NullKey;
            if (!groups.TryGetValue(boxed, out var group))
            {
                group = (key, [], []);
                groups[boxed] = group;
                order.Add(boxed);
            }

            group.Elements.Add(element);
            group.Items.Add(input);
        }

        return [.. order.Select(k => new Item(k, groupFactory!(groups[k].Key, groups[k].Elements), All(groups[k].Items)))];
    }

    private List<Item> Flatten(Session session, Token token, List<Item> inputs)
    {
        var results = new List<Item>();
        foreach (var input in inputs)
        {
            if (selector!.Invoke(session, token, input.Value) is IEnumerable many)
            {
                var index = 0;
                foreach (var value in many)
                {
                    results.Add(new Item((input.Key, index++), value, input.Contributors));
                }
            }
        }

        return results;
    }

    private Item Lookup(Session session, Token token, List<Item> inputs)
    {
        var pairs = inputs.Select(i => new KeyValuePair<object?, object?>(
            selector!.Invoke(session, token, i.Value),
            elementSelector is null ? i.Value : elementSelector.Invoke(session, token, i.Value))).ToList();
        return new Item(SingleKey, lookupFactory!(pairs), All(inputs));
    }
}

/// <summary>Typed containers for aggregate results, built through generic methods chosen once at compile time.</summary>
internal static class Containers
{
    public static Func<List<object?>, object> ArrayFactory(Type elementType) =>
        Make<Func<List<object?>, object>>(nameof(ToArray), elementType);

    public static Func<object?, List<object?>, object> GroupFactory(Type keyType, Type elementType) =>
        Make<Func<object?, List<object?>, object>>(nameof(Group), keyType, elementType);

    public static Func<List<KeyValuePair<object?, object?>>, object> LookupFactory(Type keyType, Type elementType) =>
        Make<Func<List<KeyValuePair<object?, object?>>, object>>(nameof(Lookup), keyType, elementType);

    private static T Make<T>(string name, params Type[] types)
        where T : Delegate =>
        typeof(Containers).GetMethod(name, BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(types).CreateDelegate<T>();

    private static T[] ToArray<T>(List<object?> items)
    {
        var array = new T[items.Count];
        for (var i = 0; i < array.Length; i++)
        {
            array[i] = (T)items[i]!;
        }

        return array;
    }

    private static Grouping<TKey, TElement> Group<TKey, TElement>(object? key, List<object?> items) => new Grouping<TKey, TElement>((TKey)key!, [.. items.Select(i => (TElement)i!)]);

    private static KeyedLookup<TKey, TElement> Lookup<TKey, TElement>(List<KeyValuePair<object?, object?>> pairs) => new(pairs.ToLookup(p => (TKey)p.Key!, p => (TElement)p.Value!));

    private sealed class KeyedLookup<TKey, TElement>(ILookup<TKey, TElement> lookup) : IKeyedLookup<TKey, TElement>
    {
        public IEnumerable<TKey> Keys => lookup.Select(g => g.Key);

        public int Count => lookup.Count;

        public IEnumerable<TElement> this[TKey key] => lookup[key];

        public bool Contains(TKey key) => lookup.Contains(key);

        public IEnumerator<IGrouping<TKey, TElement>> GetEnumerator() => lookup.GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }

    private sealed class Grouping<TKey, TElement>(TKey key, TElement[] elements) : IGrouping<TKey, TElement>
    {
        public TKey Key { get; } = key;

        public IEnumerator<TElement> GetEnumerator() => ((IEnumerable<TElement>)elements).GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => elements.GetEnumerator();

        public override string ToString() => $"{Key}: [{string.Join(", ", elements)}]";
    }
}

internal sealed class SourceMemory(IEqualityComparer<object>? comparer)
{
    /// <summary>Every alpha-filtered fact the node aggregates (membership, unkeyed candidates, Explain).</summary>
    public HashSet<Fact> Facts { get; } = [];

    /// <summary>Without a key: every left token's state, in insertion order (a fact change affects them all).</summary>
    public Dictionary<Token, SourceLeft> Lefts { get; } = [];

    /// <summary>With a key: left tokens and facts by key (each side in the order a hash set would give).</summary>
    public Dictionary<object, SourceGroup> Groups { get; } = new(comparer ?? EqualityComparer<object>.Default);

    public SourceGroup? GroupOf(object? key) =>
        key is not null && !ReferenceEquals(key, JoinKey.NoKey) && Groups.TryGetValue(key, out var group) ? group : null;

    /// <summary>The group of a key, created if needed; <paramref name="key"/> becomes the group's own key instance.</summary>
    public SourceGroup GroupFor(ref object key)
    {
        ref var group = ref CollectionsMarshal.GetValueRefOrAddDefault(Groups, key, out var exists);
        if (!exists)
        {
            group = new SourceGroup(key);
        }

        key = group!.Key;
        return group;
    }

    public void Release(SourceGroup group)
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

/// <summary>The left tokens and facts of a source node sharing one key.</summary>
internal sealed class SourceGroup(object key)
{
    private Slots<SourceLeft, bool> _left;
    private Slots<Fact, bool> _right;

    public object Key { get; } = key;

    public ref Slots<SourceLeft, bool> Left => ref _left;

    public ref Slots<Fact, bool> Right => ref _right;
}

/// <summary>A left token of a source node: its key and its current results (usually one: an aggregate).</summary>
internal sealed class SourceLeft(Token token)
{
    public Token Token { get; } = token;

    public object Key { get; set; } = JoinKey.NoKey;

    /// <summary>The only result, when there is exactly one (no dictionary).</summary>
    public SourceResult? Single { get; set; }

    public object? SingleKey { get; set; }

    /// <summary>The results by item key, when there are several (in the order they were found).</summary>
    public Dictionary<object, SourceResult>? Many { get; set; }

    public int Count => Single is not null ? 1 : Many?.Count ?? 0;

    /// <summary>The results as a dictionary (the general diff works on one).</summary>
    public Dictionary<object, SourceResult> ToDictionary() =>
        Many ?? (Single is null ? [] : new Dictionary<object, SourceResult> { [SingleKey!] = Single });

    public void Set(Dictionary<object, SourceResult> results)
    {
        Single = null;
        SingleKey = null;
        Many = null;
        if (results.Count == 1)
        {
            foreach (var (key, result) in results)
            {
                SingleKey = key;
                Single = result;
            }
        }
        else if (results.Count > 1)
        {
            Many = results;
        }
    }

    /// <summary>The results' child tokens, in order.</summary>
    public IEnumerable<SourceResult> Results => Single is not null ? [Single] : Many?.Values ?? (IEnumerable<SourceResult>)[];
}

internal sealed class SourceResult(Token child, Fact fact, IReadOnlyCollection<Fact> contributors)
{
    public Token Child { get; } = child;

    public Fact Fact { get; } = fact;

    public IReadOnlyCollection<Fact> Contributors { get; set; } = contributors;
}

/// <summary>Beta node for a pattern with a source: re-evaluates the source for the affected tokens and diffs the results.</summary>
internal sealed class SourceNode(int memoryIndex, int stateId, Stage stage) : ILeftSink, IRightSink
{
    // With a key, a token's SourceLeft lives on the token and a fact's key on the fact (see Token, Fact), and only
    // the key groups are enumerated; without one, every token is affected by every fact, so they are kept in order.
    private readonly JoinKey? _key = stage.Key;

    public ILeftSink Next { get; set; } = null!;

    public Stage Stage { get; } = stage;

    /// <summary>Whether the aggregated facts are hash-indexed by an equality key with the left token.</summary>
    public bool IsHashed => _key is not null;

    public void LeftAssert(Session session, Token token)
    {
        var m = Memory(session);
        var left = new SourceLeft(token);
        AddLeft(session, m, left);
        IndexLeft(session, m, left);
        Diff(session, m, left, force: false, changed: null);
    }

    public void LeftUpdate(Session session, Token token)
    {
        var m = Memory(session);
        if (!TryGetLeft(session, m, token, out var left))
        {
            LeftAssert(session, token);
            return;
        }

        UnindexLeft(m, left);
        IndexLeft(session, m, left);
        Diff(session, m, left, force: true, changed: null);
    }

    public void LeftRetract(Session session, Token token)
    {
        var m = Memory(session);
        if (RemoveLeft(session, m, token, out var left))
        {
            UnindexLeft(m, left);
            foreach (var r in left.Results)
            {
                Next.LeftRetract(session, r.Child);
            }
        }
    }

    public void RightAssert(Session session, Fact fact)
    {
        var m = Memory(session);
        if (!m.Facts.Add(fact))
        {
            RightUpdate(session, fact);
            return;
        }

        Refresh(session, m, Affected(m, null, IndexRight(session, m, fact)), null);
    }

    public void RightUpdate(Session session, Fact fact)
    {
        var m = Memory(session);
        if (m.Facts.Add(fact))
        {
            Refresh(session, m, Affected(m, null, IndexRight(session, m, fact)), null);
            return;
        }

        var oldKey = UnindexRight(m, fact);
        var newKey = IndexRight(session, m, fact);
        Refresh(session, m, Affected(m, oldKey, newKey), fact);
    }

    public void RightRetract(Session session, Fact fact)
    {
        var m = Memory(session);
        if (m.Facts.Remove(fact))
        {
            Refresh(session, m, Affected(m, UnindexRight(m, fact), null), fact);
        }
    }

    /// <summary>The alpha-filtered facts this node aggregates in a session (read by Explain).</summary>
    public IReadOnlyCollection<Fact> CurrentFacts(Session session) => Memory(session).Facts;

    private static bool ValueEquals(object? a, object? b)
    {
        if (ReferenceEquals(a, b))
        {
            return true;
        }

        if (a is IList la && b is IList lb && a is not string)
        {
            // Collections from Collect are arrays: compared by index, no enumerators.
            if (la.Count != lb.Count)
            {
                return false;
            }

            for (var i = 0; i < la.Count; i++)
            {
                if (!Equals(la[i], lb[i]))
                {
                    return false;
                }
            }

            return true;
        }

        if (a is IEnumerable ea && b is IEnumerable eb && a is not string)
        {
            return ea.Cast<object?>().SequenceEqual(eb.Cast<object?>());
        }

        return Equals(a, b);
    }

    private static bool Contains(IReadOnlyCollection<Fact> contributors, Fact fact) => contributors switch
    {
        Fact single => ReferenceEquals(single, fact),
        Fact[] array => Array.IndexOf(array, fact) >= 0,
        _ => contributors.Contains(fact),
    };

    private List<SourceLeft> Affected(SourceMemory m, object? oldKey, object? newKey)
    {
        if (_key is null)
        {
            return [.. m.Lefts.Values];
        }

        var lefts = new List<SourceLeft>();
        AddAffected(m, lefts, oldKey);
        if (!Equals(oldKey, newKey))
        {
            AddAffected(m, lefts, newKey);
        }

        return lefts;
    }

    private static void AddAffected(SourceMemory m, List<SourceLeft> lefts, object? key)
    {
        if (m.GroupOf(key) is not { } group)
        {
            return;
        }

        var first = lefts.Count == 0;
        ref var set = ref group.Left;
        for (var i = 0; i < set.End; i++)
        {
            if (set.KeyAt(i) is { } left && (first || !lefts.Contains(left)))
            {
                lefts.Add(left);
            }
        }
    }

    private IReadOnlyCollection<Fact> Candidates(SourceMemory m, SourceLeft left)
    {
        if (_key is null)
        {
            return m.Facts;
        }

        return m.GroupOf(left.Key) is { } group && group.Right.Count > 0 ? group.Right.ToArray() : [];
    }

    private void AddLeft(Session session, SourceMemory m, SourceLeft left) => TokenEntries.Add(session, stateId, _key is null ? m.Lefts : null, left.Token, left);

    private bool TryGetLeft(Session session, SourceMemory m, Token token, out SourceLeft left) => TokenEntries.TryGet(session, stateId, _key is null ? m.Lefts : null, token, out left);

    private bool RemoveLeft(Session session, SourceMemory m, Token token, out SourceLeft left) => TokenEntries.Remove(session, stateId, _key is null ? m.Lefts : null, token, out left);

    private void IndexLeft(Session session, SourceMemory m, SourceLeft left)
    {
        if (_key is not null)
        {
            var k = _key.LeftKey(session, left.Token);
            if (!ReferenceEquals(k, JoinKey.NoKey))
            {
                m.GroupFor(ref k).Left.AddNew(left, false);
            }

            left.Key = k;
        }
    }

    private static void UnindexLeft(SourceMemory m, SourceLeft left)
    {
        if (m.GroupOf(left.Key) is { } group)
        {
            group.Left.Remove(left);
            m.Release(group);
        }
    }

    // Indexes a fact under its key (kept on the fact); returns the key.
    private object? IndexRight(Session session, SourceMemory m, Fact fact)
    {
        if (_key is null)
        {
            return null;
        }

        var k = _key.RightKey(session, fact);
        if (!ReferenceEquals(k, JoinKey.NoKey))
        {
            m.GroupFor(ref k).Right.AddNew(fact, false);
        }

        session.FactStateAdd(stateId, fact, k);
        return k;
    }

    // Unindexes a fact; returns the key it had.
    private object? UnindexRight(SourceMemory m, Fact fact)
    {
        if (_key is null || !fact.RemoveState(stateId, out var k))
        {
            return null;
        }

        if (m.GroupOf(k) is { } group)
        {
            group.Right.Remove(fact);
            m.Release(group);
        }

        return k;
    }

    private void Refresh(Session session, SourceMemory m, List<SourceLeft> lefts, Fact? changed)
    {
        foreach (var left in lefts)
        {
            Diff(session, m, left, force: false, changed);
        }
    }

    private void Diff(Session session, SourceMemory m, SourceLeft left, bool force, Fact? changed)
    {
        var token = left.Token;
        var items = Stage.Evaluate(session, token, Candidates(m, left));
        if (items.Count == 1 && left.Single is { } same && Equals(left.SingleKey, items[0].Key))
        {
            // The common case (one aggregate result before and after): update it in place, as the general path would.
            var item = items[0];
            var touched = force || (changed is not null && (Contains(same.Contributors, changed) || Contains(item.Contributors, changed)));
            var equal = ValueEquals(same.Fact.Object, item.Value);
            same.Fact.Object = item.Value;
            same.Contributors = item.Contributors;
            if (touched || !equal)
            {
                Next.LeftUpdate(session, same.Child);
            }

            return;
        }

        if (items.Count == 1 && left.Count == 0)
        {
            // The first result (an aggregate's first evaluation): nothing to compare or retract.
            var item = items[0];
            var fact = session.NewSyntheticFact(item.Value);
            var result = new SourceResult(token.Extend(fact), fact, item.Contributors);
            left.Single = result;
            left.SingleKey = item.Key;
            Next.LeftAssert(session, result.Child);
            return;
        }

        DiffMany(session, left, items, force, changed);
    }

    // The general case, in a method of its own: its lambdas capture the session, and C# makes that closure when the
    // method starts, so in Diff it would cost an allocation on the common paths above too.
    private void DiffMany(Session session, SourceLeft left, List<Item> items, bool force, Fact? changed)
    {
        var token = left.Token;
        var old = left.ToDictionary();
        var now = new Dictionary<object, SourceResult>();
        var actions = new List<Action>();
        foreach (var item in items)
        {
            if (now.ContainsKey(item.Key))
            {
                continue;
            }

            if (old.Remove(item.Key, out var existing))
            {
                var touched = force || (changed is not null && (Contains(existing.Contributors, changed) || Contains(item.Contributors, changed)));
                var equal = ValueEquals(existing.Fact.Object, item.Value);
                existing.Fact.Object = item.Value;
                existing.Contributors = item.Contributors;
                now[item.Key] = existing;
                if (touched || !equal)
                {
                    actions.Add(() => Next.LeftUpdate(session, existing.Child));
                }
            }
            else
            {
                var fact = session.NewSyntheticFact(item.Value);
                var result = new SourceResult(token.Extend(fact), fact, item.Contributors);
                now[item.Key] = result;
                actions.Add(() => Next.LeftAssert(session, result.Child));
            }
        }

        left.Set(now);
        foreach (var gone in old.Values)
        {
            Next.LeftRetract(session, gone.Child);
        }

        foreach (var action in actions)
        {
            action();
        }
    }

    private SourceMemory Memory(Session session) =>
        session.GetMemoryOrNull<SourceMemory>(memoryIndex) ?? session.SetMemory(memoryIndex, new SourceMemory(_key?.Comparer));
}
