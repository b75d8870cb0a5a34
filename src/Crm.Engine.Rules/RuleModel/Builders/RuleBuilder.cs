using System.Linq.Expressions;

namespace Crm.Engine.Rules.RuleModel.Builders;

/// <summary>Builds an <see cref="IRuleDefinition"/> programmatically (rule packs, generated rules).</summary>
/// <example>
/// <code>
/// var b = new RuleBuilder();
/// b.Name("Big order");
/// var order = b.LeftHandSide().Pattern(typeof(Order), "order");
/// order.Condition((Order order) => order.Amount > 1000);
/// b.RightHandSide().Action((IContext ctx, Order order) => Console.WriteLine(order));
/// IRuleDefinition rule = b.Build();
/// </code>
/// </example>
public sealed class RuleBuilder
{
    private readonly GroupBuilder _lhs = new(GroupType.And);
    private readonly ActionGroupBuilder _rhs = new();
    private readonly DependencyGroupBuilder _dependencies = new();
    private readonly List<FilterElement> _filters = [];
    private readonly List<string> _tags = [];
    private readonly Dictionary<string, object> _properties = [];
    private string? _name;
    private string _description = string.Empty;
    private int _priority;
    private RuleRepeatability _repeatability;

    /// <summary>Sets the rule name (required).</summary>
    /// <param name="name">Unique name.</param>
    public void Name(string name) => _name = name;

    /// <summary>Sets the description.</summary>
    /// <param name="description">Description.</param>
    public void Description(string description) => _description = description;

    /// <summary>Sets the priority (higher fires first).</summary>
    /// <param name="priority">Priority.</param>
    public void Priority(int priority) => _priority = priority;

    /// <summary>Sets the repeatability.</summary>
    /// <param name="repeatability">Repeatability.</param>
    public void Repeatability(RuleRepeatability repeatability) => _repeatability = repeatability;

    /// <summary>Adds tags.</summary>
    /// <param name="tags">Tags.</param>
    public void Tags(IEnumerable<string> tags) => _tags.AddRange(tags);

    /// <summary>Sets a free-form property.</summary>
    /// <param name="name">Property name.</param>
    /// <param name="value">Property value.</param>
    public void Property(string name, object value) => _properties[name] = value;

    /// <summary>The conditions (an and-group).</summary>
    /// <returns>The group builder.</returns>
    public GroupBuilder LeftHandSide() => _lhs;

    /// <summary>The actions.</summary>
    /// <returns>The action builder.</returns>
    public ActionGroupBuilder RightHandSide() => _rhs;

    /// <summary>The dependencies.</summary>
    /// <returns>The dependency builder.</returns>
    public DependencyGroupBuilder Dependencies() => _dependencies;

    /// <summary>Adds an agenda filter: a predicate or a change key over declarations.</summary>
    /// <param name="filterType">Kind of filter.</param>
    /// <param name="expression">Lambda whose parameters are declarations.</param>
    public void Filter(FilterType filterType, LambdaExpression expression) => _filters.Add(new FilterElement(filterType, expression));

    /// <summary>Builds the rule.</summary>
    /// <returns>The immutable rule definition.</returns>
    public IRuleDefinition Build()
    {
        if (string.IsNullOrEmpty(_name))
        {
            throw new InvalidOperationException("A rule needs a name.");
        }

        return new RuleDefinition(
            _name, _description, _priority, _repeatability, _tags, _properties,
            _dependencies.Build(), (GroupElement)_lhs.Build(), _rhs.Build(), new FilterGroupElement(_filters));
    }
}

/// <summary>Builds one element of a left-hand side.</summary>
public abstract class ElementBuilder
{
    private protected ElementBuilder()
    {
    }

    internal abstract RuleElement Build();
}

/// <summary>Builds an and/or group.</summary>
public sealed class GroupBuilder : ElementBuilder
{
    private readonly List<ElementBuilder> _children = [];

    /// <summary>Creates a group builder.</summary>
    /// <param name="groupType">And or or.</param>
    public GroupBuilder(GroupType groupType) => GroupType = groupType;

    /// <summary>And or or.</summary>
    public GroupType GroupType { get; }

    /// <summary>Adds a pattern over facts (or a source set later with <see cref="PatternBuilder.Aggregate"/> or <see cref="PatternBuilder.Binding"/>).</summary>
    /// <param name="type">Type of the matched value.</param>
    /// <param name="name">Declaration name.</param>
    /// <returns>The pattern builder.</returns>
    public PatternBuilder Pattern(Type type, string name) => Add(new PatternBuilder(new Declaration(name, type)));

