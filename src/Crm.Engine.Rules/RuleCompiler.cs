using System.Collections.Concurrent;
using System.Diagnostics;
using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using Crm.Engine.Rules.Rete;
using Crm.Engine.Rules.RuleModel;

namespace Crm.Engine.Rules;

/// <summary>Compiles rule definitions (from the fluent DSL, a rule pack or <see cref="RuleModel.Builders.RuleBuilder"/>) into a Rete network.</summary>
public sealed class RuleCompiler
{
    /// <summary>Default <see cref="ISession.MaxFiringsPerFire"/> of the sessions of compiled factories (cycle protection).</summary>
    public int MaxFiringsPerFire { get; init; } = 1_000_000;

    /// <summary>Whether sibling literal comparisons are evaluated together (see <c>AlphaDispatch</c>); tests turn it off to compare.</summary>
    internal bool AlphaDispatch { get; init; } = true;

    /// <summary>Compiles rules into a session factory.</summary>
    /// <param name="ruleDefinitions">The rules (names must be unique).</param>
    /// <returns>A thread-safe factory of sessions.</returns>
    public ISessionFactory Compile(IEnumerable<IRuleDefinition> ruleDefinitions) => Compile(ruleDefinitions, CancellationToken.None);

    /// <summary>Compiles rules into a session factory; stops between rules when cancelled.</summary>
    /// <param name="ruleDefinitions">The rules (names must be unique).</param>
    /// <param name="cancellationToken">Cancels the compilation (<see cref="OperationCanceledException"/>).</param>
    /// <returns>A thread-safe factory of sessions.</returns>
    public ISessionFactory Compile(IEnumerable<IRuleDefinition> ruleDefinitions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ruleDefinitions);
        var builder = new NetworkBuilder();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var rule in ruleDefinitions)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!names.Add(rule.Name))
            {
                throw new RuleCompilationException($"Two rules are named '{rule.Name}'; rule names must be unique.", rule.Name, null);
            }

            try
            {
                builder.AddRule(rule);
            }
            catch (RuleCompilationException e) when (e.RuleName is null)
            {
                e.RuleName = rule.Name;
                throw;
            }
            catch (Exception e) when (e is not RuleCompilationException)
            {
                throw new RuleCompilationException($"Rule '{rule.Name}' could not be compiled: {e.Message}", rule.Name, e);
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        return new SessionFactory(builder.Build(AlphaDispatch)) { MaxFiringsPerFire = MaxFiringsPerFire };
    }

    /// <summary>Compiles the rules of rule sets into a session factory.</summary>
    /// <param name="ruleSets">The rule sets.</param>
    /// <returns>A thread-safe factory of sessions.</returns>
    public ISessionFactory Compile(IEnumerable<IRuleSet> ruleSets) => Compile(ruleSets, CancellationToken.None);

    /// <summary>Compiles the rules of rule sets into a session factory; stops between rules when cancelled.</summary>
    /// <param name="ruleSets">The rule sets.</param>
    /// <param name="cancellationToken">Cancels the compilation.</param>
    /// <returns>A thread-safe factory of sessions.</returns>
    public ISessionFactory Compile(IEnumerable<IRuleSet> ruleSets, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ruleSets);
        return Compile(ruleSets.SelectMany(s => s.Rules), cancellationToken);
    }
}

internal sealed class NetworkBuilder
{
    // What is worked out from one lambda instance alone (its structural key, its compiled form, how it splits into a
    // join key) is kept as long as the lambda lives, across builds: rule packs cache their bound conditions by text,
    // so rebuilding a tenant's rule base (validate then apply, or another of its packs changed) meets the same
    // lambdas again and does none of that work twice. All of it is immutable, or compiles lazily and race-free.
    private static readonly ConditionalWeakTable<LambdaExpression, ExpressionKey> Keys = new();
    private static readonly ConditionalWeakTable<LambdaExpression, CompiledExpression> CompiledLambdas = new();
    private static readonly ConditionalWeakTable<LambdaExpression, KeySplit> KeySplits = new();

    // Lifted templates by shape, shared by every build of the process; dropped wholesale when many shapes have piled
    // up (each is small, and a long-running host compiling ever new packs must not grow without bound). A shape that
    // holds a captured object (not a literal) is shared within one build only: the process must not keep it alive.
    private const int MaxTemplates = 4096;
    private static readonly ConcurrentDictionary<ExpressionKey, Delegate> Templates = new();
    private readonly Dictionary<ExpressionKey, Delegate> _buildTemplates = [];

