using System.Reflection;
using Crm.Engine.Rules.RuleModel;

namespace Crm.Engine.Rules.Fluent.Dsl;

/// <summary>Base class of rules written in the fluent DSL: override <see cref="Define"/> and call <see cref="When"/> and <see cref="Then"/>.</summary>
/// <example>
/// <code>
/// [Priority(10)]
/// public class PreferredCustomerDiscountRule : Rule
/// {
///     public override void Define()
///     {
///         Customer customer = null!;
///         IEnumerable&lt;Order&gt; orders = null!;
///         When()
///             .Match(() =&gt; customer, c =&gt; c.IsPreferred)
///             .Query(() =&gt; orders, q =&gt; q.Match&lt;Order&gt;(o =&gt; o.Customer == customer).Collect().Where(x =&gt; x.Any()));
///         Then()
///             .Do(ctx =&gt; ApplyDiscount(orders));
///     }
/// }
/// </code>
/// </example>
public abstract class Rule
{
    private DefinitionContext? _context;
    private LeftHandSideExpression? _lhs;
    private RightHandSideExpression? _rhs;
    private DependencyExpression? _dependencies;
    private FilterExpression? _filter;

    /// <summary>Defines the rule by calling <see cref="When"/>, <see cref="Then"/> and optionally <see cref="Dependency"/>, <see cref="Filter"/>, <see cref="Name"/> and <see cref="Priority"/>.</summary>
    public abstract void Define();

    /// <summary>Builds the rule's definition (rule model) by running <see cref="Define"/>.</summary>
    /// <returns>The definition.</returns>
    public IRuleDefinition GetDefinition()
    {
        _context = new DefinitionContext();
        _lhs = new LeftHandSideExpression(_context, GroupType.And);
        _rhs = new RightHandSideExpression(_context);
        _dependencies = new DependencyExpression(_context);
        _filter = new FilterExpression(_context);
        try
        {
            Define();
            var metadata = new RuleMetadata(GetType());
            return new RuleDefinition(
                _context.Name ?? metadata.Name,
                metadata.Description,
                _context.Priority ?? metadata.Priority,
                metadata.Repeatability,
                metadata.Tags,
                new Dictionary<string, object> { ["ClrType"] = GetType() },
                new DependencyGroupElement(_context.Dependencies),
                _lhs.Build(),
                new ActionGroupElement(_context.Actions),
                new FilterGroupElement(_context.Filters));
        }
        finally
        {
            _context = null;
        }
    }

    /// <summary>Starts the conditions.</summary>
    /// <returns>The condition builder.</returns>
    protected LeftHandSideExpression When() => _lhs ?? throw NotDefining();

    /// <summary>Starts the actions.</summary>
    /// <returns>The action builder.</returns>
    protected RightHandSideExpression Then() => _rhs ?? throw NotDefining();

    /// <summary>Sets the rule's name from <see cref="Define"/>; it overrides <see cref="NameAttribute"/> and the class name.</summary>
    /// <param name="value">The rule's name.</param>
    protected void Name(string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        (_context ?? throw NotDefining()).Name = value;
    }

    /// <summary>Sets the rule's priority from <see cref="Define"/>; it overrides <see cref="PriorityAttribute"/>.</summary>
    /// <param name="value">The priority (higher fires first).</param>
    protected void Priority(int value) => (_context ?? throw NotDefining()).Priority = value;

    /// <summary>Declares services the actions need (NRules' name).</summary>
    /// <returns>The dependency builder.</returns>
    protected DependencyExpression Dependency() => _dependencies ?? throw NotDefining();

    /// <summary>Declares services the actions need: the same as <see cref="Dependency"/>, the name this engine first shipped.</summary>
    /// <returns>The dependency builder.</returns>
    protected DependencyExpression Dependencies() => Dependency();

    /// <summary>Declares agenda filters: which activations may fire.</summary>
    /// <returns>The filter builder.</returns>
    protected FilterExpression Filter() => _filter ?? throw NotDefining();

    private static InvalidOperationException NotDefining() => new("When, Then, Dependency, Filter, Name and Priority can only be called from Define().");
}

/// <summary>Metadata of a fluent rule class, read from its attributes.</summary>
public interface IRuleMetadata
{
    /// <summary>The rule class.</summary>
    Type RuleType { get; }

    /// <summary>Rule name.</summary>
    string Name { get; }

    /// <summary>Description.</summary>
    string Description { get; }

    /// <summary>Priority.</summary>
    int Priority { get; }

    /// <summary>Repeatability.</summary>
    RuleRepeatability Repeatability { get; }

    /// <summary>Tags.</summary>
    IReadOnlyCollection<string> Tags { get; }

    /// <summary>Whether the rule has a tag.</summary>
    /// <param name="tag">The tag.</param>
    /// <returns><see langword="true"/> if tagged.</returns>
    bool IsTagged(string tag);
}

/// <summary>Reads <see cref="IRuleMetadata"/> from a rule class's attributes.</summary>
/// <param name="ruleType">The rule class.</param>
public sealed class RuleMetadata(Type ruleType) : IRuleMetadata
{
    /// <inheritdoc />
    public Type RuleType { get; } = ruleType ?? throw new ArgumentNullException(nameof(ruleType));

    /// <inheritdoc />
    public string Name => RuleType.GetCustomAttribute<NameAttribute>()?.Value ?? RuleType.FullName ?? RuleType.Name;

    /// <inheritdoc />
    public string Description => RuleType.GetCustomAttribute<DescriptionAttribute>()?.Value ?? string.Empty;

    /// <inheritdoc />
    public int Priority => RuleType.GetCustomAttribute<PriorityAttribute>()?.Value ?? 0;

    /// <inheritdoc />
    public RuleRepeatability Repeatability => RuleType.GetCustomAttribute<RepeatabilityAttribute>()?.Value ?? RuleRepeatability.Repeatable;

    /// <inheritdoc />
    public IReadOnlyCollection<string> Tags => [.. RuleType.GetCustomAttributes<TagAttribute>(true).Select(t => t.Value).Distinct()];

    /// <inheritdoc />
    public bool IsTagged(string tag) => Tags.Contains(tag);
}
