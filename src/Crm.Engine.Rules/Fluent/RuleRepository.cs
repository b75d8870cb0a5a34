using System.Reflection;
using Crm.Engine.Rules.Fluent.Dsl;
using Crm.Engine.Rules.RuleModel;

namespace Crm.Engine.Rules.Fluent;

/// <summary>Creates rule instances from rule classes.</summary>
public interface IRuleActivator
{
    /// <summary>Creates the instances of a rule class (usually one).</summary>
    /// <param name="type">The rule class.</param>
    /// <returns>The instances.</returns>
    IEnumerable<Rule> Activate(Type type);
}

/// <summary>Creates rules with their public parameterless constructor.</summary>
public sealed class RuleActivator : IRuleActivator
{
    /// <inheritdoc />
    public IEnumerable<Rule> Activate(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        yield return (Rule)(Activator.CreateInstance(type, nonPublic: true)
            ?? throw new InvalidOperationException($"Cannot create rule {type}."));
    }
}

/// <summary>Loads fluent rules from assemblies or types into rule sets.</summary>
public sealed class RuleRepository : IRuleRepository
{
    private readonly List<IRuleSet> _ruleSets = [];

    /// <summary>Creates rule instances (replace to use a container).</summary>
    public IRuleActivator Activator { get; set; } = new RuleActivator();

    /// <summary>Loads rules as described by <paramref name="specAction"/>.</summary>
    /// <param name="specAction">Builds the load spec.</param>
    public void Load(Action<RuleLoadSpec> specAction)
    {
        ArgumentNullException.ThrowIfNull(specAction);
        var spec = new RuleLoadSpec();
        specAction(spec);
        var ruleSet = _ruleSets.FirstOrDefault(s => s.Name == spec.RuleSetName);
        if (ruleSet is null)
        {
            ruleSet = new RuleSet(spec.RuleSetName);
            _ruleSets.Add(ruleSet);
        }

        ruleSet.Add([.. spec.RuleTypes()
            .Where(t => spec.Filter(new RuleMetadata(t)))
            .SelectMany(Activate)
            .Select(Define)]);
    }

    // A rule class that cannot be created or defined is named in the error (NRules' exception types).
    private List<Rule> Activate(Type type)
    {
        try
        {
            return [.. Activator.Activate(type)];
        }
        catch (Exception e) when (e is not RuleActivationException)
        {
            var cause = e is TargetInvocationException { InnerException: { } inner } ? inner : e;
            throw new RuleActivationException($"Rule class '{type.FullName}' could not be created: {cause.Message}", type, cause);
        }
    }

    private static IRuleDefinition Define(Rule rule)
    {
        try
        {
            return rule.GetDefinition();
        }
        catch (Exception e) when (e is not RuleDefinitionException)
        {
            throw new RuleDefinitionException($"Rule class '{rule.GetType().FullName}' could not be defined: {e.Message}", rule.GetType(), e);
        }
    }

    /// <summary>Adds a rule set (for example one built from a rule pack).</summary>
    /// <param name="ruleSet">The rule set.</param>
    public void Add(IRuleSet ruleSet) => _ruleSets.Add(ruleSet ?? throw new ArgumentNullException(nameof(ruleSet)));

    /// <inheritdoc />
    public IEnumerable<IRuleSet> GetRuleSets() => _ruleSets;
}

/// <summary>What to load: where rule classes come from, which to keep, and into which rule set (NRules: <c>IRuleLoadSpec</c>).</summary>
public sealed class RuleLoadSpec
{
    private readonly List<Type> _types = [];
    private readonly List<Type> _scanned = [];
    private readonly List<Func<IRuleMetadata, bool>> _filters = [];
    private bool _nested = true;
    private bool _private;

    internal RuleLoadSpec()
    {
    }

    internal string RuleSetName { get; private set; } = "default";

    /// <summary>Scans assemblies for rule classes.</summary>
    /// <param name="assemblies">Assemblies.</param>
    /// <returns>This spec.</returns>
    public RuleLoadSpec From(params Assembly[] assemblies)
    {
        _types.AddRange(assemblies.SelectMany(a => a.GetTypes()));
        return this;
    }

    /// <summary>Scans assemblies for rule classes.</summary>
    /// <param name="assemblies">Assemblies.</param>
    /// <returns>This spec.</returns>
    public RuleLoadSpec From(IEnumerable<Assembly> assemblies)
    {
        ArgumentNullException.ThrowIfNull(assemblies);
        return From([.. assemblies]);
    }

    /// <summary>
    /// Finds rule classes with a scanner (<c>x.From(s =&gt; s.AssemblyOf&lt;MyRule&gt;())</c>, as in NRules). The scanner
    /// skips nested and non-public classes unless told otherwise (<see cref="RuleTypeScanner.NestedTypes"/>,
    /// <see cref="RuleTypeScanner.PrivateTypes"/>).
    /// </summary>
    /// <param name="scanAction">Says what to scan.</param>
    /// <returns>This spec.</returns>
    public RuleLoadSpec From(Action<RuleTypeScanner> scanAction)
    {
        ArgumentNullException.ThrowIfNull(scanAction);
        var scanner = new RuleTypeScanner();
        scanAction(scanner);
        _scanned.AddRange(scanner.RuleTypes());
        return this;
    }

    /// <summary>Uses the given rule classes.</summary>
    /// <param name="types">Types (non-rule types are ignored).</param>
    /// <returns>This spec.</returns>
    public RuleLoadSpec From(params Type[] types) => From((IEnumerable<Type>)types);

    /// <summary>Uses the given rule classes.</summary>
    /// <param name="types">Types (non-rule types are ignored).</param>
    /// <returns>This spec.</returns>
    public RuleLoadSpec From(IEnumerable<Type> types)
    {
        _types.AddRange(types);
        return this;
    }

