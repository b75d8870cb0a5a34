using System.Linq.Expressions;
using Crm.Engine.Rules.RuleModel;

namespace Crm.Engine.Rules.Fluent.Dsl;

internal sealed class QueryExpression<TSource>(DefinitionContext context, PatternDraft current) : IQuery, IOrderedQuery<TSource>
{
    public DefinitionContext Context { get; } = context;

    public PatternDraft Current { get; } = current;

    public Type SourceType => typeof(TSource);

    public IQuery<T> Match<T>(params Expression<Func<T, bool>>[] conditions)
    {
        var draft = new PatternDraft(Context.Declare(null, typeof(T)));
        draft.Conditions.AddRange(conditions.Select(c => Context.Rewrite(c, draft.Declaration)));
        return new QueryExpression<T>(Context, draft);
    }

    public IQuery<T> From<T>(Expression<Func<T>> source)
    {
        var draft = new PatternDraft(Context.Declare(null, typeof(T))) { Binding = new BindingElement(Context.Rewrite(source)) };
        return new QueryExpression<T>(Context, draft);
    }

    public QueryExpression<TResult> Aggregate<TResult>(string name, params (string Name, LambdaExpression Expression)[] expressions) =>
        AggregateOf<TResult>(Current, name, expressions);

    /// <summary>An aggregate over <paramref name="source"/> (the current pattern, or what a collect collects).</summary>
    public QueryExpression<TResult> AggregateOf<TResult>(PatternDraft source, string name, params (string Name, LambdaExpression Expression)[] expressions)
    {
        var aggregate = new AggregateDraft(name, typeof(TResult), source);
        aggregate.Expressions.AddRange(expressions.Select(e => new NamedExpressionElement(e.Name, Context.Rewrite(e.Expression, source.Declaration))));
        return new QueryExpression<TResult>(Context, new PatternDraft(Context.Declare(null, typeof(TResult))) { Aggregate = aggregate });
    }
}

/// <summary>Query operators (the same names as LINQ), usable in <see cref="LeftHandSideExpression.Query{TResult}"/>.</summary>
public static class QueryExtensions
{
    /// <summary>Keeps values satisfying all conditions.</summary>
    /// <typeparam name="TSource">Value type.</typeparam>
    /// <param name="source">The query.</param>
    /// <param name="predicates">Conditions (they may use earlier aliases).</param>
    /// <returns>The filtered query.</returns>
    public static IQuery<TSource> Where<TSource>(this IQuery<TSource> source, params Expression<Func<TSource, bool>>[] predicates)
    {
        var query = Impl(source);
        query.Current.Conditions.AddRange(predicates.Select(p => query.Context.Rewrite(p, query.Current.Declaration)));
        return query;
    }

    /// <summary>Maps each value.</summary>
    /// <typeparam name="TSource">Value type.</typeparam>
    /// <typeparam name="TResult">Result type.</typeparam>
    /// <param name="source">The query.</param>
    /// <param name="selector">The mapping.</param>
    /// <returns>The projected query.</returns>
    public static IQuery<TResult> Select<TSource, TResult>(this IQuery<TSource> source, Expression<Func<TSource, TResult>> selector) =>
        Impl(source).Aggregate<TResult>(AggregateElement.ProjectName, ("Selector", selector));

    /// <summary>Maps each value to many values.</summary>
    /// <typeparam name="TSource">Value type.</typeparam>
    /// <typeparam name="TResult">Result type.</typeparam>
    /// <param name="source">The query.</param>
    /// <param name="selector">The mapping.</param>
    /// <returns>The flattened query.</returns>
    public static IQuery<TResult> SelectMany<TSource, TResult>(this IQuery<TSource> source, Expression<Func<TSource, IEnumerable<TResult>>> selector) =>
        Impl(source).Aggregate<TResult>(AggregateElement.FlattenName, ("Selector", selector));

    /// <summary>Groups values by key; each group is one result.</summary>
    /// <typeparam name="TSource">Value type.</typeparam>
    /// <typeparam name="TKey">Key type.</typeparam>
    /// <param name="source">The query.</param>
    /// <param name="keySelector">The key.</param>
    /// <returns>The grouped query.</returns>
    public static IQuery<IGrouping<TKey, TSource>> GroupBy<TSource, TKey>(this IQuery<TSource> source, Expression<Func<TSource, TKey>> keySelector) =>
        Impl(source).Aggregate<IGrouping<TKey, TSource>>(AggregateElement.GroupByName, ("KeySelector", keySelector));

