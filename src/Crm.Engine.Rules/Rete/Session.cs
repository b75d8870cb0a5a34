using System.Buffers;
using System.Linq.Expressions;
using Crm.Engine.Rules.Diagnostics;
using Crm.Engine.Rules.Extensibility;
using Crm.Engine.Rules.RuleModel;

namespace Crm.Engine.Rules.Rete;

internal sealed class FactMatch(Declaration declaration, Fact? fact) : IFactMatch
{
    public Declaration Declaration { get; } = declaration;

    public Type Type => Declaration.Type;

    // Read through the wrapper so the value reflects the latest update of the fact.
    public object? Value => fact?.Object;

    public override string ToString() => $"{Declaration.Name}={Value}";
}

/// <summary>Working memory identity: <see cref="IIdentityProvider"/> if the fact has one, else the fact's own equality.</summary>
internal sealed class FactIdentityComparer : IEqualityComparer<object>
{
    public static readonly FactIdentityComparer Instance = new();

    public new bool Equals(object? x, object? y) => object.Equals(Identity(x), Identity(y));

    public int GetHashCode(object obj) => Identity(obj)?.GetHashCode() ?? 0;

    private static object? Identity(object? fact) => fact is IIdentityProvider p ? p.GetIdentity() : fact;
}

internal sealed class Session : ISession, IAgenda
{
    /// <summary>Result of an expression whose failure a handler marked as handled.</summary>
    public static readonly object Failed = new();

    private const int MaxNodeMemoryCapacity = 4096;
    private const int FirstFirings = 32;

    private readonly ReteNetwork _network;
    private readonly object?[] _memories;
    private Dictionary<NodeKey, object?>? _nodeMemory;
    private readonly Dictionary<object, Fact> _facts = new(FactIdentityComparer.Instance);
    private readonly AgendaQueue _agenda;
    private readonly EventAggregator _factoryEvents;

    // Created on first use: most sessions have no filters, defer nothing, trace nothing and subscribe to nothing.
    private List<IAgendaFilter>? _filters;
    private Dictionary<IRuleDefinition, List<IAgendaFilter>>? _ruleFilters;
    private Queue<Action>? _deferred;
    private List<FiringRecord>? _firings;
    private EventAggregator? _sessionEvents;
    private AgendaContext? _agendaContext;
    private ActionContext? _context;
    private bool _firing;
    private long _factIds;
    private long _syntheticIds;
    private bool _halted;
    private int _depth;

    public Session(ReteNetwork network, EventAggregator factoryEvents, IDependencyResolver resolver, IActionInterceptor? interceptor)
    {
        _network = network;
        _memories = network.MemoryCount == 0 ? [] : new object?[network.MemoryCount];
        _factoryEvents = factoryEvents;
        _agenda = new AgendaQueue(network.AgendaCapacity);
        DependencyResolver = resolver;
        ActionInterceptor = interceptor;
        if (network.Seeds.Length > 0)
        {
            // The lambda reads the field, not the parameter: capturing a parameter would make C# allocate a closure at
            // the start of every constructor call, seeds or not.
            Propagate(() =>
            {
                foreach (var first in _network.Seeds)
                {
                    first.LeftAssert(this, Token.Empty);
                }
            });
        }
    }

    public IAgenda Agenda => this;

    public IEventProvider Events => _sessionEvents ??= new EventAggregator(_factoryEvents);

    // Where events are raised: the session's own aggregator (which forwards to the factory's), or the factory's alone
    // while nobody asked for the session's.
    private EventAggregator Raise => _sessionEvents ?? _factoryEvents;

    public IDependencyResolver DependencyResolver { get; set; }

    public IActionInterceptor? ActionInterceptor { get; set; }

    public int MaxFiringsPerFire { get; set; } = 1_000_000;

    public bool TracingEnabled { get; set; }

    public IReadOnlyList<FiringRecord> Firings => _firings ?? (IReadOnlyList<FiringRecord>)[];

    public bool IsEmpty => _agenda.Count == 0;

    public int Count => _agenda.Count;

    // A token's state for a node other than the one that holds the token's own slot (see TokenStateSet) lives in one
    // shared dictionary, created on first use and never enumerated.
    private bool NodeMemoryTryGet(int node, object item, out object? value)
    {
        if (_nodeMemory is null)
        {
            value = null;
            return false;
        }

        return _nodeMemory.TryGetValue(new NodeKey(node, item), out value);
    }