    private readonly Dictionary<Type, TypeNode> _typeNodes = [];
    private readonly Dictionary<ExpressionKey, CompiledExpression> _compiled = [];
    private readonly Dictionary<LambdaExpression, CompiledExpression> _byInstance = new(ReferenceEqualityComparer.Instance);
    private readonly List<CompiledRule> _rules = [];
    private int _memoryCount;

    // Nodes that keep state per fact or token (on the fact or token, else in the session's shared node memory) are
    // numbered apart; alpha memories also have a dense index of their own (a bit on each fact).
    private int _nodeIds;
    private int _alphaIds;

    /// <summary>Number of distinct expressions compiled (tests check sharing with it).</summary>
    public int CompiledExpressionCount => _compiled.Count + _byInstance.Count;

    public ReteNetwork Build(bool alphaDispatch = true)
    {
        if (alphaDispatch)
        {
            foreach (var typeNode in _typeNodes.Values)
            {
                typeNode.Freeze();
            }
        }

        return new([.. _typeNodes.Values], _rules, _memoryCount);
    }

    public void AddRule(IRuleDefinition definition)
    {
        var rule = new CompiledRule(definition, _rules.Count);
        var index = 0;
        foreach (var elements in Expand(definition.LeftHandSide))
        {
            rule.Branches.Add(BuildBranch(rule, index++, elements));
        }

        _rules.Add(rule);
    }

    // Disjunctive normal form: every or-alternative becomes a branch with its own beta chain, all activating the same rule.
    private static List<List<RuleElement>> Expand(RuleElement element)
    {
        switch (element)
        {
            case AndElement flat when flat.ChildElements.All(c => c is not AndElement && c is not OrElement):
                return [[.. flat.ChildElements]];
            case AndElement and:
                var result = new List<List<RuleElement>> { new() };
                foreach (var child in and.ChildElements)
                {
                    var alternatives = Expand(child);
                    result = [.. result.SelectMany(r => alternatives.Select(a => r.Concat(a).ToList()))];
                }

                return result;
            case OrElement or:
                return [.. or.ChildElements.SelectMany(Expand)];
            default:
                return [[element]];
        }
    }

    // The same lambda instance is keyed more than once (alpha node sharing, then compilation, then the next build): its key is kept.
    private static ExpressionKey KeyOf(LambdaExpression lambda)
    {
        if (!Keys.TryGetValue(lambda, out var key))
        {
            key = Keys.GetValue(lambda, l => new ExpressionKey(l));
        }

        return key;
    }

    private CompiledExpression Compile(LambdaExpression lambda)
    {
        if (lambda.Parameters.Count != 1)
        {
            // Conditions over several facts and actions are never lifted and compile on first use: sharing them needs
            // no structural key (a key per join condition was a good part of a big pack's build), only the instance.
            if (!_byInstance.TryGetValue(lambda, out var shared))
            {
                shared = CompiledLambdas.GetValue(lambda, l => new CompiledExpression(l));
                _byInstance[lambda] = shared;
            }

            return shared;
        }

        var key = KeyOf(lambda);
        if (!_compiled.TryGetValue(key, out var compiled))
        {
            if (!CompiledLambdas.TryGetValue(lambda, out compiled))
            {
                compiled = CompileNew(lambda);
                compiled = CompiledLambdas.GetValue(lambda, _ => compiled);
            }

            _compiled[key] = compiled;
        }

        return compiled;
    }

    // One-parameter lambdas with literal constants are compiled as a template over their constants, once per shape:
    // a thousand rules testing `Amount > i` compile one delegate, not a thousand.
    // The template's key is the lambda's own key with its literals left out (computed in the same pass), so a lambda
    // whose shape was seen before costs no second tree rewrite and no second key.
    private CompiledExpression CompileNew(LambdaExpression lambda)
    {
        var key = KeyOf(lambda);
        if (key.Shape is not { } shape)
        {
            return new CompiledExpression(lambda);
        }

        var shared = !shape.HasObjectConstants;
        if (!(shared ? Templates.TryGetValue(shape, out var lifted) : _buildTemplates.TryGetValue(shape, out lifted)))
        {
            var (template, constants) = CompiledExpression.Lift(lambda)
                ?? throw new InvalidOperationException($"expression '{lambda}' has a shape key but could not be lifted");
            Debug.Assert(constants.Length == key.Literals.Length, "the key and the lifter disagree on the literals");
            lifted = template.Compile();
            if (!shared)
            {
                _buildTemplates[shape] = lifted;
            }
            else
            {
                if (Templates.Count >= MaxTemplates)
                {
                    Templates.Clear();
                }

                lifted = Templates.GetOrAdd(shape, lifted);
            }
        }

        return new CompiledExpression(lambda, lifted, key.Literals);
    }

