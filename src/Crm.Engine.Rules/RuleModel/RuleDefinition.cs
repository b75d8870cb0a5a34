namespace Crm.Engine.Rules.RuleModel;

/// <summary>Whether a rule fires again when the facts of an activation that already fired are updated.</summary>
public enum RuleRepeatability
{
    /// <summary>Fires again on every update of its matched facts (default).</summary>
    Repeatable = 0,

    /// <summary>Fires once per activation; updates do not re-fire it until the match stops holding and holds again.</summary>
    NonRepeatable = 1,
}

/// <summary>A rule in the canonical rule model, independent of how it was written (fluent DSL, rule pack, builder).</summary>
public interface IRuleDefinition
{
    /// <summary>Unique name of the rule.</summary>
    string Name { get; }

    /// <summary>Human-readable description.</summary>
    string Description { get; }

    /// <summary>Higher fires first.</summary>
    int Priority { get; }

    /// <summary>Whether updates re-fire the rule.</summary>
    RuleRepeatability Repeatability { get; }

    /// <summary>Tags used to select rules.</summary>
    IReadOnlyCollection<string> Tags { get; }

    /// <summary>Free-form properties (for example the CLR type a fluent rule came from).</summary>
    IReadOnlyDictionary<string, object> Properties { get; }

    /// <summary>Services the actions need.</summary>
    DependencyGroupElement DependencyGroup { get; }

    /// <summary>Agenda filters of the rule (<c>Filter()</c> in the DSL).</summary>
    FilterGroupElement FilterGroup { get; }

    /// <summary>Conditions (an implicit and-group).</summary>
    GroupElement LeftHandSide { get; }

    /// <summary>Actions.</summary>
    ActionGroupElement RightHandSide { get; }
}

/// <summary>Immutable <see cref="IRuleDefinition"/>.</summary>
public sealed class RuleDefinition : IRuleDefinition
{
    /// <summary>Creates a rule definition.</summary>
    /// <param name="name">Unique rule name.</param>
    /// <param name="description">Description.</param>
    /// <param name="priority">Higher fires first.</param>
    /// <param name="repeatability">Whether updates re-fire the rule.</param>
    /// <param name="tags">Tags.</param>
    /// <param name="properties">Free-form properties.</param>
    /// <param name="dependencyGroup">Dependencies.</param>
    /// <param name="leftHandSide">Conditions.</param>
    /// <param name="rightHandSide">Actions.</param>
    /// <param name="filterGroup">Agenda filters (none when <see langword="null"/>).</param>
    public RuleDefinition(
        string name,
        string description,
        int priority,
        RuleRepeatability repeatability,
        IEnumerable<string> tags,
        IReadOnlyDictionary<string, object>? properties,
        DependencyGroupElement dependencyGroup,
        GroupElement leftHandSide,
        ActionGroupElement rightHandSide,
        FilterGroupElement? filterGroup = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        Description = description ?? string.Empty;
        Priority = priority;
        Repeatability = repeatability;
        Tags = [.. tags ?? []];
        Properties = properties ?? new Dictionary<string, object>();
        DependencyGroup = dependencyGroup ?? throw new ArgumentNullException(nameof(dependencyGroup));
        LeftHandSide = leftHandSide ?? throw new ArgumentNullException(nameof(leftHandSide));
        RightHandSide = rightHandSide ?? throw new ArgumentNullException(nameof(rightHandSide));
        FilterGroup = filterGroup ?? new FilterGroupElement([]);
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public string Description { get; }

    /// <inheritdoc />
    public int Priority { get; }

    /// <inheritdoc />
    public RuleRepeatability Repeatability { get; }

    /// <inheritdoc />
    public IReadOnlyCollection<string> Tags { get; }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, object> Properties { get; }

    /// <inheritdoc />
    public DependencyGroupElement DependencyGroup { get; }

    /// <inheritdoc />
    public FilterGroupElement FilterGroup { get; }

    /// <inheritdoc />
    public GroupElement LeftHandSide { get; }

    /// <inheritdoc />
    public ActionGroupElement RightHandSide { get; }

    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>A named set of rules.</summary>
public interface IRuleSet
{
    /// <summary>Name of the set.</summary>
    string Name { get; }

    /// <summary>Rules in the set.</summary>
    IEnumerable<IRuleDefinition> Rules { get; }

    /// <summary>Adds rules.</summary>
    /// <param name="ruleDefinitions">Rules to add.</param>
    void Add(IEnumerable<IRuleDefinition> ruleDefinitions);
}

/// <summary>Default <see cref="IRuleSet"/>.</summary>
/// <param name="name">Name of the set.</param>
public sealed class RuleSet(string name) : IRuleSet
{
    private readonly List<IRuleDefinition> _rules = [];

    /// <inheritdoc />
    public string Name { get; } = name;

    /// <inheritdoc />
    public IEnumerable<IRuleDefinition> Rules => _rules;

    /// <inheritdoc />
    public void Add(IEnumerable<IRuleDefinition> ruleDefinitions) => _rules.AddRange(ruleDefinitions);
}

/// <summary>Lets a fact choose its identity in working memory (instead of <see cref="object.Equals(object)"/>).</summary>
public interface IIdentityProvider
{
    /// <summary>The value whose equality decides whether two facts are the same fact.</summary>
    /// <returns>The identity.</returns>
    object GetIdentity();
}
