using Crm.Engine.Rules.Diagnostics;
using Crm.Engine.Rules.Extensibility;
using Crm.Engine.Rules.RuleModel;

namespace Crm.Engine.Rules;

/// <summary>A rule match waiting in (or taken from) the agenda.</summary>
public sealed class Activation : IMatch
{
    private const byte Queued = 1;
    private const byte Fired = 2;
    private const byte Deleted = 4;

    // The match is the token _head extended by _last, or _head alone when _last is null. A join that feeds a terminal
    // directly creates its activation from the left token and the right fact, so the full token is made only when
    // something asks for it (diagnostics, predicates, change keys): the usual firing reads its facts through FactAt.
    // An activation lives as long as its match, so every field here is kept per match: the rarely used parts share
    // one object made on first use.
    private Rete.Token _head;
    private Rete.Fact? _last;
    private Extra? _extra;
    private byte _flags;
    private byte _trigger = (byte)ActionTrigger.Activated;
    private byte _match = (byte)MatchTrigger.Created;

    internal Activation(Rete.CompiledBranch branch, Rete.Token token)
        : this(branch, token, null)
    {
    }

    internal Activation(Rete.CompiledBranch branch, Rete.Token head, Rete.Fact? last)
    {
        Branch = branch;
        _head = head;
        _last = last;
    }

    /// <inheritdoc />
    public IRuleDefinition Rule => Branch.Rule.Definition;

    // The matches are built from Branch and Token on first use (each reads its fact's current value, so when they
    // are built does not matter).
    /// <inheritdoc />
    public IReadOnlyList<IFactMatch> Facts => (_extra ??= new()).Facts ??= Rete.Session.Matches(Branch, Token);

    /// <inheritdoc />
    /// <remarks>
    /// Set before the agenda events are raised, as in NRules: a new match is <c>Created</c>; an update makes a match
    /// that has fired <c>Updated</c> (one that has not stays <c>Created</c>); a removal makes it <c>Removed</c> (or
    /// <c>None</c> if it never fired).
    /// </remarks>
    public MatchTrigger Trigger
    {
        get => (MatchTrigger)_match;
        internal set => _match = (byte)value;
    }

    /// <summary>Which of the rule's actions the firing runs: those for a new, an updated or a removed match.</summary>
    internal ActionTrigger ActionTrigger
    {
        get => (ActionTrigger)_trigger;
        set => _trigger = (byte)value;
    }

    /// <summary>The value bound to a declaration name, or <see langword="null"/>.</summary>
    /// <param name="name">Declaration name.</param>
    /// <returns>The value.</returns>
    public object? Get(string name) => Facts.FirstOrDefault(f => f.Declaration.Name == name)?.Value;

    internal Rete.CompiledBranch Branch { get; }

    /// <summary>The whole match as a token (made on first use when the activation was created from a token and a fact).</summary>
    internal Rete.Token Token
    {
        get
        {
            if (_last is not null)
            {
                _head = _head.Extend(_last);
                _last = null;
            }

            return _head;
        }
    }

    /// <summary>The fact bound at a declaration slot, without making the whole token.</summary>
    internal Rete.Fact? FactAt(int slot) => _last is not null && slot >= _head.Length ? _last : _head.FactAt(slot);

    /// <summary>The rule's priority (the agenda compares it on every move; kept on the branch, not on every activation).</summary>
    internal int Priority => Branch.Priority;

    internal int QueueIndex { get; set; } = -1;

    internal bool IsQueued
    {
        get => (_flags & Queued) != 0;
        set => _flags = value ? (byte)(_flags | Queued) : (byte)(_flags & ~Queued);
    }

    internal bool HasFired
    {
        get => (_flags & Fired) != 0;
        set => _flags = value ? (byte)(_flags | Fired) : (byte)(_flags & ~Fired);
    }