    private CompiledBranch BuildBranch(CompiledRule rule, int index, List<RuleElement> elements)
    {
        var slots = new List<Declaration>();
        var branch = new CompiledBranch(rule, index, slots);
        var slotByName = new Dictionary<string, int>(StringComparer.Ordinal);
        Action<ILeftSink> link = first => branch.First = first;
        foreach (var element in elements)
        {
            switch (element)
            {
                case PatternElement { Source: null } pattern:
                {
                    var (memory, key, beta, all) = BuildFactPattern(rule, pattern, slotByName);
                    var isRoot = slots.Count == 0 && branch.Steps.Count == 0 && key is null && beta.Count == 0;
                    var node = new JoinNode(isRoot ? -1 : _memoryCount++, _nodeIds++, key, beta, isRoot);
                    memory.Sinks.Add(node);
                    link(node);
                    link = next => node.Next = next;
                    branch.Steps.Add(new ExplainStep(StepKind.Fact, pattern.Declaration, all, null, pattern.ValueType));
                    Declare(pattern.Declaration);
                    break;
                }

                case PatternElement pattern:
                {
                    var (stage, memory, factType) = BuildStage(rule, pattern, slotByName);
                    var node = new SourceNode(_memoryCount++, _nodeIds++, stage);
                    memory?.Sinks.Add(node);
                    link(node);
                    link = next => node.Next = next;
                    branch.Steps.Add(new ExplainStep(StepKind.Source, pattern.Declaration, [], stage, factType) { Node = node });
                    Declare(pattern.Declaration);
                    break;
                }

                case NotElement { Source: PatternElement { Source: null } pattern }:
                    AddExistence(pattern, negated: true);
                    break;
                case ExistsElement { Source: PatternElement { Source: null } pattern }:
                    AddExistence(pattern, negated: false);
                    break;
                case ForAllElement forAll:
                    AddExistence(ForAllAsNot(forAll), negated: true);
                    break;
                default:
                    throw new RuleCompilationException($"Rule '{rule.Definition.Name}': unsupported element {element.GetType().Name} (not/exists take one working-memory pattern).");
            }
        }

        var terminal = new TerminalNode(_nodeIds++, branch);
        link(terminal);
        CompileActions(rule, branch, slotByName);
        foreach (var filter in rule.Definition.FilterGroup.Filters)
        {
            (filter.FilterType == FilterType.Predicate ? branch.Predicates : branch.ChangeKeys).Add(Bind(rule, filter.Expression, null, slotByName));
        }

        return branch;

        void Declare(Declaration declaration)
        {
            if (slotByName.ContainsKey(declaration.Name))
            {
                throw new RuleCompilationException($"Rule '{rule.Definition.Name}' declares '{declaration.Name}' twice.");
            }

            slotByName[declaration.Name] = slots.Count;
            slots.Add(declaration);
        }

        void AddExistence(PatternElement pattern, bool negated)
        {
            var (memory, key, beta, all) = BuildFactPattern(rule, pattern, slotByName);
            var node = new ExistenceNode(_memoryCount++, _nodeIds++, key, beta, negated);
            memory.Sinks.Add(node);
            link(node);
            link = next => node.Next = next;
            branch.Steps.Add(new ExplainStep(negated ? StepKind.Not : StepKind.Exists, pattern.Declaration, all, null, pattern.ValueType));
        }
    }

    // forall(base, p1..pn) over one fact type  ==  not(base and not(p1 and ... pn)) over that same fact.
    private static PatternElement ForAllAsNot(ForAllElement forAll)
    {
        var baseDeclaration = forAll.BasePattern.Declaration;
        var self = Expression.Parameter(baseDeclaration.Type, baseDeclaration.Name);
        var bodies = new List<Expression>();
        var parameters = new Dictionary<string, ParameterExpression> { [self.Name!] = self };
        foreach (var pattern in forAll.Patterns)
        {
            foreach (var condition in pattern.Conditions)
            {
                var renamed = ExpressionTools.Rename(condition, pattern.Declaration.Name, self);
                var map = new Dictionary<ParameterExpression, Expression>();
                foreach (var p in renamed.Parameters.Where(p => p != self))
                {
                    map[p] = parameters.TryGetValue(p.Name!, out var existing) ? existing : parameters[p.Name!] = p;
                }

                bodies.Add(new Replacer(map).Visit(renamed.Body));
            }
        }

        var conditions = forAll.BasePattern.Conditions.ToList();
        if (bodies.Count > 0)
        {
            var all = bodies.Aggregate(Expression.AndAlso);
            conditions.Add(Expression.Lambda(Expression.Not(all), parameters.Values));
        }

        return new PatternElement(baseDeclaration, conditions);
    }

