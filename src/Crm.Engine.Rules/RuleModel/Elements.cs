using System.Linq.Expressions;

namespace Crm.Engine.Rules.RuleModel;

/// <summary>A named, typed variable of a rule: a matched fact, an aggregate result, a binding or a dependency.</summary>
/// <remarks>Expressions refer to declarations through lambda parameters of the same name.</remarks>
public sealed class Declaration
{
    /// <summary>Creates a declaration.</summary>
    /// <param name="name">Name that lambda parameters use to refer to this declaration.</param>
    /// <param name="type">CLR type of the declared value.</param>
    public Declaration(string name, Type type)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(type);
        Name = name;
        Type = type;
    }

    /// <summary>Name of the declaration.</summary>
    public string Name { get; }

    /// <summary>Type of the declared value.</summary>
    public Type Type { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Name}:{Type.Name}";
}

/// <summary>Base of every element of a rule's left- and right-hand side.</summary>
public abstract class RuleElement
{
    private protected RuleElement()
    {
    }

    /// <summary>Declarations this element makes visible to the elements after it.</summary>
    public abstract IReadOnlyList<Declaration> Exports { get; }
}

/// <summary>A lambda expression with a role name (for example <c>KeySelector</c> in an aggregate).</summary>
/// <param name="Name">Role of the expression.</param>
/// <param name="Expression">The expression; its parameters are declarations matched by name.</param>
public sealed record NamedExpressionElement(string Name, LambdaExpression Expression);

/// <summary>Matches one value (a fact, an aggregate result or a binding) and tests conditions on it.</summary>
public sealed class PatternElement : RuleElement
{
    /// <summary>Creates a pattern.</summary>
    /// <param name="declaration">The matched value's declaration.</param>
    /// <param name="conditions">Boolean lambdas whose parameters are declarations (this one and earlier ones).</param>
    /// <param name="source">Where values come from; <see langword="null"/> means facts in working memory.</param>
    public PatternElement(Declaration declaration, IEnumerable<LambdaExpression> conditions, PatternSourceElement? source = null)
    {
        ArgumentNullException.ThrowIfNull(declaration);
        ArgumentNullException.ThrowIfNull(conditions);
        Declaration = declaration;
        Conditions = [.. conditions];
        Source = source;
        foreach (var condition in Conditions)
        {
            if (condition.ReturnType != typeof(bool))
            {
                throw new ArgumentException($"Condition '{condition}' must return bool.", nameof(conditions));
            }
        }
    }

    /// <summary>The matched value's declaration.</summary>
    public Declaration Declaration { get; }

    /// <summary>Type of the matched value.</summary>
    public Type ValueType => Declaration.Type;

    /// <summary>Conditions, all of which must hold.</summary>
    public IReadOnlyList<LambdaExpression> Conditions { get; }

    /// <summary>Source of values, or <see langword="null"/> for working-memory facts.</summary>
    public PatternSourceElement? Source { get; }

    /// <inheritdoc />
    public override IReadOnlyList<Declaration> Exports => [Declaration];
}

/// <summary>Base of the sources a pattern can take its values from instead of working memory.</summary>
public abstract class PatternSourceElement : RuleElement
{
    private protected PatternSourceElement()
    {
    }

    /// <inheritdoc />
    public override IReadOnlyList<Declaration> Exports => [];
}

/// <summary>A value computed from earlier declarations (<c>Let</c> and query <c>From</c>).</summary>
/// <param name="expression">Lambda whose parameters are earlier declarations.</param>
public sealed class BindingElement(LambdaExpression expression) : PatternSourceElement
{
    /// <summary>The computing expression.</summary>
    public LambdaExpression Expression { get; } = expression ?? throw new ArgumentNullException(nameof(expression));
}

/// <summary>Aggregates the values of a source pattern (collect, group, project, flatten, sort, lookup).</summary>
public sealed class AggregateElement : PatternSourceElement
{
    /// <summary>Collects matching values into one collection (optionally sorted).</summary>
    public const string CollectName = "Collect";

    /// <summary>Groups values by key (<c>KeySelector</c>, <c>ElementSelector</c>).</summary>
    public const string GroupByName = "GroupBy";

    /// <summary>Maps each value (<c>Selector</c>).</summary>
    public const string ProjectName = "Project";

    /// <summary>Maps each value to many (<c>Selector</c>).</summary>
    public const string FlattenName = "Flatten";

    /// <summary>Builds one lookup of all values (<c>KeySelector</c>, <c>ElementSelector</c>).</summary>
    public const string ToLookupName = "ToLookup";