    internal bool IsDeleted
    {
        get => (_flags & Deleted) != 0;
        set => _flags = value ? (byte)(_flags | Deleted) : (byte)(_flags & ~Deleted);
    }

    internal object?[]? FiredKeys
    {
        get => _extra?.FiredKeys;
        set
        {
            if (value is not null || _extra is not null)
            {
                (_extra ??= new()).FiredKeys = value;
            }
        }
    }

    // Created on first use: most activations never link a fact.
    internal Dictionary<object, object> Linked => (_extra ??= new()).Linked ??= [];

    internal bool HasLinked => _extra?.Linked is { Count: > 0 };

    /// <summary>The fact linked under a key, without creating the link map.</summary>
    internal object? LinkedOrNull(object key) => _extra?.Linked?.GetValueOrDefault(key);

    /// <summary>The linked keys, without creating the link map.</summary>
    internal IReadOnlyCollection<object> LinkedKeys => _extra?.Linked is { } linked ? [.. linked.Keys] : [];

    /// <inheritdoc />
    public override string ToString() => $"{Rule.Name}({string.Join(", ", Facts.Select(f => f.Value))})";

    /// <summary>What few activations need: their matches as a list, linked facts, the change keys they fired with.</summary>
    private sealed class Extra
    {
        public IReadOnlyList<IFactMatch>? Facts { get; set; }

        public Dictionary<object, object>? Linked { get; set; }

        public object?[]? FiredKeys { get; set; }
    }
}

/// <summary>Context given to agenda filters.</summary>
public sealed class AgendaContext
{
    internal AgendaContext(ISession session) => Session = session;

    /// <summary>The session.</summary>
    public ISession Session { get; }
}

/// <summary>Decides whether an activation may enter the agenda.</summary>
public interface IAgendaFilter
{
    /// <summary>Whether the activation is accepted.</summary>
    /// <param name="context">Agenda context.</param>
    /// <param name="activation">The activation.</param>
    /// <returns><see langword="true"/> to keep it.</returns>
    bool Accept(AgendaContext context, Activation activation);
}

/// <summary>The session's queue of activations waiting to fire.</summary>
public interface IAgenda
{
    /// <summary>Whether nothing waits.</summary>
    bool IsEmpty { get; }

    /// <summary>Number of waiting activations.</summary>
    int Count { get; }

    /// <summary>The activation that fires next.</summary>
    /// <returns>The activation; throws if empty.</returns>
    Activation Peek();

    /// <summary>Removes every waiting activation.</summary>
    void Clear();

    /// <summary>Adds a filter for all rules.</summary>
    /// <param name="filter">The filter.</param>
    void AddFilter(IAgendaFilter filter);

    /// <summary>Adds a filter for one rule.</summary>
    /// <param name="rule">The rule.</param>
    /// <param name="filter">The filter.</param>
    void AddFilter(IRuleDefinition rule, IAgendaFilter filter);
}

/// <summary>A working memory plus agenda over a compiled rule set. Not thread-safe.</summary>
public interface ISession
{
    /// <summary>The agenda.</summary>
    IAgenda Agenda { get; }

    /// <summary>Session events (factory events are raised too).</summary>
    IEventProvider Events { get; }

    /// <summary>Resolves rule dependencies.</summary>
    IDependencyResolver DependencyResolver { get; set; }

    /// <summary>Wraps rule actions, or <see langword="null"/>.</summary>
    IActionInterceptor? ActionInterceptor { get; set; }

    /// <summary>Most rules one <c>Fire</c> call may fire before it throws <see cref="RuleFiringLimitExceededException"/> (cycle protection).</summary>
    int MaxFiringsPerFire { get; set; }

    /// <summary>Opt-in recording of firings for <see cref="Explain"/> and <see cref="Firings"/>.</summary>
    bool TracingEnabled { get; set; }

    /// <summary>Firings recorded while <see cref="TracingEnabled"/> was on, in order.</summary>
    IReadOnlyList<FiringRecord> Firings { get; }