    private void NodeMemorySet(int node, object item, object? value) => (_nodeMemory ??= new(_network.NodeMemoryCapacity))[new NodeKey(node, item)] = value;

    private bool NodeMemoryRemove(int node, object item, out object? value)
    {
        if (_nodeMemory is null)
        {
            value = null;
            return false;
        }

        return _nodeMemory.Remove(new NodeKey(node, item), out value);
    }

    // ---- per-token state: on the token when it has room (the usual case: one node keeps state for a token), else in the node memory ----
    public void TokenStateSet(int node, Token token, object state)
    {
        if (token.StateNode == node || (token.StateNode < 0 && !ReferenceEquals(token, Token.Empty)))
        {
            if (token.StateNode < 0 && _nodeMemory is { Count: > 0 })
            {
                // The node may have kept this token's state here while another node held the token's slot.
                _nodeMemory.Remove(new NodeKey(node, token));
            }

            token.StateNode = node;
            token.State = state;
            return;
        }

        NodeMemorySet(node, token, state);
    }

    public bool TokenStateTryGet(int node, Token token, out object? state)
    {
        if (token.StateNode == node)
        {
            state = token.State;
            return true;
        }

        return NodeMemoryTryGet(node, token, out state);
    }

    public bool TokenStateRemove(int node, Token token, out object? state)
    {
        if (token.StateNode == node)
        {
            state = token.State;
            token.StateNode = -1;
            token.State = null;
            return true;
        }

        return NodeMemoryRemove(node, token, out state);
    }

    // ---- per-fact state: on the fact (see Fact) ----
    public void FactStateAdd(int node, Fact fact, object state)
    {
        fact.AddState(node, state, _network.FactStateCapacity);
    }

    /// <summary>Records how many node states a fact reached, so later facts' lists start large enough.</summary>
    private void LearnFactStates(Fact fact)
    {
        var count = fact.StateCount;
        if (count > _network.FactStateCapacity)
        {
            _network.FactStateCapacity = Math.Min(count, MaxNodeMemoryCapacity);
        }
    }

    public T? GetMemoryOrNull<T>(int index)
        where T : class => (T?)_memories[index];

    public T SetMemory<T>(int index, T memory)
        where T : class
    {
        _memories[index] = memory;
        return memory;
    }

    public Fact NewSyntheticFact(object? value) => new(--_syntheticIds, value);

    /// <summary>While set, failing expressions count as false silently: Explain must neither throw nor raise events.</summary>
    internal bool Explaining { get; set; }

    public object? Evaluate(CompiledExpression expression, object?[] args, IReadOnlyList<IRuleDefinition> rules)
    {
        try
        {
            return expression.Invoke(args);
        }
        catch (Exception) when (Explaining)
        {
            return Failed;
        }
        catch (Exception e)
        {
            return Fail(e, expression, args, rules);
        }
    }

    /// <summary><c>Evaluate(expression, [arg], rules)</c> without the argument array.</summary>
    public object? Evaluate1(CompiledExpression expression, object? arg, IReadOnlyList<IRuleDefinition> rules)
    {
        try
        {
            return expression.Invoke1(arg);
        }
        catch (Exception) when (Explaining)
        {
            return Failed;
        }
        catch (Exception e)
        {
            return Fail(e, expression, [arg], rules);
        }
    }

    /// <summary><c>Evaluate(expression, args, rules) is true</c> without boxing the result.</summary>
    public bool Test(CompiledExpression expression, object?[] args, IReadOnlyList<IRuleDefinition> rules)
    {
        try
        {
            return expression.Test(args);
        }
        catch (Exception) when (Explaining)
        {
            return false;
        }
        catch (Exception e)
        {
            Fail(e, expression, args, rules);
            return false;
        }
    }

    /// <summary><c>Evaluate(expression, [arg], rules) is true</c> without the argument array or boxing.</summary>
    public bool Test1(CompiledExpression expression, object? arg, IReadOnlyList<IRuleDefinition> rules)
    {
        try
        {
            return expression.Test1(arg);
        }
        catch (Exception) when (Explaining)
        {
            return false;
        }
        catch (Exception e)
        {
            Fail(e, expression, [arg], rules);
            return false;
        }
    }