    private (AlphaMemoryNode Memory, JoinKey? Key, List<BoundExpression> Beta, List<(BoundExpression, Expression)> All) BuildFactPattern(
        CompiledRule rule, PatternElement pattern, Dictionary<string, int> slotByName)
    {
        var own = pattern.Declaration.Name;
        var alpha = new List<LambdaExpression>();
        var beta = new List<BoundExpression>();
        var all = new List<(BoundExpression, Expression)>();
        JoinKey? key = null;
        foreach (var condition in pattern.Conditions)
        {
            Validate(rule, condition, own, pattern.ValueType, slotByName);
            foreach (var conjunct in ExpressionTools.Conjuncts(condition))
            {
                var bound = Bind(rule, conjunct, own, slotByName);
                all.Add((bound, conjunct.Body));
                if (conjunct.Parameters.All(p => p.Name == own))
                {
                    alpha.Add(conjunct);
                }
                else if (key is null && TryKey(rule, conjunct, own, slotByName, out var k))
                {
                    key = k;
                }
                else
                {
                    beta.Add(bound);
                }
            }
        }

        return (AlphaPath(rule, pattern.ValueType, alpha), key, beta, all);
    }

    private AlphaMemoryNode AlphaPath(CompiledRule rule, Type type, List<LambdaExpression> conditions)
    {
        if (!_typeNodes.TryGetValue(type, out var typeNode))
        {
            typeNode = new TypeNode(type);
            _typeNodes[type] = typeNode;
        }

        AlphaNode node = typeNode;
        AddRule(node, rule);
        foreach (var condition in conditions)
        {
            node = node.GetOrAddChild(KeyOf(condition), () => new SelectionNode(Compile(condition), AlphaComparison.TryCreate(condition)));
            AddRule(node, rule);
        }

        return node.Memory ??= new AlphaMemoryNode(_nodeIds++, _alphaIds++);

        static void AddRule(AlphaNode node, CompiledRule rule)
        {
            // A node's list grows only while the rule being added visits it, so a repeat is always the last entry.
            if (node.Rules.Count == 0 || !ReferenceEquals(node.Rules[^1], rule.Definition))
            {
                node.Rules.Add(rule.Definition);
            }
        }
    }

    // leftExpr == rightExpr, one side over earlier declarations only and the other over this pattern's fact only.
    private bool TryKey(CompiledRule rule, LambdaExpression conjunct, string own, Dictionary<string, int> slotByName, out JoinKey? key)
    {
        if (!KeySplits.TryGetValue(conjunct, out var split) || split.Own != own)
        {
            split = SplitKey(conjunct, own);
            KeySplits.AddOrUpdate(conjunct, split);
        }

        key = split.Comparer is { } comparer
            ? new JoinKey(Bind(rule, split.TokenSide!, own, slotByName), Bind(rule, split.FactSide!, own, slotByName), comparer)
            : null;
        return key is not null;
    }

    /// <summary>How a conjunct splits into a join key for a pattern named <see cref="Own"/>: the side over earlier declarations, the side over the pattern's fact, and how to compare them (null when it is no key).</summary>
    private sealed record KeySplit(string Own, LambdaExpression? TokenSide, LambdaExpression? FactSide, IEqualityComparer<object>? Comparer);