    /// <summary>Groups mapped values by key; each group is one result.</summary>
    /// <typeparam name="TSource">Value type.</typeparam>
    /// <typeparam name="TKey">Key type.</typeparam>
    /// <typeparam name="TElement">Element type.</typeparam>
    /// <param name="source">The query.</param>
    /// <param name="keySelector">The key.</param>
    /// <param name="elementSelector">The element.</param>
    /// <returns>The grouped query.</returns>
    public static IQuery<IGrouping<TKey, TElement>> GroupBy<TSource, TKey, TElement>(this IQuery<TSource> source, Expression<Func<TSource, TKey>> keySelector, Expression<Func<TSource, TElement>> elementSelector) =>
        Impl(source).Aggregate<IGrouping<TKey, TElement>>(AggregateElement.GroupByName, ("KeySelector", keySelector), ("ElementSelector", elementSelector));

    /// <summary>Collects all values into one collection (empty when nothing matches).</summary>
    /// <typeparam name="TSource">Value type.</typeparam>
    /// <param name="source">The query.</param>
    /// <returns>The collect query.</returns>
    public static ICollectQuery<IEnumerable<TSource>> Collect<TSource>(this IQuery<TSource> source) =>
        Impl(source).Aggregate<IEnumerable<TSource>>(AggregateElement.CollectName);

    /// <summary>Sorts the collection ascending.</summary>
    /// <typeparam name="TSource">Element type.</typeparam>
    /// <typeparam name="TKey">Key type.</typeparam>
    /// <param name="source">The collect query.</param>
    /// <param name="keySelector">Sort key.</param>
    /// <returns>The sorted query.</returns>
    public static IOrderedQuery<IEnumerable<TSource>> OrderBy<TSource, TKey>(this ICollectQuery<IEnumerable<TSource>> source, Expression<Func<TSource, TKey>> keySelector) =>
        Sort(source, keySelector, AggregateElement.KeySelectorAscendingName);

    /// <summary>Sorts the collection descending.</summary>
    /// <typeparam name="TSource">Element type.</typeparam>
    /// <typeparam name="TKey">Key type.</typeparam>
    /// <param name="source">The collect query.</param>
    /// <param name="keySelector">Sort key.</param>
    /// <returns>The sorted query.</returns>
    public static IOrderedQuery<IEnumerable<TSource>> OrderByDescending<TSource, TKey>(this ICollectQuery<IEnumerable<TSource>> source, Expression<Func<TSource, TKey>> keySelector) =>
        Sort(source, keySelector, AggregateElement.KeySelectorDescendingName);

    /// <summary>Adds an ascending secondary sort key.</summary>
    /// <typeparam name="TSource">Element type.</typeparam>
    /// <typeparam name="TKey">Key type.</typeparam>
    /// <param name="source">The sorted query.</param>
    /// <param name="keySelector">Sort key.</param>
    /// <returns>The sorted query.</returns>
    public static IOrderedQuery<IEnumerable<TSource>> ThenBy<TSource, TKey>(this IOrderedQuery<IEnumerable<TSource>> source, Expression<Func<TSource, TKey>> keySelector) =>
        Sort(source, keySelector, AggregateElement.KeySelectorAscendingName);

    /// <summary>Adds a descending secondary sort key.</summary>
    /// <typeparam name="TSource">Element type.</typeparam>
    /// <typeparam name="TKey">Key type.</typeparam>
    /// <param name="source">The sorted query.</param>
    /// <param name="keySelector">Sort key.</param>
    /// <returns>The sorted query.</returns>
    public static IOrderedQuery<IEnumerable<TSource>> ThenByDescending<TSource, TKey>(this IOrderedQuery<IEnumerable<TSource>> source, Expression<Func<TSource, TKey>> keySelector) =>
        Sort(source, keySelector, AggregateElement.KeySelectorDescendingName);

    /// <summary>Builds one lookup of all values.</summary>
    /// <typeparam name="TSource">Value type.</typeparam>
    /// <typeparam name="TKey">Key type.</typeparam>
    /// <param name="source">The query.</param>
    /// <param name="keySelector">The key.</param>
    /// <returns>The lookup query.</returns>
    public static IQuery<ILookup<TKey, TSource>> ToLookup<TSource, TKey>(this IQuery<TSource> source, Expression<Func<TSource, TKey>> keySelector) =>
        Impl(source).Aggregate<ILookup<TKey, TSource>>(AggregateElement.ToLookupName, ("KeySelector", keySelector));