    // A failed expression: raise the event; handled → Failed, else throw.
    private object Fail(Exception e, CompiledExpression expression, object?[] args, IReadOnlyList<IRuleDefinition> rules)
    {
        var facts = args.ToArray();
        var handler = new LhsExpressionErrorEventArgs(e, expression.Lambda, args, rules, facts);
        Raise.LhsExpressionFailed(this, handler);
        if (handler.IsHandled)
        {
            return Failed;
        }

        throw new RuleLhsExpressionEvaluationException(
            $"Failed to evaluate condition '{expression.Lambda}' of rule(s) {string.Join(", ", rules.Select(r => $"'{r.Name}'"))} with ({string.Join(", ", args)}): {e.Message}",
            string.Join(", ", rules.Select(r => r.Name)),
            expression.Lambda,
            e);
    }

    // ---- working memory ----
    public void Insert(object fact)
    {
        ArgumentNullException.ThrowIfNull(fact);
        if (_facts.ContainsKey(fact))
        {
            throw new ArgumentException($"Fact for insert already exists: {fact}.", nameof(fact));
        }

        DoInsert(fact, null, null);
    }

    public void InsertAll(IEnumerable<object> facts)
    {
        var list = Snapshot(facts);
        if (list.FirstOrDefault(_facts.ContainsKey) is { } existing)
        {
            throw new ArgumentException($"Fact for insert already exists: {existing}.", nameof(facts));
        }

        if (list.Count > 1)
        {
            _facts.EnsureCapacity(_facts.Count + list.Count);
        }

        for (var i = 0; i < list.Count; i++)
        {
            var fact = list[i];
            if (_facts.ContainsKey(fact))
            {
                // Named twice in the batch (the same object, or two equal records): the batch is refused whole, so what
                // it inserted so far is retracted again (newest first) before the error. Found here rather than by a
                // set built beforehand, which every large batch would pay for.
                for (var j = i - 1; j >= 0; j--)
                {
                    if (_facts.ContainsKey(list[j]))
                    {
                        DoRetract(list[j]);
                    }
                }

                throw new ArgumentException($"Fact for insert appears more than once in the batch: {fact}. Nothing of the batch was inserted.", nameof(facts));
            }

            DoInsert(fact, null, null);
        }
    }

    public bool TryInsert(object fact)
    {
        ArgumentNullException.ThrowIfNull(fact);
        if (_facts.ContainsKey(fact))
        {
            return false;
        }

        DoInsert(fact, null, null);
        return true;
    }

    public void Update(object fact)
    {
        ArgumentNullException.ThrowIfNull(fact);
        UpdateAll([fact]);
    }

    public void UpdateAll(IEnumerable<object> facts)
    {
        var list = facts.ToList();
        if (list.FirstOrDefault(f => !_facts.ContainsKey(f)) is { } missing)
        {
            throw new ArgumentException($"Fact for update does not exist: {missing}.", nameof(facts));
        }

        foreach (var fact in list)
        {
            // An earlier update of the batch may have retracted a linked fact that comes later in it.
            if (_facts.ContainsKey(fact))
            {
                DoUpdate(fact);
            }
        }
    }

    public bool TryUpdate(object fact)
    {
        ArgumentNullException.ThrowIfNull(fact);
        if (!_facts.ContainsKey(fact))
        {
            return false;
        }

        DoUpdate(fact);
        return true;
    }

    public void Retract(object fact)
    {
        ArgumentNullException.ThrowIfNull(fact);
        RetractAll([fact]);
    }

    public void RetractAll(IEnumerable<object> facts)
    {
        var list = Snapshot(facts);
        if (list.FirstOrDefault(f => !_facts.ContainsKey(f)) is { } missing)
        {
            throw new ArgumentException($"Fact for retract does not exist: {missing}.", nameof(facts));
        }

        foreach (var fact in list)
        {
            // A fact named twice, or a linked fact that retracting an earlier one of the batch already took with it, is
            // retracted once.
            if (_facts.ContainsKey(fact))
            {
                DoRetract(fact);
            }
        }
    }

    public bool TryRetract(object fact)
    {
        ArgumentNullException.ThrowIfNull(fact);
        if (!_facts.ContainsKey(fact))
        {
            return false;
        }

        DoRetract(fact);
        return true;
    }

    public IQueryable<TFact> Query<TFact>() =>
        _facts.Values.OrderBy(f => f.Id).Select(f => f.Object).OfType<TFact>().ToList().AsQueryable();

    internal Fact? FindFact(object fact) => _facts.GetValueOrDefault(fact);

