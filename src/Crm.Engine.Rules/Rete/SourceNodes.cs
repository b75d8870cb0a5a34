using System.Collections;
using System.Reflection;

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
        // In fact order (ids are unique, so any sort gives the same order).
        var sorted = new Fact[facts.Count];
        var n = 0;
        foreach (var fact in facts)
        {
            sorted[n++] = fact;
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
                items.Add(new Item(fact, fact.Object, [fact]));
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
        return ReferenceEquals(value, Session.Failed) || !conditions.All(c => c.Test(session, token, value))
            ? []
            : [new Item(SingleKey, value, [])];
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
            AggregateKind.Project => [.. inputs.Select(i => i with { Value = selector!.Invoke(session, token, i.Value) })],
            AggregateKind.Flatten => Flatten(session, token, inputs),
            _ => [Lookup(session, token, inputs)],
        };
        var kept = new List<Item>(results.Count);
        foreach (var r in results)
        {
            if (!ReferenceEquals(r.Value, Session.Failed) && Passes(session, token, r.Value))
            {
                kept.Add(r);
            }
        }

        return kept;
    }

    // Every contributor once, in first-seen order.
    private static Fact[] All(List<Item> inputs)
    {
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
            foreach (var fact in input.Contributors)
            {
                if (seen is not null ? seen.Add(fact) : !all.Contains(fact))
                {
                    all.Add(fact);
                }
            }
        }

        return [.. all];
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

    private Item Collect(Session session, Token token, List<Item> inputs)
    {
        IEnumerable<Item> ordered = inputs;
        if (sortKeys.Count > 0)
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
            ordered = keyed.Select(k => k.Item);
        }

        var values = new List<object?>(inputs.Count);
        foreach (var item in ordered)
        {
            values.Add(item.Value);
        }

        return new Item(SingleKey, collectionFactory(values), All(inputs));
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

    private static ILookup<TKey, TElement> Lookup<TKey, TElement>(List<KeyValuePair<object?, object?>> pairs) => pairs.ToLookup(p => (TKey)p.Key!, p => (TElement)p.Value!);

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
    public Dictionary<Token, Dictionary<object, SourceResult>> Results { get; } = [];

    public HashSet<Fact> Facts { get; } = [];

    // With an equality key: tokens and facts by key, so a fact change refreshes only the tokens sharing its key.
    public KeyIndex<Token> LeftIndex { get; } = new(comparer);

    public KeyIndex<Fact> RightIndex { get; } = new(comparer);
}

internal sealed class SourceResult(Token child, Fact fact, IReadOnlyCollection<Fact> contributors)
{
    public Token Child { get; } = child;

    public Fact Fact { get; } = fact;

    public IReadOnlyCollection<Fact> Contributors { get; set; } = contributors;
}

/// <summary>Beta node for a pattern with a source: re-evaluates the source for the affected tokens and diffs the results.</summary>
internal sealed class SourceNode(int memoryIndex, Stage stage) : ILeftSink, IRightSink
{
    private readonly JoinKey? _key = stage.Key;

    public ILeftSink Next { get; set; } = null!;

    public Stage Stage { get; } = stage;

    /// <summary>Whether the aggregated facts are hash-indexed by an equality key with the left token.</summary>
    public bool IsHashed => _key is not null;

    public void LeftAssert(Session session, Token token)
    {
        var m = Memory(session);
        m.Results[token] = [];
        IndexLeft(session, m, token);
        Diff(session, m, token, force: false, changed: null);
    }

    public void LeftUpdate(Session session, Token token)
    {
        var m = Memory(session);
        if (!m.Results.ContainsKey(token))
        {
            LeftAssert(session, token);
            return;
        }

        UnindexLeft(m, token);
        IndexLeft(session, m, token);
        Diff(session, m, token, force: true, changed: null);
    }

    public void LeftRetract(Session session, Token token)
    {
        var m = Memory(session);
        if (m.Results.Remove(token, out var results))
        {
            UnindexLeft(m, token);
            foreach (var r in results.Values)
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

        if (a is IEnumerable ea && b is IEnumerable eb && a is not string)
        {
            return ea.Cast<object?>().SequenceEqual(eb.Cast<object?>());
        }

        return Equals(a, b);
    }

    private List<Token> Affected(SourceMemory m, object? oldKey, object? newKey)
    {
        if (_key is null)
        {
            return [.. m.Results.Keys];
        }

        var tokens = new List<Token>();
        AddAffected(m, tokens, oldKey);
        if (!Equals(oldKey, newKey))
        {
            AddAffected(m, tokens, newKey);
        }

        return tokens;
    }

    private static void AddAffected(SourceMemory m, List<Token> tokens, object? key)
    {
        if (m.LeftIndex.ItemsWith(key) is { } set)
        {
            var first = tokens.Count == 0;
            foreach (var t in set)
            {
                if (first || !tokens.Contains(t))
                {
                    tokens.Add(t);
                }
            }
        }
    }

    private HashSet<Fact> Candidates(SourceMemory m, Token token)
    {
        if (_key is null)
        {
            return m.Facts;
        }

        return m.RightIndex.ItemsWith(m.LeftIndex.KeyOf(token)) ?? [];
    }

    private void IndexLeft(Session session, SourceMemory m, Token token)
    {
        if (_key is not null)
        {
            m.LeftIndex.Add(token, _key.LeftKey(session, token));
        }
    }

    private void UnindexLeft(SourceMemory m, Token token)
    {
        if (_key is not null)
        {
            m.LeftIndex.Remove(token);
        }
    }

    private object? IndexRight(Session session, SourceMemory m, Fact fact) =>
        _key is null ? null : m.RightIndex.Add(fact, _key.RightKey(session, fact));

    private object? UnindexRight(SourceMemory m, Fact fact) =>
        _key is null ? null : m.RightIndex.Remove(fact);

    private void Refresh(Session session, SourceMemory m, List<Token> tokens, Fact? changed)
    {
        foreach (var token in tokens)
        {
            Diff(session, m, token, force: false, changed);
        }
    }

    private void Diff(Session session, SourceMemory m, Token token, bool force, Fact? changed)
    {
        var old = m.Results[token];
        var items = Stage.Evaluate(session, token, Candidates(m, token));
        if (items.Count == 1 && old.Count == 1 && old.TryGetValue(items[0].Key, out var same))
        {
            // The common case (one aggregate result before and after): update it in place, as the general path would.
            var item = items[0];
            var touched = force || (changed is not null && (same.Contributors.Contains(changed) || item.Contributors.Contains(changed)));
            var equal = ValueEquals(same.Fact.Object, item.Value);
            same.Fact.Object = item.Value;
            same.Contributors = item.Contributors;
            if (touched || !equal)
            {
                Next.LeftUpdate(session, same.Child);
            }

            return;
        }

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
                var touched = force || (changed is not null && (existing.Contributors.Contains(changed) || item.Contributors.Contains(changed)));
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

        m.Results[token] = now;
        foreach (var gone in old.Values)
        {
            Next.LeftRetract(session, gone.Child);
        }

        foreach (var action in actions)
        {
            action();
        }
    }

    private SourceMemory Memory(Session session) => session.GetMemory(memoryIndex, () => new SourceMemory(_key?.Comparer));
}
