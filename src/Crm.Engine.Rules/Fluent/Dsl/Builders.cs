using System.Linq.Expressions;
using Crm.Engine.Rules.Rete;
using Crm.Engine.Rules.RuleModel;

namespace Crm.Engine.Rules.Fluent.Dsl;

/// <summary>Builds a rule's conditions (NRules: <c>ILeftHandSideExpression</c>; a sealed class here, see docs/rules.md).</summary>
public sealed class LeftHandSideExpression
{
    private readonly DefinitionContext _context;
    private readonly GroupType _groupType;
    private readonly List<RuleElement> _elements = [];

    internal LeftHandSideExpression(DefinitionContext context, GroupType groupType)
    {
        _context = context;
        _groupType = groupType;
    }

    /// <summary>Matches a fact and binds it to <paramref name="alias"/>.</summary>
    /// <typeparam name="TFact">Fact type.</typeparam>
    /// <param name="alias">A local variable, for example <c>() =&gt; customer</c>.</param>
    /// <param name="conditions">Conditions on the fact (they may use earlier aliases).</param>
    /// <returns>This builder.</returns>
    public LeftHandSideExpression Match<TFact>(Expression<Func<TFact>> alias, params Expression<Func<TFact, bool>>[] conditions) =>
        Add(Pattern(_context.Declare(alias, typeof(TFact)), conditions));

    /// <summary>Matches a fact without binding it.</summary>
    /// <typeparam name="TFact">Fact type.</typeparam>
    /// <param name="conditions">Conditions on the fact.</param>
    /// <returns>This builder.</returns>
    public LeftHandSideExpression Match<TFact>(params Expression<Func<TFact, bool>>[] conditions) =>
        Add(Pattern(_context.Declare(null, typeof(TFact)), conditions));

    /// <summary>Requires at least one matching fact.</summary>
    /// <typeparam name="TFact">Fact type.</typeparam>
    /// <param name="conditions">Conditions on the fact.</param>
    /// <returns>This builder.</returns>
    public LeftHandSideExpression Exists<TFact>(params Expression<Func<TFact, bool>>[] conditions) =>
        Add(new ExistsElement(Pattern(_context.Declare(null, typeof(TFact)), conditions).Build()));

    /// <summary>Requires that no fact matches.</summary>
    /// <typeparam name="TFact">Fact type.</typeparam>
    /// <param name="conditions">Conditions on the fact.</param>
    /// <returns>This builder.</returns>
    public LeftHandSideExpression Not<TFact>(params Expression<Func<TFact, bool>>[] conditions) =>
        Add(new NotElement(Pattern(_context.Declare(null, typeof(TFact)), conditions).Build()));

    /// <summary>Requires every fact matching <paramref name="baseCondition"/> to match all <paramref name="conditions"/>.</summary>
    /// <typeparam name="TFact">Fact type.</typeparam>
    /// <param name="baseCondition">Selects the facts to check.</param>
    /// <param name="conditions">What they must satisfy.</param>
    /// <returns>This builder.</returns>
    public LeftHandSideExpression All<TFact>(Expression<Func<TFact, bool>> baseCondition, params Expression<Func<TFact, bool>>[] conditions)
    {
        var declaration = _context.Declare(null, typeof(TFact));
        return Add(new ForAllElement(Pattern(declaration, [baseCondition]).Build(), [Pattern(declaration, conditions).Build()]));
    }

    /// <summary>Requires every fact of the type to match <paramref name="condition"/> (holds when there is none).</summary>
    /// <typeparam name="TFact">Fact type.</typeparam>
    /// <param name="condition">What every fact of the type must satisfy.</param>
    /// <returns>This builder.</returns>
    /// <remarks>
    /// Not a <c>params</c> overload: with one, C# would bind <c>All&lt;T&gt;(c)</c> to the base-condition overload
    /// with no conditions, a test that always holds (NRules has the same two overloads).
    /// </remarks>
    public LeftHandSideExpression All<TFact>(Expression<Func<TFact, bool>> condition)
    {
        var declaration = _context.Declare(null, typeof(TFact));
        return Add(new ForAllElement(Pattern<TFact>(declaration, []).Build(), [Pattern(declaration, [condition]).Build()]));
    }