    internal IEnumerable<Fact> AllFacts => _facts.Values.OrderBy(f => f.Id);

    internal void DoInsert(object value, Activation? source, object? linkedKey)
    {
        Raise.FactInserting(this, value);
        var fact = new Fact(++_factIds, value);
        if (source is not null)
        {
            fact.LinkTo(source, linkedKey!);
        }

        _facts.Add(value, fact);
        _depth++;
        try
        {
            foreach (var node in _network.TypeNodesFor(value.GetType()))
            {
                node.Assert(this, fact);
            }
        }
        finally
        {
            _depth--;
        }

        LearnFactStates(fact);
        RunDeferred();
        Raise.FactInserted(this, value);
    }

    internal void DoUpdate(object value)
    {
        Raise.FactUpdating(this, value);
        var fact = _facts[value];
        if (!ReferenceEquals(fact.Object, value))
        {
            // An equal replacement instance: working memory now holds the new one.
            _facts.Remove(value);
            _facts.Add(value, fact);
            fact.Object = value;
        }

        _depth++;
        try
        {
            foreach (var node in _network.TypeNodesFor(value.GetType()))
            {
                node.Update(this, fact);
            }
        }
        finally
        {
            _depth--;
        }

        RunDeferred();
        Raise.FactUpdated(this, value);
    }

    internal void DoRetract(object value)
    {
        var fact = _facts[value];
        Raise.FactRetracting(this, fact.Object!);
        _facts.Remove(value);
        if (fact.Source is { HasLinked: true } source)
        {
            source.Linked.Remove(fact.LinkedKey!);
        }

        _depth++;
        try
        {
            foreach (var node in _network.TypeNodesFor(fact.Object!.GetType()))
            {
                node.Retract(this, fact);
            }
        }
        finally
        {
            _depth--;
        }

        RunDeferred();
        Raise.FactRetracted(this, fact.Object!);
    }

    // The batch as a list (it is read twice: checked, then applied), without nulls.
    private static List<object> Snapshot(IEnumerable<object> facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var list = facts.ToList();
        if (list.Any(f => f is null))
        {
            throw new ArgumentException("Facts cannot be null.", nameof(facts));
        }

        return list;
    }

    // Changes requested while the network propagates (retracting linked facts of a deleted activation) wait until
    // the propagation finishes, so node memories are never modified re-entrantly.
    private void Propagate(Action action)
    {
        _depth++;
        try
        {
            action();
        }
        finally
        {
            _depth--;
        }

        RunDeferred();
    }

    private void RunDeferred()
    {
        if (_depth == 0)
        {
            while (_deferred is not null && _deferred.TryDequeue(out var next))
            {
                next();
            }
        }
    }

    // ---- agenda ----
    public static Activation CreateActivation(CompiledBranch branch, Token token) => new(branch, token);

    /// <summary>An activation for <paramref name="head"/> extended by <paramref name="last"/>, without making that token.</summary>
    public static Activation CreateActivation(CompiledBranch branch, Token head, Fact last) => new(branch, head, last);

    public static IFactMatch[] Matches(CompiledBranch branch, Token token)
    {
        var slots = branch.Slots;
        var facts = token.Facts;
        var matches = new IFactMatch[slots.Count];
        for (var i = 0; i < matches.Length; i++)
        {
            matches[i] = new FactMatch(slots[i], i < facts.Length ? facts[i] : null);
        }

        return matches;
    }

    public void OnActivationCreated(Activation activation)
    {
        Raise.ActivationCreated(this, activation);
        if ((activation.Branch.Rule.Triggers & ActionTrigger.Activated) != 0)
        {
            Enqueue(activation);
        }
    }

    public void OnActivationUpdated(Activation activation)
    {
        activation.Trigger = activation.HasFired ? MatchTrigger.Updated : MatchTrigger.Created;
        Raise.ActivationUpdated(this, activation);
        if (activation.HasFired)
        {
            if (activation.Rule.Repeatability == RuleRepeatability.NonRepeatable || (activation.Branch.Rule.Triggers & ActionTrigger.Reactivated) == 0
                || (activation.FiredKeys is { } keys && keys.SequenceEqual(ChangeKeys(activation))))
            {
                return;
            }

            activation.ActionTrigger = ActionTrigger.Reactivated;
        }

        Enqueue(activation);
    }