    /// <summary>Inserts a fact; throws if it is already present.</summary>
    /// <param name="fact">The fact.</param>
    void Insert(object fact);

    /// <summary>Inserts facts; throws (inserting none) if any is already present.</summary>
    /// <param name="facts">The facts.</param>
    void InsertAll(IEnumerable<object> facts);

    /// <summary>Inserts a fact unless present.</summary>
    /// <param name="fact">The fact.</param>
    /// <returns>Whether it was inserted.</returns>
    bool TryInsert(object fact);

    /// <summary>Updates a fact; throws if absent.</summary>
    /// <param name="fact">The fact.</param>
    void Update(object fact);

    /// <summary>Updates facts; throws (updating none) if any is absent.</summary>
    /// <param name="facts">The facts.</param>
    void UpdateAll(IEnumerable<object> facts);

    /// <summary>Updates a fact if present.</summary>
    /// <param name="fact">The fact.</param>
    /// <returns>Whether it was present.</returns>
    bool TryUpdate(object fact);

    /// <summary>Retracts a fact; throws if absent.</summary>
    /// <param name="fact">The fact.</param>
    void Retract(object fact);

    /// <summary>Retracts facts; throws (retracting none) if any is absent.</summary>
    /// <param name="facts">The facts.</param>
    void RetractAll(IEnumerable<object> facts);

    /// <summary>Retracts a fact if present.</summary>
    /// <param name="fact">The fact.</param>
    /// <returns>Whether it was present.</returns>
    bool TryRetract(object fact);

    /// <summary>Fires rules until the agenda is empty or a rule halts.</summary>
    /// <returns>Number of rules fired.</returns>
    int Fire();

    /// <summary>Fires at most <paramref name="maxRulesNumber"/> rules.</summary>
    /// <param name="maxRulesNumber">Limit.</param>
    /// <returns>Number of rules fired.</returns>
    int Fire(int maxRulesNumber);

    /// <summary>Fires rules until the agenda is empty, a rule halts or the token is cancelled.</summary>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Number of rules fired.</returns>
    int Fire(CancellationToken cancellationToken);

    /// <summary>Fires at most <paramref name="maxRulesNumber"/> rules.</summary>
    /// <param name="maxRulesNumber">Limit.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Number of rules fired.</returns>
    int Fire(int maxRulesNumber, CancellationToken cancellationToken);

    /// <summary>Facts of a type in working memory (including linked facts).</summary>
    /// <typeparam name="TFact">Fact type (base types and interfaces match).</typeparam>
    /// <returns>A queryable snapshot.</returns>
    IQueryable<TFact> Query<TFact>();

    /// <summary>Explains a rule against the current working memory: its recorded firings and, if it does not match, which condition failed for which fact.</summary>
    /// <param name="ruleName">Rule name.</param>
    /// <returns>The explanation.</returns>
    RuleExplanation Explain(string ruleName);
}

/// <summary>A compiled rule set; thread-safe, creates cheap sessions.</summary>
public interface ISessionFactory
{
    /// <summary>Events raised by every session of this factory.</summary>
    IEventProvider Events { get; }

    /// <summary>Default dependency resolver of new sessions.</summary>
    IDependencyResolver DependencyResolver { get; set; }

    /// <summary>Default action interceptor of new sessions.</summary>
    IActionInterceptor? ActionInterceptor { get; set; }

    /// <summary>The compiled rules' definitions (metadata and model).</summary>
    IReadOnlyList<IRuleDefinition> Rules { get; }

    /// <summary>Creates a session.</summary>
    /// <returns>The session.</returns>
    ISession CreateSession();

    /// <summary>Creates a session and runs <paramref name="initializationAction"/> on it.</summary>
    /// <param name="initializationAction">Setup (filters, facts...).</param>
    /// <returns>The session.</returns>
    ISession CreateSession(Action<ISession> initializationAction);
}