    /// <summary>Binds <paramref name="alias"/> to the results of a query (aggregation, projection...).</summary>
    /// <typeparam name="TResult">Result type.</typeparam>
    /// <param name="alias">A local variable.</param>
    /// <param name="queryAction">Builds the query.</param>
    /// <returns>This builder.</returns>
    public LeftHandSideExpression Query<TResult>(Expression<Func<TResult>> alias, Func<IQuery, IQuery<TResult>> queryAction)
    {
        ArgumentNullException.ThrowIfNull(queryAction);
        var declaration = _context.Declare(alias, typeof(TResult));
        var result = queryAction(new QueryExpression<object>(_context, null!)) as QueryExpression<TResult>
            ?? throw new ArgumentException("The query must be built from the IQuery it is given.", nameof(queryAction));
        var draft = result.Current;
        var generated = draft.Declaration;
        var conditions = draft.Conditions.Select(c => ExpressionTools.Rename(c, generated.Name, _context.Parameter(declaration))).ToList();
        draft.Conditions.Clear();
        draft.Conditions.AddRange(conditions);
        draft.Declaration = declaration;
        return Add(draft);
    }

    /// <summary>Binds <paramref name="alias"/> to a value computed from earlier aliases.</summary>
    /// <typeparam name="TResult">Value type.</typeparam>
    /// <param name="alias">A local variable.</param>
    /// <param name="expression">The computation.</param>
    /// <returns>This builder.</returns>
    public LeftHandSideExpression Let<TResult>(Expression<Func<TResult>> alias, Expression<Func<TResult>> expression) =>
        Add(new PatternDraft(_context.Declare(alias, typeof(TResult))) { Binding = new BindingElement(_context.Rewrite(expression)) });

    /// <summary>Adds conditions to the previous pattern (typically a <c>Let</c> or <c>Query</c>).</summary>
    /// <param name="conditions">Conditions over aliases.</param>
    /// <returns>This builder.</returns>
    public LeftHandSideExpression Having(params Expression<Func<bool>>[] conditions)
    {
        var last = _elements.OfType<PatternDraft>().LastOrDefault()
            ?? throw new InvalidOperationException("Having must follow a pattern (Match, Let or Query).");
        last.Conditions.AddRange(conditions.Select(c => _context.Rewrite(c)));
        return this;
    }

    /// <summary>Groups elements that must all match.</summary>
    /// <param name="builder">Adds the elements.</param>
    /// <returns>This builder.</returns>
    public LeftHandSideExpression And(Action<LeftHandSideExpression> builder) => Group(builder, GroupType.And);

    /// <summary>Groups alternatives: each element added by <paramref name="builder"/> is one alternative.</summary>
    /// <param name="builder">Adds the alternatives.</param>
    /// <returns>This builder.</returns>
    public LeftHandSideExpression Or(Action<LeftHandSideExpression> builder) => Group(builder, GroupType.Or);

    internal GroupElement Build()
    {
        var children = _elements.Select(e => e switch
        {
            PatternDraft d => d.Build(),
            GroupHolder g => g.Group.Build(),
            _ => e,
        });
        return _groupType == GroupType.And ? new AndElement(children) : new OrElement(children);
    }

    private LeftHandSideExpression Group(Action<LeftHandSideExpression> builder, GroupType type)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var group = new LeftHandSideExpression(_context, type);
        builder(group);
        _elements.Add(new GroupHolder(group));
        return this;
    }

    private PatternDraft Pattern<TFact>(Declaration declaration, Expression<Func<TFact, bool>>[] conditions)
    {
        var draft = new PatternDraft(declaration);
        draft.Conditions.AddRange(conditions.Select(c => _context.Rewrite(c, declaration)));
        return draft;
    }

    private LeftHandSideExpression Add(RuleElement element)
    {
        _elements.Add(element);
        return this;
    }
}

/// <summary>Builds a rule's actions (NRules: <c>IRightHandSideExpression</c>; a sealed class here, see docs/rules.md).</summary>
public sealed class RightHandSideExpression
{
    private static readonly Declaration ContextDeclaration = new("$context", typeof(IContext));
    private readonly DefinitionContext _context;

    internal RightHandSideExpression(DefinitionContext context) => _context = context;

    /// <summary>Runs <paramref name="action"/> when the rule fires (activated or re-activated).</summary>
    /// <param name="action">The action.</param>
    /// <returns>This builder.</returns>
    public RightHandSideExpression Do(Expression<Action<IContext>> action) => Action(action, ActionTrigger.Activated | ActionTrigger.Reactivated);

    /// <summary>Runs <paramref name="action"/> on the given triggers.</summary>
    /// <param name="action">The action.</param>
    /// <param name="actionTrigger">When it runs.</param>
    /// <returns>This builder.</returns>
    public RightHandSideExpression Action(Expression<Action<IContext>> action, ActionTrigger actionTrigger)
    {
        ArgumentNullException.ThrowIfNull(action);
        _context.Actions.Add(new ActionElement(_context.Rewrite(action, ContextDeclaration), actionTrigger));
        return this;
    }

    /// <summary>Runs <paramref name="action"/> when a fired match stops holding.</summary>
    /// <param name="action">The action.</param>
    /// <returns>This builder.</returns>
    public RightHandSideExpression Undo(Expression<Action<IContext>> action) => Action(action, ActionTrigger.Deactivated);