    /// <summary>Sort key, ascending (<see cref="CollectName"/> only; applied in order).</summary>
    public const string KeySelectorAscendingName = "KeySelectorAscending";

    /// <summary>Sort key, descending (<see cref="CollectName"/> only; applied in order).</summary>
    public const string KeySelectorDescendingName = "KeySelectorDescending";

    /// <summary>Creates an aggregate.</summary>
    /// <param name="name">One of the <c>*Name</c> constants.</param>
    /// <param name="resultType">Type of each aggregate result.</param>
    /// <param name="expressions">Role-named expressions; a parameter named like the source declaration is the element.</param>
    /// <param name="source">Pattern whose values are aggregated.</param>
    public AggregateElement(string name, Type resultType, IEnumerable<NamedExpressionElement> expressions, PatternElement source)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(resultType);
        ArgumentNullException.ThrowIfNull(expressions);
        ArgumentNullException.ThrowIfNull(source);
        Name = name;
        ResultType = resultType;
        Expressions = [.. expressions];
        Source = source;
    }

    /// <summary>The aggregate's kind.</summary>
    public string Name { get; }

    /// <summary>Type of each result.</summary>
    public Type ResultType { get; }

    /// <summary>The aggregate's expressions.</summary>
    public IReadOnlyList<NamedExpressionElement> Expressions { get; }

    /// <summary>The aggregated pattern.</summary>
    public PatternElement Source { get; }
}

/// <summary>Kind of a group of elements.</summary>
public enum GroupType
{
    /// <summary>All children must match.</summary>
    And = 0,

    /// <summary>Any child may match (each alternative activates the rule on its own).</summary>
    Or = 1,
}

/// <summary>A group of elements combined with and/or.</summary>
public abstract class GroupElement : RuleElement
{
    private protected GroupElement(IEnumerable<RuleElement> childElements)
    {
        ArgumentNullException.ThrowIfNull(childElements);
        ChildElements = [.. childElements];
    }

    /// <summary>The group's elements in order.</summary>
    public IReadOnlyList<RuleElement> ChildElements { get; }

    /// <summary>How children combine.</summary>
    public abstract GroupType GroupType { get; }

    /// <inheritdoc />
    public override IReadOnlyList<Declaration> Exports => [.. ChildElements.SelectMany(c => c.Exports)];
}

/// <summary>All children must match.</summary>
/// <param name="childElements">The children, in order.</param>
public sealed class AndElement(IEnumerable<RuleElement> childElements) : GroupElement(childElements)
{
    /// <inheritdoc />
    public override GroupType GroupType => GroupType.And;
}

/// <summary>Any child may match.</summary>
/// <param name="childElements">The alternatives.</param>
public sealed class OrElement(IEnumerable<RuleElement> childElements) : GroupElement(childElements)
{
    /// <inheritdoc />
    public override GroupType GroupType => GroupType.Or;
}

/// <summary>Holds when at least one value matches the source pattern.</summary>
/// <param name="source">The pattern that must match.</param>
public sealed class ExistsElement(RuleElement source) : RuleElement
{
    /// <summary>The pattern that must match.</summary>
    public RuleElement Source { get; } = source ?? throw new ArgumentNullException(nameof(source));

    /// <inheritdoc />
    public override IReadOnlyList<Declaration> Exports => [];
}

/// <summary>Holds when no value matches the source pattern.</summary>
/// <param name="source">The pattern that must not match.</param>
public sealed class NotElement(RuleElement source) : RuleElement
{
    /// <summary>The pattern that must not match.</summary>
    public RuleElement Source { get; } = source ?? throw new ArgumentNullException(nameof(source));

    /// <inheritdoc />
    public override IReadOnlyList<Declaration> Exports => [];
}

/// <summary>Holds when every fact matching the base pattern also matches all the other patterns (same fact type).</summary>
public sealed class ForAllElement : RuleElement
{
    /// <summary>Creates a for-all element.</summary>
    /// <param name="basePattern">Selects the facts to check.</param>
    /// <param name="patterns">Patterns every selected fact must match (conditions over the same fact).</param>
    public ForAllElement(PatternElement basePattern, IEnumerable<PatternElement> patterns)
    {
        ArgumentNullException.ThrowIfNull(basePattern);
        ArgumentNullException.ThrowIfNull(patterns);
        BasePattern = basePattern;
        Patterns = [.. patterns];
    }

    /// <summary>Selects the facts to check.</summary>
    public PatternElement BasePattern { get; }