    public void OnActivationDeleted(Activation activation)
    {
        activation.IsDeleted = true;
        if (activation.IsQueued)
        {
            _agenda.Remove(activation);
            activation.IsQueued = false;
        }

        activation.Trigger = activation.HasFired ? MatchTrigger.Removed : MatchTrigger.None;
        Raise.ActivationDeleted(this, activation);
        if (activation.HasFired && (activation.Branch.Rule.Triggers & ActionTrigger.Deactivated) != 0)
        {
            activation.ActionTrigger = ActionTrigger.Deactivated;
            Enqueue(activation);
        }

        if (activation.HasLinked)
        {
            // Linked facts follow their activation: when the match goes away, so do the facts it produced.
            var linked = activation.Linked.Values.ToList();
            activation.Linked.Clear();
            foreach (var fact in linked)
            {
                (_deferred ??= new()).Enqueue(() => TryRetract(fact));
            }
        }
    }

    private void Enqueue(Activation activation)
    {
        if (activation.IsQueued)
        {
            _agenda.Remove(activation);
        }

        if (activation.ActionTrigger != ActionTrigger.Deactivated && !Accepted(activation))
        {
            activation.IsQueued = false;
            return;
        }

        _agenda.Add(activation);
        activation.IsQueued = true;
    }

    private object?[] ChangeKeys(Activation activation) =>
        [.. activation.Branch.ChangeKeys.Select(k => k.Invoke(this, activation.Token, null))];

    private bool Accepted(Activation activation)
    {
        foreach (var predicate in activation.Branch.Predicates)
        {
            if (!predicate.Test(this, activation.Token, null))
            {
                return false;
            }
        }

        if (_filters is null && _ruleFilters is null)
        {
            return true;
        }

        var context = _agendaContext ??= new AgendaContext(this);
        foreach (var filter in _filters ?? [])
        {
            if (!filter.Accept(context, activation))
            {
                return false;
            }
        }

        if (_ruleFilters is not null && _ruleFilters.TryGetValue(activation.Rule, out var filters))
        {
            foreach (var filter in filters)
            {
                if (!filter.Accept(context, activation))
                {
                    return false;
                }
            }
        }

        return true;
    }

    public Activation Peek() => _agenda.Count > 0 ? _agenda.Min : throw new InvalidOperationException("The agenda is empty.");

    public void Clear()
    {
        _agenda.Clear();
    }

    public void AddFilter(IAgendaFilter filter) => (_filters ??= []).Add(filter ?? throw new ArgumentNullException(nameof(filter)));