    /// <summary>Inserts a fact linked to the activation: re-created on re-activation, retracted when the match goes away.</summary>
    /// <typeparam name="TFact">Fact type.</typeparam>
    /// <param name="yield">Creates the fact.</param>
    /// <returns>This builder.</returns>
    public RightHandSideExpression Yield<TFact>(Expression<Func<IContext, TFact>> yield)
        where TFact : notnull => YieldCore(yield, null);

    /// <summary>Inserts a linked fact; on re-activation <paramref name="yieldUpdate"/> derives the new fact from the old one.</summary>
    /// <typeparam name="TFact">Fact type.</typeparam>
    /// <param name="yieldInsert">Creates the fact.</param>
    /// <param name="yieldUpdate">Updates it.</param>
    /// <returns>This builder.</returns>
    public RightHandSideExpression Yield<TFact>(Expression<Func<IContext, TFact>> yieldInsert, Expression<Func<IContext, TFact, TFact>> yieldUpdate)
        where TFact : notnull => YieldCore(yieldInsert, yieldUpdate ?? throw new ArgumentNullException(nameof(yieldUpdate)));

    private RightHandSideExpression YieldCore<TFact>(Expression<Func<IContext, TFact>> yieldInsert, Expression<Func<IContext, TFact, TFact>>? yieldUpdate)
        where TFact : notnull
    {
        ArgumentNullException.ThrowIfNull(yieldInsert);
        var insert = _context.Rewrite(yieldInsert, ContextDeclaration);
        var ctx = _context.Parameter(ContextDeclaration);
        var parameters = new List<ParameterExpression>(insert.Parameters);
        Expression update = Expression.Constant(null, typeof(Func<TFact, TFact>));
        if (yieldUpdate is not null)
        {
            var rewritten = _context.Rewrite(yieldUpdate, ContextDeclaration);
            update = Expression.Lambda<Func<TFact, TFact>>(rewritten.Body, rewritten.Parameters[1]);
            parameters.AddRange(rewritten.Parameters.Skip(2).Except(parameters));
        }

        var key = $"$yield{_context.Actions.Count}";
        var body = Expression.Call(
            typeof(LinkedFacts).GetMethod(nameof(LinkedFacts.Yield))!.MakeGenericMethod(typeof(TFact)),
            ctx,
            Expression.Constant(key),
            Expression.Lambda<Func<TFact>>(insert.Body),
            update);
        _context.Actions.Add(new ActionElement(Expression.Lambda(body, parameters), ActionTrigger.Activated | ActionTrigger.Reactivated));
        return this;
    }
}

/// <summary>Declares services the actions need (NRules: <c>IDependencyExpression</c>).</summary>
public sealed class DependencyExpression
{
    private readonly DefinitionContext _context;

    internal DependencyExpression(DefinitionContext context) => _context = context;

    /// <summary>Declares a service bound to <paramref name="alias"/>, resolved by the session's dependency resolver when the rule fires.</summary>
    /// <typeparam name="TDependency">Service type.</typeparam>
    /// <param name="alias">A local variable.</param>
    /// <returns>This builder.</returns>
    public DependencyExpression Resolve<TDependency>(Expression<Func<TDependency>> alias)
    {
        var declaration = _context.Declare(alias, typeof(TDependency));
        _context.Dependencies.Add(new DependencyElement(declaration, typeof(TDependency)));
        return this;
    }
}

internal sealed class GroupHolder(LeftHandSideExpression group) : RuleElement
{
    public LeftHandSideExpression Group { get; } = group;

    public override IReadOnlyList<Declaration> Exports => [];
}

/// <summary>Declares a rule's agenda filters (NRules: <c>IFilterExpression</c>).</summary>
public sealed class FilterExpression
{
    private readonly DefinitionContext _context;

    internal FilterExpression(DefinitionContext context) => _context = context;

    /// <summary>After the rule fired, an update re-fires it only if one of these keys changed.</summary>
    /// <param name="keySelectors">Keys over aliases, for example <c>() =&gt; order.Status</c>.</param>
    /// <returns>This builder.</returns>
    public FilterExpression OnChange(params Expression<Func<object>>[] keySelectors)
    {
        _context.Filters.AddRange(keySelectors.Select(k => new FilterElement(FilterType.KeyChange, _context.Rewrite(k))));
        return this;
    }

    /// <summary>Activations enter the agenda only while all predicates hold.</summary>
    /// <param name="predicates">Predicates over aliases.</param>
    /// <returns>This builder.</returns>
    public FilterExpression Where(params Expression<Func<bool>>[] predicates)
    {
        _context.Filters.AddRange(predicates.Select(p => new FilterElement(FilterType.Predicate, _context.Rewrite(p))));
        return this;
    }
}