    private static KeySplit SplitKey(LambdaExpression conjunct, string own)
    {
        if (conjunct.Body is not BinaryExpression { NodeType: ExpressionType.Equal } equal || KeyComparer(equal) is not { } comparer)
        {
            return new KeySplit(own, null, null, null);
        }

        var left = ExpressionTools.UsedParameters(conjunct, equal.Left);
        var right = ExpressionTools.UsedParameters(conjunct, equal.Right);
        bool OnlyOwn(IReadOnlyList<ParameterExpression> ps) => ps.Count > 0 && ps.All(p => p.Name == own);
        bool OnlyOuter(IReadOnlyList<ParameterExpression> ps) => ps.Count > 0 && ps.All(p => p.Name != own);
        Expression tokenSide, factSide;
        IReadOnlyList<ParameterExpression> tokenParams, factParams;
        if (OnlyOuter(left) && OnlyOwn(right))
        {
            (tokenSide, tokenParams, factSide, factParams) = (equal.Left, left, equal.Right, right);
        }
        else if (OnlyOwn(left) && OnlyOuter(right))
        {
            (tokenSide, tokenParams, factSide, factParams) = (equal.Right, right, equal.Left, left);
        }
        else
        {
            return new KeySplit(own, null, null, null);
        }

        return new KeySplit(own, Expression.Lambda(tokenSide, tokenParams), Expression.Lambda(factSide, factParams), comparer);
    }

    // Hash only where hashing agrees with what '==' does: built-in primitive/enum equality (not floating point, where
    // NaN != NaN), reference equality, and the equality operators of string, decimal, date/time types, Guid and records.
    private static IEqualityComparer<object>? KeyComparer(BinaryExpression equal)
    {
        if (equal.Left.Type != equal.Right.Type)
        {
            return null;
        }

        var type = Nullable.GetUnderlyingType(equal.Left.Type) ?? equal.Left.Type;
        if (equal.Method is null)
        {
            if (type == typeof(float) || type == typeof(double) || type == typeof(Half))
            {
                return null;
            }

            if (type.IsPrimitive || type.IsEnum)
            {
                return EqualityComparer<object>.Default;
            }

            return type.IsValueType ? null : ReferenceEqualityComparer.Instance;
        }

        var declaring = equal.Method.DeclaringType;
        var wellKnown = declaring == typeof(string) || declaring == typeof(decimal) || declaring == typeof(DateTime)
            || declaring == typeof(DateTimeOffset) || declaring == typeof(DateOnly) || declaring == typeof(TimeOnly)
            || declaring == typeof(TimeSpan) || declaring == typeof(Guid);
        var isRecord = declaring is not null && declaring.GetMethod("<Clone>$") is not null
            || declaring?.GetProperty("EqualityContract", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance) is not null;
        return (wellKnown || isRecord) && declaring == type ? EqualityComparer<object>.Default : null;
    }

    private BoundExpression Bind(CompiledRule rule, LambdaExpression lambda, string? own, Dictionary<string, int> slotByName)
    {
        var slots = lambda.Parameters.Select(p => p.Name == own ? -1 : slotByName.TryGetValue(p.Name!, out var s)
            ? s
            : throw new RuleCompilationException($"Rule '{rule.Definition.Name}': expression '{lambda}' uses '{p.Name}', which is not declared before it.")).ToArray();
        return new BoundExpression(Compile(lambda), slots, [rule.Definition]);
    }

    private static void Validate(CompiledRule rule, LambdaExpression condition, string own, Type ownType, Dictionary<string, int> slotByName)
    {
        if (condition.ReturnType != typeof(bool))
        {
            throw new RuleCompilationException($"Rule '{rule.Definition.Name}': condition '{condition}' must return bool.");
        }

        foreach (var p in condition.Parameters.Where(p => p.Name == own && !p.Type.IsAssignableFrom(ownType) && !ownType.IsAssignableFrom(p.Type)))
        {
            throw new RuleCompilationException($"Rule '{rule.Definition.Name}': parameter '{p.Name}' of '{condition}' has type {p.Type}, but the declaration is {ownType}.");
        }
    }