    public void AddFilter(IRuleDefinition rule, IAgendaFilter filter)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(filter);
        (_ruleFilters ??= []).GetOrAdd(rule).Add(filter);
    }

    // ---- firing ----
    public int Fire() => Fire(int.MaxValue, CancellationToken.None);

    public int Fire(int maxRulesNumber) => Fire(maxRulesNumber, CancellationToken.None);

    public int Fire(CancellationToken cancellationToken) => Fire(int.MaxValue, cancellationToken);

    public int Fire(int maxRulesNumber, CancellationToken cancellationToken)
    {
        _halted = false;
        if (_nodeMemory is not null && _nodeMemory.Count > _network.NodeMemoryCapacity)
        {
            _network.NodeMemoryCapacity = Math.Min(_nodeMemory.Count, MaxNodeMemoryCapacity);
        }

        if (_agenda.Count > _network.AgendaCapacity)
        {
            _network.AgendaCapacity = Math.Min(_agenda.Count, MaxNodeMemoryCapacity);
        }

        var nested = _firing;
        _firing = true;
        try
        {
            return FireLoop(maxRulesNumber, nested, cancellationToken);
        }
        finally
        {
            _firing = nested;
        }
    }

    private int FireLoop(int maxRulesNumber, bool nested, CancellationToken cancellationToken)
    {
        // Which rule fired, so the firing-limit error can name the rule that fired most in this call: the first
        // firings are noted on the stack (most calls fire few activations), then counted per rule in an array
        // rented for the call (a Fire nested in an action counts on its own).
        Span<int> first = stackalloc int[FirstFirings];
        RuleCount[]? perRule = null;
        var fired = 0;
        try
        {
            while (fired < maxRulesNumber && !_halted && !cancellationToken.IsCancellationRequested && _agenda.Count > 0)
            {
                var activation = _agenda.Min;
                if (fired >= MaxFiringsPerFire)
                {
                    // The activation stays queued, so the session remains usable after the limit is raised.
                    throw new RuleFiringLimitExceededException(MostFired(perRule, first[..Math.Min(fired, FirstFirings)]), MaxFiringsPerFire);
                }

                _agenda.Remove(activation);
                activation.IsQueued = false;
                var rule = activation.Branch.Rule.Index;
                if (fired < FirstFirings)
                {
                    first[fired] = rule;
                }
                else
                {
                    if (perRule is null)
                    {
                        perRule = ArrayPool<RuleCount>.Shared.Rent(_network.Rules.Count);
                        Array.Clear(perRule);
                        for (var k = 0; k < FirstFirings; k++)
                        {
                            Count(perRule, first[k], k);
                        }
                    }

                    Count(perRule, rule, fired);
                }

                FireActivation(activation, nested, cancellationToken);
                fired++;
            }
        }
        finally
        {
            if (perRule is not null)
            {
                ArrayPool<RuleCount>.Shared.Return(perRule);
            }
        }

        return fired;

        static void Count(RuleCount[] perRule, int rule, int position)
        {
            ref var count = ref perRule[rule];
            if (count.Firings++ == 0)
            {
                count.First = position;
            }
        }
    }

    public void Halt() => _halted = true;

    // The rule fired most often in the current call; on a tie, the one that fired first (as a dictionary in firing order would give).
    private string MostFired(RuleCount[]? perRule, ReadOnlySpan<int> first)
    {
        if (perRule is null)
        {
            if (first.IsEmpty)
            {
                // Nothing fired yet (a limit of 0): what the per-rule maximum of an empty count threw.
                throw new InvalidOperationException("Sequence contains no elements");
            }

            perRule = new RuleCount[_network.Rules.Count];
            for (var k = 0; k < first.Length; k++)
            {
                ref var count = ref perRule[first[k]];
                if (count.Firings++ == 0)
                {
                    count.First = k;
                }
            }
        }

        var best = -1;
        for (var i = 0; i < _network.Rules.Count; i++)
        {
            var c = perRule[i];
            if (c.Firings > 0 && (best < 0 || c.Firings > perRule[best].Firings || (c.Firings == perRule[best].Firings && c.First < perRule[best].First)))
            {
                best = i;
            }
        }

        return _network.Rules[best].Definition.Name;
    }

    private void FireActivation(Activation activation, bool nested, CancellationToken cancellationToken)
    {
        Raise.RuleFiring(this, activation);
        var trigger = activation.ActionTrigger;

        // One context serves every firing of an outer Fire call (it is valid while its action runs); a Fire nested
        // in an action gets its own, so the outer action's context is intact when the nested call returns.
        var context = nested ? new ActionContext(this) : (_context ??= new ActionContext(this));
        context.Reset(activation, cancellationToken);
        if (trigger != ActionTrigger.Deactivated)
        {
            activation.HasFired = true;
            activation.FiredKeys = activation.Branch.ChangeKeys.Count > 0 ? ChangeKeys(activation) : null;
        }

        if (TracingEnabled)
        {
            (_firings ??= []).Add(new FiringRecord(_firings.Count + 1, activation.Rule.Name, trigger, [.. activation.Facts.Select(f => new KeyValuePair<string, object?>(f.Declaration.Name, f.Value))]));
        }

        var actions = activation.Branch.Actions;
        if (ActionInterceptor is { } interceptor)
        {
            var invocations = new List<IActionInvocation>(actions.Count);
            foreach (var action in actions)
            {
                if ((action.Element.ActionTrigger & trigger) != 0)
                {
                    invocations.Add(new ActionInvocation(this, context, activation, action));
                }
            }

            interceptor.Intercept(context, invocations);
        }
        else
        {
            // Arguments are taken right before each action runs, as ActionInvocation does.
            foreach (var action in actions)
            {
                if ((action.Element.ActionTrigger & trigger) == 0)
                {
                    continue;
                }

                if (action.Args.Length == 1 && action.Expression.IsBinary)
                {
                    // The usual (context, fact) action: no argument array unless it fails.
                    RunAction(activation, action, context, ActionArgument(activation, action.Args[0]));
                }
                else if (action.Args.Length == 0 && action.Expression.IsUnary)
                {
                    RunAction(activation, action, context);
                }
                else
                {
                    RunAction(activation, action, ActionArguments(context, activation, action));
                }
            }
        }

        Raise.RuleFired(this, activation);
    }

    internal object?[] ActionArguments(ActionContext context, Activation activation, CompiledAction action)
    {
        var args = new object?[action.Args.Length + 1];
        args[0] = context;
        for (var i = 0; i < action.Args.Length; i++)
        {
            args[i + 1] = ActionArgument(activation, action.Args[i]);
        }

        return args;
    }

    private object? ActionArgument(Activation activation, ActionArg spec) =>
        spec.Slot >= 0 ? activation.FactAt(spec.Slot)?.Object
        : spec.ServiceType is not null ? DependencyResolver.Resolve(new ResolutionContext(this, activation.Rule), spec.ServiceType)
        : spec.Default;

    private void RunAction(Activation activation, CompiledAction action, ActionContext context)
    {
        try
        {
            action.Expression.Invoke1(context);
        }
        catch (Exception e) when (e is not RuleExpressionEvaluationException and not RuleFiringLimitExceededException)
        {
            FailAction(activation, action, [context], e);
        }
    }

    private void RunAction(Activation activation, CompiledAction action, ActionContext context, object? arg)
    {
        try
        {
            action.Expression.Invoke2(context, arg);
        }
        catch (Exception e) when (e is not RuleExpressionEvaluationException and not RuleFiringLimitExceededException)
        {
            FailAction(activation, action, [context, arg], e);
        }
    }

    internal void RunAction(Activation activation, CompiledAction action, object?[] args)
    {
        try
        {
            action.Expression.Invoke(args);
        }
        catch (Exception e) when (e is not RuleExpressionEvaluationException and not RuleFiringLimitExceededException)
        {
            FailAction(activation, action, args, e);
        }
    }

    private void FailAction(Activation activation, CompiledAction action, object?[] args, Exception e)
    {
        var handler = new RhsExpressionErrorEventArgs(e, action.Expression.Lambda, args, activation);
        Raise.RhsExpressionFailed(this, handler);
        if (!handler.IsHandled)
        {
            throw new RuleRhsExpressionEvaluationException(
                $"Failed to evaluate action '{action.Expression.Lambda}' of rule '{activation.Rule.Name}': {e.Message}",
                activation.Rule.Name,
                action.Expression.Lambda,
                e);
        }
    }

    // ---- linked facts ----
    internal void InsertLinked(Activation activation, object key, object fact)
    {
        if (activation.Linked.ContainsKey(key))
        {
            throw new InvalidOperationException($"A fact is already linked under key '{key}'.");
        }

        if (_facts.ContainsKey(fact))
        {
            throw new ArgumentException($"Fact for insert already exists: {fact}.", nameof(fact));
        }

        activation.Linked[key] = fact;
        DoInsert(fact, activation, key);
    }

    internal void UpdateLinked(Activation activation, object key, object fact)
    {
        if (!_facts.TryGetValue(fact, out var existing) || existing.Source != activation)
        {
            throw new ArgumentException($"Fact is not linked to this activation: {fact}.", nameof(fact));
        }

        activation.Linked[key] = fact;
        DoUpdate(fact);
    }

    internal void RetractLinked(Activation activation, object key, object fact)
    {
        if (!_facts.TryGetValue(fact, out var existing) || existing.Source != activation)
        {
            throw new ArgumentException($"Fact is not linked to this activation: {fact}.", nameof(fact));
        }

        activation.Linked.Remove(key);
        DoRetract(fact);
    }

    // ---- explain ----
    public RuleExplanation Explain(string ruleName)
    {
        var rule = _network.Rules.FirstOrDefault(r => r.Definition.Name == ruleName)
            ?? throw new ArgumentException($"No rule named '{ruleName}' in this session.", nameof(ruleName));
        var firings = (_firings ?? []).Where(f => f.RuleName == ruleName).ToList();
        Explaining = true;
        try
        {
            return new RuleExplanation(ruleName, TracingEnabled, firings, [.. rule.Branches.Select(b => Explainer.Explain(this, b))]);
        }
        finally
        {
            Explaining = false;
        }
    }

    private struct RuleCount
    {
        public int Firings;
        public int First;
    }

    private sealed class ResolutionContext(ISession session, IRuleDefinition rule) : IResolutionContext
    {
        public ISession Session { get; } = session;

        public IRuleDefinition Rule { get; } = rule;
    }
}

