using System.Linq.Expressions;
using Crm.Engine.Rules.RuleModel;

namespace Crm.Engine.Rules.Fluent.Dsl;

/// <summary>Start of a query.</summary>
public interface IQuery
{
    /// <summary>Starts from facts in working memory.</summary>
    /// <typeparam name="TSource">Fact type.</typeparam>
    /// <param name="conditions">Conditions on the fact.</param>
    /// <returns>The query.</returns>
    IQuery<TSource> Match<TSource>(params Expression<Func<TSource, bool>>[] conditions);

    /// <summary>Starts from a value computed from earlier aliases.</summary>
    /// <typeparam name="TSource">Value type.</typeparam>
    /// <param name="source">The computation.</param>
    /// <returns>The query.</returns>
    IQuery<TSource> From<TSource>(Expression<Func<TSource>> source);
}

/// <summary>A query producing values of <typeparamref name="TSource"/>.</summary>
/// <typeparam name="TSource">Value type.</typeparam>
public interface IQuery<out TSource>
{
    /// <summary>The type of the values.</summary>
    Type SourceType { get; }
}

/// <summary>A query whose value is a collected collection (can be sorted).</summary>
/// <typeparam name="TSource">Collection type.</typeparam>
public interface ICollectQuery<out TSource> : IQuery<TSource>;

/// <summary>A sorted collect query (can take further sort keys).</summary>
/// <typeparam name="TSource">Collection type.</typeparam>
public interface IOrderedQuery<out TSource> : ICollectQuery<TSource>;