    /// <summary>Patterns every selected fact must match.</summary>
    public IReadOnlyList<PatternElement> Patterns { get; }

    /// <inheritdoc />
    public override IReadOnlyList<Declaration> Exports => [];
}

/// <summary>When an action runs.</summary>
[Flags]
public enum ActionTrigger
{
    /// <summary>Never.</summary>
    None = 0,

    /// <summary>When a new activation fires.</summary>
    Activated = 1,

    /// <summary>When an activation that already fired fires again after its facts were updated.</summary>
    Reactivated = 2,

    /// <summary>When an activation that fired is removed because its match no longer holds.</summary>
    Deactivated = 4,
}

/// <summary>One action of a rule.</summary>
/// <param name="expression">Lambda whose first parameter is <see cref="IContext"/> and others are declarations.</param>
/// <param name="trigger">When it runs.</param>
public sealed class ActionElement(LambdaExpression expression, ActionTrigger trigger = ActionTrigger.Activated | ActionTrigger.Reactivated) : RuleElement
{
    /// <summary>The action expression.</summary>
    public LambdaExpression Expression { get; } = expression ?? throw new ArgumentNullException(nameof(expression));

    /// <summary>When the action runs.</summary>
    public ActionTrigger ActionTrigger { get; } = trigger;

    /// <inheritdoc />
    public override IReadOnlyList<Declaration> Exports => [];
}

/// <summary>A rule's actions.</summary>
/// <param name="actions">The actions in order.</param>
public sealed class ActionGroupElement(IEnumerable<ActionElement> actions) : RuleElement
{
    /// <summary>The actions in order.</summary>
    public IReadOnlyList<ActionElement> Actions { get; } = [.. actions ?? throw new ArgumentNullException(nameof(actions))];

    /// <inheritdoc />
    public override IReadOnlyList<Declaration> Exports => [];
}

/// <summary>A service an action needs, resolved through the session's dependency resolver.</summary>
/// <param name="declaration">Name and type actions use.</param>
/// <param name="serviceType">Type asked from the resolver.</param>
public sealed class DependencyElement(Declaration declaration, Type serviceType) : RuleElement
{
    /// <summary>Name and type actions use.</summary>
    public Declaration Declaration { get; } = declaration ?? throw new ArgumentNullException(nameof(declaration));

    /// <summary>Type asked from the resolver.</summary>
    public Type ServiceType { get; } = serviceType ?? throw new ArgumentNullException(nameof(serviceType));

    /// <inheritdoc />
    public override IReadOnlyList<Declaration> Exports => [Declaration];
}

/// <summary>A rule's dependencies.</summary>
/// <param name="dependencies">The dependencies.</param>
public sealed class DependencyGroupElement(IEnumerable<DependencyElement> dependencies) : RuleElement
{
    /// <summary>The dependencies.</summary>
    public IReadOnlyList<DependencyElement> Dependencies { get; } = [.. dependencies ?? throw new ArgumentNullException(nameof(dependencies))];

    /// <inheritdoc />
    public override IReadOnlyList<Declaration> Exports => [.. Dependencies.Select(d => d.Declaration)];
}

/// <summary>Kind of an agenda filter.</summary>
public enum FilterType
{
    /// <summary>The activation enters the agenda only while the predicate holds.</summary>
    Predicate = 0,

    /// <summary>An updated activation that already fired fires again only if the key's value changed since it fired.</summary>
    KeyChange = 1,
}

/// <summary>An agenda filter of a rule.</summary>
/// <param name="filterType">Kind of filter.</param>
/// <param name="expression">Lambda whose parameters are declarations (a bool predicate or a key).</param>
public sealed class FilterElement(FilterType filterType, LambdaExpression expression) : RuleElement
{
    /// <summary>Kind of filter.</summary>
    public FilterType FilterType { get; } = filterType;

    /// <summary>The predicate or key.</summary>
    public LambdaExpression Expression { get; } = expression ?? throw new ArgumentNullException(nameof(expression));

    /// <inheritdoc />
    public override IReadOnlyList<Declaration> Exports => [];
}

/// <summary>A rule's agenda filters.</summary>
/// <param name="filters">The filters.</param>
public sealed class FilterGroupElement(IEnumerable<FilterElement> filters) : RuleElement
{
    /// <summary>The filters.</summary>
    public IReadOnlyList<FilterElement> Filters { get; } = [.. filters ?? throw new ArgumentNullException(nameof(filters))];

    /// <inheritdoc />
    public override IReadOnlyList<Declaration> Exports => [];
}