internal sealed class ActionInvocation(Session session, ActionContext context, Activation activation, CompiledAction action) : IActionInvocation
{
    private object?[]? _args;

    public IReadOnlyList<object?> Arguments => Args.Skip(1).ToArray();

    public ActionElement Action => action.Element;

    public ActionTrigger Trigger => action.Element.ActionTrigger;

    private object?[] Args => _args ??= session.ActionArguments(context, activation, action);

    public void Invoke() => session.RunAction(activation, action, Args);
}

/// <summary>The context an action receives. Valid while the action runs: the session reuses it for the next firing.</summary>
internal sealed class ActionContext(Session session) : IContext
{
    private Activation _activation = null!;

    public IRuleDefinition Rule => _activation.Rule;

    public IMatch Match => _activation;

    public IReadOnlyList<IFactMatch> Facts => _activation.Facts;

    public CancellationToken CancellationToken { get; private set; }

    public void Reset(Activation current, CancellationToken cancellationToken)
    {
        _activation = current;
        CancellationToken = cancellationToken;
    }

    public void Halt() => session.Halt();

    public void Insert(object fact) => session.Insert(fact);

    public void InsertAll(IEnumerable<object> facts) => session.InsertAll(facts);

    public bool TryInsert(object fact) => session.TryInsert(fact);