    private (Stage Stage, AlphaMemoryNode? Memory, Type? FactType) BuildStage(CompiledRule rule, PatternElement pattern, Dictionary<string, int> slotByName)
    {
        var own = pattern.Declaration.Name;
        switch (pattern.Source)
        {
            case null:
            {
                var alpha = new List<LambdaExpression>();
                var rest = new List<BoundExpression>();
                JoinKey? key = null;
                foreach (var conjunct in pattern.Conditions.SelectMany(ExpressionTools.Conjuncts))
                {
                    if (conjunct.Parameters.All(p => p.Name == own))
                    {
                        alpha.Add(conjunct);
                        continue;
                    }

                    // The key only narrows candidates; the conjunct is still evaluated, so correctness never depends on the index.
                    if (key is null && TryKey(rule, conjunct, own, slotByName, out var k))
                    {
                        key = k;
                    }

                    rest.Add(Bind(rule, conjunct, own, slotByName));
                }

                return (new FactStage(rest, key), AlphaPath(rule, pattern.ValueType, alpha), pattern.ValueType);
            }

            case BindingElement binding:
                return (new BindingStage(Bind(rule, binding.Expression, null, slotByName), Conditions()), null, null);
            case AggregateElement aggregate:
            {
                var (inner, memory, factType) = BuildStage(rule, aggregate.Source, slotByName);
                var element = aggregate.Source.Declaration.Name;
                BoundExpression? Named(string name) =>
                    aggregate.Expressions.FirstOrDefault(e => e.Name == name) is { } e ? Bind(rule, e.Expression, element, slotByName) : null;
                var elementType = aggregate.Source.ValueType;
                var keyExpression = aggregate.Expressions.FirstOrDefault(e => e.Name is "KeySelector" or "Selector")?.Expression;
                var elementExpression = aggregate.Expressions.FirstOrDefault(e => e.Name == "ElementSelector")?.Expression;
                var resultElementType = elementExpression?.ReturnType ?? elementType;
                var stage = aggregate.Name switch
                {
                    AggregateElement.CollectName => new AggregateStage(
                        inner, AggregateKind.Collect, null, null,
                        [.. aggregate.Expressions.Where(e => e.Name is AggregateElement.KeySelectorAscendingName or AggregateElement.KeySelectorDescendingName)
                            .Select(e => (Bind(rule, e.Expression, element, slotByName), e.Name == AggregateElement.KeySelectorDescendingName))],
                        Containers.ArrayFactory(elementType), null, null, Conditions()),
                    AggregateElement.GroupByName => new AggregateStage(
                        inner, AggregateKind.GroupBy, Named("KeySelector"), Named("ElementSelector"), [],
                        Containers.ArrayFactory(elementType), Containers.GroupFactory(Required(keyExpression).ReturnType, resultElementType), null, Conditions()),
                    AggregateElement.ProjectName => new AggregateStage(
                        inner, AggregateKind.Project, Named("Selector"), null, [], Containers.ArrayFactory(elementType), null, null, Conditions()),
                    AggregateElement.FlattenName => new AggregateStage(
                        inner, AggregateKind.Flatten, Named("Selector"), null, [], Containers.ArrayFactory(elementType), null, null, Conditions()),
                    AggregateElement.ToLookupName => new AggregateStage(
                        inner, AggregateKind.ToLookup, Named("KeySelector"), Named("ElementSelector"), [],
                        Containers.ArrayFactory(elementType), null, Containers.LookupFactory(Required(keyExpression).ReturnType, resultElementType), Conditions()),
                    _ => throw new RuleCompilationException($"Rule '{rule.Definition.Name}': unknown aggregate '{aggregate.Name}'."),
                };
                return (stage, memory, factType);
            }

            default:
                throw new RuleCompilationException($"Rule '{rule.Definition.Name}': unsupported pattern source {pattern.Source.GetType().Name}.");
        }

        List<BoundExpression> Conditions() => [.. pattern.Conditions.Select(c => Bind(rule, c, own, slotByName))];

        LambdaExpression Required(LambdaExpression? e) =>
            e ?? throw new RuleCompilationException($"Rule '{rule.Definition.Name}': aggregate needs a KeySelector.");
    }

    private void CompileActions(CompiledRule rule, CompiledBranch branch, Dictionary<string, int> slotByName)
    {
        var dependencies = rule.Definition.DependencyGroup.Dependencies.ToDictionary(d => d.Declaration.Name, d => d.ServiceType, StringComparer.Ordinal);
        var declared = rule.Definition.LeftHandSide.Exports.GroupBy(d => d.Name).ToDictionary(g => g.Key, g => g.First().Type, StringComparer.Ordinal);
        foreach (var action in rule.Definition.RightHandSide.Actions)
        {
            var args = action.Expression.Parameters.Skip(1).Select(p =>
                slotByName.TryGetValue(p.Name!, out var slot) ? new ActionArg(slot, null, null)
                : dependencies.TryGetValue(p.Name!, out var service) ? new ActionArg(-1, service, null)
                : declared.ContainsKey(p.Name!) ? new ActionArg(-1, null, p.Type.IsValueType ? RuntimeHelpers.GetUninitializedObject(p.Type) : null)
                : throw new RuleCompilationException($"Rule '{rule.Definition.Name}': action '{action.Expression}' uses '{p.Name}', which is not declared.")).ToArray();
            branch.Actions.Add(new CompiledAction(action, Compile(action.Expression), args));
        }
    }
}