    /// <summary>Adds a pattern for an existing declaration.</summary>
    /// <param name="declaration">The declaration.</param>
    /// <returns>The pattern builder.</returns>
    public PatternBuilder Pattern(Declaration declaration) => Add(new PatternBuilder(declaration));

    /// <summary>Adds a nested group.</summary>
    /// <param name="groupType">And or or.</param>
    /// <returns>The nested group builder.</returns>
    public GroupBuilder Group(GroupType groupType) => Add(new GroupBuilder(groupType));

    /// <summary>Adds an exists element.</summary>
    /// <returns>Its builder.</returns>
    public ExistsBuilder Exists() => Add(new ExistsBuilder());

    /// <summary>Adds a not element.</summary>
    /// <returns>Its builder.</returns>
    public NotBuilder Not() => Add(new NotBuilder());

    /// <summary>Adds a for-all element.</summary>
    /// <returns>Its builder.</returns>
    public ForAllBuilder ForAll() => Add(new ForAllBuilder());

    /// <summary>Adds an already built element.</summary>
    /// <param name="element">The element.</param>
    public void Element(RuleElement element) => _children.Add(new PrebuiltBuilder(element));

    private T Add<T>(T builder)
        where T : ElementBuilder
    {
        _children.Add(builder);
        return builder;
    }

    internal override RuleElement Build()
    {
        var children = _children.Select(c => c.Build());
        return GroupType == GroupType.And ? new AndElement(children) : new OrElement(children);
    }

    private sealed class PrebuiltBuilder(RuleElement element) : ElementBuilder
    {
        internal override RuleElement Build() => element;
    }
}

/// <summary>Builds a pattern.</summary>
public sealed class PatternBuilder : ElementBuilder
{
    private readonly List<LambdaExpression> _conditions = [];
    private AggregateBuilder? _aggregate;
    private LambdaExpression? _binding;

    internal PatternBuilder(Declaration declaration) => Declaration = declaration;

    /// <summary>The pattern's declaration.</summary>
    public Declaration Declaration { get; }

    /// <summary>Adds a condition; its parameters are declarations matched by name.</summary>
    /// <param name="condition">Boolean lambda.</param>
    public void Condition(LambdaExpression condition) => _conditions.Add(condition ?? throw new ArgumentNullException(nameof(condition)));

    /// <summary>Makes this pattern match the results of an aggregate.</summary>
    /// <returns>The aggregate builder.</returns>
    public AggregateBuilder Aggregate() => _aggregate = new AggregateBuilder(Declaration.Type);

    /// <summary>Makes this pattern match a value computed from earlier declarations.</summary>
    /// <param name="expression">The computing lambda.</param>
    public void Binding(LambdaExpression expression) => _binding = expression;

    internal override RuleElement Build() => BuildPattern();

    internal PatternElement BuildPattern()
    {
        PatternSourceElement? source = (PatternSourceElement?)_aggregate?.BuildAggregate() ?? (_binding is null ? null : new BindingElement(_binding));
        return new PatternElement(Declaration, _conditions, source);
    }
}

/// <summary>Builds an aggregate source.</summary>
public sealed class AggregateBuilder
{
    private readonly Type _resultType;
    private readonly List<NamedExpressionElement> _expressions = [];
    private string _name = AggregateElement.CollectName;
    private PatternBuilder? _source;

    internal AggregateBuilder(Type resultType) => _resultType = resultType;

    /// <summary>Sets the aggregate kind (an <see cref="AggregateElement"/> <c>*Name</c> constant).</summary>
    /// <param name="name">Aggregate kind.</param>
    public void AggregatorName(string name) => _name = name;

    /// <summary>Adds a role-named expression.</summary>
    /// <param name="name">Role, for example <c>KeySelector</c>.</param>
    /// <param name="expression">The expression.</param>
    public void Expression(string name, LambdaExpression expression) => _expressions.Add(new NamedExpressionElement(name, expression));

    /// <summary>Sets the aggregated pattern.</summary>
    /// <param name="type">Element type.</param>
    /// <param name="name">Element declaration name.</param>
    /// <returns>The source pattern builder.</returns>
    public PatternBuilder Pattern(Type type, string name) => _source = new PatternBuilder(new Declaration(name, type));