    public void Update(object fact) => session.Update(fact);

    public void Update<TFact>(TFact fact, Action<TFact> updateAction)
        where TFact : notnull
    {
        ArgumentNullException.ThrowIfNull(updateAction);
        updateAction(fact);
        session.Update(fact);
    }

    public void UpdateAll(IEnumerable<object> facts) => session.UpdateAll(facts);

    public bool TryUpdate(object fact) => session.TryUpdate(fact);

    public void Retract(object fact) => session.Retract(fact);

    public void RetractAll(IEnumerable<object> facts) => session.RetractAll(facts);

    public bool TryRetract(object fact) => session.TryRetract(fact);

    public IReadOnlyCollection<object> GetLinkedKeys() => _activation.LinkedKeys;

    public object? GetLinked(object key) => _activation.LinkedOrNull(key);

    public void InsertLinked(object key, object fact) => session.InsertLinked(_activation, key, fact);

    public void UpdateLinked(object key, object fact) => session.UpdateLinked(_activation, key, fact);

    public void RetractLinked(object key, object fact) => session.RetractLinked(_activation, key, fact);

    public void InsertAllLinked(IEnumerable<KeyValuePair<object, object>> keyedFacts) => Each(keyedFacts, InsertLinked);

    public void UpdateAllLinked(IEnumerable<KeyValuePair<object, object>> keyedFacts) => Each(keyedFacts, UpdateLinked);

    public void RetractAllLinked(IEnumerable<KeyValuePair<object, object>> keyedFacts) => Each(keyedFacts, RetractLinked);

    private static void Each(IEnumerable<KeyValuePair<object, object>> keyedFacts, Action<object, object> one)
    {
        ArgumentNullException.ThrowIfNull(keyedFacts);
        foreach (var (key, fact) in keyedFacts)
        {
            one(key, fact);
        }
    }

    public object Resolve(Type serviceType) => session.DependencyResolver.Resolve(new ResolutionContextImpl(session, _activation.Rule), serviceType);

    private sealed class ResolutionContextImpl(ISession session, IRuleDefinition rule) : IResolutionContext
    {
        public ISession Session { get; } = session;

        public IRuleDefinition Rule { get; } = rule;
    }
}

internal sealed class SessionFactory(ReteNetwork network) : ISessionFactory
{
    private readonly EventAggregator _events = new(null);

    public IEventProvider Events => _events;

    public IDependencyResolver DependencyResolver { get; set; } = new DependencyResolver();

    public IActionInterceptor? ActionInterceptor { get; set; }

    public IReadOnlyList<IRuleDefinition> Rules { get; } = [.. network.Rules.Select(r => r.Definition)];

    internal ReteNetwork Network => network;

    internal int MaxFiringsPerFire { get; init; } = 1_000_000;

    public ISession CreateSession() => new Session(network, _events, DependencyResolver, ActionInterceptor) { MaxFiringsPerFire = MaxFiringsPerFire };

    public ISession CreateSession(Action<ISession> initializationAction)
    {
        ArgumentNullException.ThrowIfNull(initializationAction);
        var session = CreateSession();
        initializationAction(session);
        return session;
    }
}