    /// <summary>Builds one lookup of all mapped values.</summary>
    /// <typeparam name="TSource">Value type.</typeparam>
    /// <typeparam name="TKey">Key type.</typeparam>
    /// <typeparam name="TElement">Element type.</typeparam>
    /// <param name="source">The query.</param>
    /// <param name="keySelector">The key.</param>
    /// <param name="elementSelector">The element.</param>
    /// <returns>The lookup query.</returns>
    public static IQuery<ILookup<TKey, TElement>> ToLookup<TSource, TKey, TElement>(this IQuery<TSource> source, Expression<Func<TSource, TKey>> keySelector, Expression<Func<TSource, TElement>> elementSelector) =>
        Impl(source).Aggregate<ILookup<TKey, TElement>>(AggregateElement.ToLookupName, ("KeySelector", keySelector), ("ElementSelector", elementSelector));

    /// <summary>Turns a collection into one lookup by key (NRules' form: <c>Collect().ToLookup(key)</c>).</summary>
    /// <typeparam name="TSource">Element type.</typeparam>
    /// <typeparam name="TKey">Key type.</typeparam>
    /// <param name="source">The collect query.</param>
    /// <param name="keySelector">The key.</param>
    /// <returns>The lookup query.</returns>
    public static IQuery<IKeyedLookup<TKey, TSource>> ToLookup<TSource, TKey>(this ICollectQuery<IEnumerable<TSource>> source, Expression<Func<TSource, TKey>> keySelector) =>
        CollectedLookup<TSource, IKeyedLookup<TKey, TSource>>(source, ("KeySelector", keySelector));

    /// <summary>Turns a collection into one lookup of mapped elements by key (NRules' form: <c>Collect().ToLookup(key, element)</c>).</summary>
    /// <typeparam name="TSource">Element type.</typeparam>
    /// <typeparam name="TKey">Key type.</typeparam>
    /// <typeparam name="TElement">Mapped element type.</typeparam>
    /// <param name="source">The collect query.</param>
    /// <param name="keySelector">The key.</param>
    /// <param name="elementSelector">The element.</param>
    /// <returns>The lookup query.</returns>
    public static IQuery<IKeyedLookup<TKey, TElement>> ToLookup<TSource, TKey, TElement>(this ICollectQuery<IEnumerable<TSource>> source, Expression<Func<TSource, TKey>> keySelector, Expression<Func<TSource, TElement>> elementSelector) =>
        CollectedLookup<TSource, IKeyedLookup<TKey, TElement>>(source, ("KeySelector", keySelector), ("ElementSelector", elementSelector));

    // The lookup replaces the collect: it aggregates what the collect would have collected.
    private static QueryExpression<TResult> CollectedLookup<TSource, TResult>(ICollectQuery<IEnumerable<TSource>> source, params (string Name, LambdaExpression Expression)[] expressions)
    {
        var query = Impl(source);
        if (query.Current.Aggregate is not { Name: AggregateElement.CollectName } collect)
        {
            throw new InvalidOperationException("ToLookup on a collection must follow Collect().");
        }

        if (collect.Expressions.Count > 0)
        {
            throw new InvalidOperationException("ToLookup cannot follow OrderBy/ThenBy: a lookup is grouped by key, not sorted.");
        }

        return query.AggregateOf<TResult>(collect.Source(), AggregateElement.ToLookupName, expressions);
    }

    private static QueryExpression<IEnumerable<TSource>> Sort<TSource, TKey>(ICollectQuery<IEnumerable<TSource>> source, Expression<Func<TSource, TKey>> keySelector, string name)
    {
        var query = Impl(source);
        var aggregate = query.Current.Aggregate ?? throw new InvalidOperationException("OrderBy must follow Collect.");
        var element = query.Current.Aggregate.Source().Declaration;
        aggregate.Expressions.Add(new NamedExpressionElement(name, query.Context.Rewrite(keySelector, element)));
        return query;
    }

    private static QueryExpression<TSource> Impl<TSource>(IQuery<TSource> query) =>
        query as QueryExpression<TSource> ?? throw new ArgumentException("Query operators apply only to queries built by the rule DSL.", nameof(query));
}