    internal AggregateElement BuildAggregate() =>
        new(_name, _resultType, _expressions, _source?.BuildPattern() ?? throw new InvalidOperationException("An aggregate needs a source pattern."));
}

/// <summary>Builds an exists element.</summary>
public sealed class ExistsBuilder : ElementBuilder
{
    private PatternBuilder? _pattern;

    internal ExistsBuilder()
    {
    }

    /// <summary>Sets the pattern that must match.</summary>
    /// <param name="type">Fact type.</param>
    /// <param name="name">Declaration name (visible only inside).</param>
    /// <returns>The pattern builder.</returns>
    public PatternBuilder Pattern(Type type, string name) => _pattern = new PatternBuilder(new Declaration(name, type));

    internal override RuleElement Build() => new ExistsElement(_pattern?.Build() ?? throw new InvalidOperationException("Exists needs a pattern."));
}

/// <summary>Builds a not element.</summary>
public sealed class NotBuilder : ElementBuilder
{
    private PatternBuilder? _pattern;

    internal NotBuilder()
    {
    }

    /// <summary>Sets the pattern that must not match.</summary>
    /// <param name="type">Fact type.</param>
    /// <param name="name">Declaration name (visible only inside).</param>
    /// <returns>The pattern builder.</returns>
    public PatternBuilder Pattern(Type type, string name) => _pattern = new PatternBuilder(new Declaration(name, type));

    internal override RuleElement Build() => new NotElement(_pattern?.Build() ?? throw new InvalidOperationException("Not needs a pattern."));
}

/// <summary>Builds a for-all element.</summary>
public sealed class ForAllBuilder : ElementBuilder
{
    private readonly List<PatternBuilder> _patterns = [];
    private PatternBuilder? _base;

    internal ForAllBuilder()
    {
    }

    /// <summary>Sets the base pattern selecting the facts to check.</summary>
    /// <param name="type">Fact type.</param>
    /// <param name="name">Declaration name.</param>
    /// <returns>The pattern builder.</returns>
    public PatternBuilder BasePattern(Type type, string name) => _base = new PatternBuilder(new Declaration(name, type));

    /// <summary>Adds a pattern every selected fact must match (same fact type as the base).</summary>
    /// <param name="type">Fact type.</param>
    /// <param name="name">Declaration name.</param>
    /// <returns>The pattern builder.</returns>
    public PatternBuilder Pattern(Type type, string name)
    {
        var builder = new PatternBuilder(new Declaration(name, type));
        _patterns.Add(builder);
        return builder;
    }

    internal override RuleElement Build() => new ForAllElement(
        _base?.BuildPattern() ?? throw new InvalidOperationException("ForAll needs a base pattern."),
        _patterns.Select(p => p.BuildPattern()));
}

/// <summary>Builds the actions of a rule.</summary>
public sealed class ActionGroupBuilder
{
    private readonly List<ActionElement> _actions = [];

    internal ActionGroupBuilder()
    {
    }

    /// <summary>Adds an action: a lambda whose first parameter is <see cref="IContext"/> and others are declarations.</summary>
    /// <param name="expression">The action.</param>
    /// <param name="trigger">When it runs.</param>
    public void Action(LambdaExpression expression, ActionTrigger trigger = ActionTrigger.Activated | ActionTrigger.Reactivated)
    {
        ArgumentNullException.ThrowIfNull(expression);
        if (expression.Parameters.Count == 0 || expression.Parameters[0].Type != typeof(IContext))
        {
            throw new ArgumentException("An action's first parameter must be IContext.", nameof(expression));
        }

        _actions.Add(new ActionElement(expression, trigger));
    }

    internal ActionGroupElement Build() => new(_actions);
}

/// <summary>Builds the dependencies of a rule.</summary>
public sealed class DependencyGroupBuilder
{
    private readonly List<DependencyElement> _dependencies = [];

    internal DependencyGroupBuilder()
    {
    }

    /// <summary>Adds a dependency.</summary>
    /// <param name="type">Service type.</param>
    /// <param name="name">Declaration name used by actions.</param>
    /// <returns>The declaration.</returns>
    public Declaration Dependency(Type type, string name)
    {
        var declaration = new Declaration(name, type);
        _dependencies.Add(new DependencyElement(declaration, type));
        return declaration;
    }

    internal DependencyGroupElement Build() => new(_dependencies);
}