    /// <summary>Keeps only rules whose metadata passes <paramref name="filter"/> (several filters must all pass).</summary>
    /// <param name="filter">The filter.</param>
    /// <returns>This spec.</returns>
    public RuleLoadSpec Where(Func<IRuleMetadata, bool> filter)
    {
        _filters.Add(filter ?? throw new ArgumentNullException(nameof(filter)));
        return this;
    }

    /// <summary>Loads into the named rule set (default "default").</summary>
    /// <param name="ruleSetName">Rule set name.</param>
    /// <returns>This spec.</returns>
    public RuleLoadSpec To(string ruleSetName)
    {
        RuleSetName = ruleSetName;
        return this;
    }

    /// <summary>Whether nested classes are scanned (default true).</summary>
    /// <param name="include">Include them.</param>
    /// <returns>This spec.</returns>
    public RuleLoadSpec NestedTypes(bool include = true)
    {
        _nested = include;
        return this;
    }

    /// <summary>Whether non-public classes are scanned (default false).</summary>
    /// <param name="include">Include them.</param>
    /// <returns>This spec.</returns>
    public RuleLoadSpec PrivateTypes(bool include = true)
    {
        _private = include;
        return this;
    }

    internal bool Filter(IRuleMetadata metadata) => _filters.All(f => f(metadata));

    internal IEnumerable<Type> RuleTypes() => RuleTypeScanner.Select(_types, _nested, _private).Concat(_scanned).Distinct();
}

/// <summary>Finds rule classes for <see cref="RuleLoadSpec.From(Action{RuleTypeScanner})"/> (NRules: <c>IRuleTypeScanner</c>).</summary>
public sealed class RuleTypeScanner
{
    private readonly List<Type> _types = [];
    private bool _nested;
    private bool _private;

    internal RuleTypeScanner()
    {
    }

    /// <summary>Scans assemblies.</summary>
    /// <param name="assemblies">The assemblies.</param>
    /// <returns>This scanner.</returns>
    public RuleTypeScanner Assembly(params Assembly[] assemblies)
    {
        ArgumentNullException.ThrowIfNull(assemblies);
        _types.AddRange(assemblies.SelectMany(a => a.GetTypes()));
        return this;
    }

    /// <summary>Scans the assembly that defines <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">A type of the assembly.</typeparam>
    /// <returns>This scanner.</returns>
    public RuleTypeScanner AssemblyOf<T>() => AssemblyOf(typeof(T));

    /// <summary>Scans the assembly that defines <paramref name="type"/>.</summary>
    /// <param name="type">A type of the assembly.</param>
    /// <returns>This scanner.</returns>
    public RuleTypeScanner AssemblyOf(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return Assembly(type.Assembly);
    }

    /// <summary>Considers the given types (those that are not rule classes are ignored).</summary>
    /// <param name="types">The types.</param>
    /// <returns>This scanner.</returns>
    public RuleTypeScanner Type(params Type[] types)
    {
        ArgumentNullException.ThrowIfNull(types);
        _types.AddRange(types);
        return this;
    }

    /// <summary>Whether nested classes are found (default: not).</summary>
    /// <param name="include">Include them.</param>
    /// <returns>This scanner.</returns>
    public RuleTypeScanner NestedTypes(bool include = true)
    {
        _nested = include;
        return this;
    }

    /// <summary>Whether non-public classes are found (default: not).</summary>
    /// <param name="include">Include them.</param>
    /// <returns>This scanner.</returns>
    public RuleTypeScanner PrivateTypes(bool include = true)
    {
        _private = include;
        return this;
    }

    /// <summary>Whether <paramref name="type"/> is a concrete rule class.</summary>
    /// <param name="type">The type.</param>
    /// <returns>Whether it is.</returns>
    public static bool IsRuleType(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return typeof(Rule).IsAssignableFrom(type) && !type.IsAbstract && !type.ContainsGenericParameters;
    }

    internal IEnumerable<Type> RuleTypes() => Select(_types, _nested, _private);

    // The concrete rule classes of the types, without nested or non-public ones unless included.
    internal static IEnumerable<Type> Select(IEnumerable<Type> types, bool nested, bool nonPublic) =>
        types.Where(t => IsRuleType(t) && (nested || !t.IsNested) && (nonPublic || t.IsPublic || t.IsNestedPublic));
}

/// <summary>A rule class could not be created by the <see cref="IRuleActivator"/> (NRules: <c>RuleActivationException</c>).</summary>
public sealed class RuleActivationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RuleActivationException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Message.</param>
    public RuleActivationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Message.</param>
    /// <param name="innerException">Cause.</param>
    public RuleActivationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a rule class.</summary>
    /// <param name="message">Message.</param>
    /// <param name="ruleType">The rule class.</param>
    /// <param name="innerException">Cause.</param>
    public RuleActivationException(string message, Type ruleType, Exception innerException)
        : base(message, innerException)
    {
        RuleType = ruleType;
    }

    /// <summary>The rule class.</summary>
    public Type? RuleType { get; }
}

/// <summary>A rule class's <c>Define()</c> failed (NRules: <c>RuleDefinitionException</c>).</summary>
public sealed class RuleDefinitionException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RuleDefinitionException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Message.</param>
    public RuleDefinitionException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Message.</param>
    /// <param name="innerException">Cause.</param>
    public RuleDefinitionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a rule class.</summary>
    /// <param name="message">Message.</param>
    /// <param name="ruleType">The rule class.</param>
    /// <param name="innerException">Cause.</param>
    public RuleDefinitionException(string message, Type ruleType, Exception innerException)
        : base(message, innerException)
    {
        RuleType = ruleType;
    }

    /// <summary>The rule class.</summary>
    public Type? RuleType { get; }
}

