namespace Crm.Engine.Rules.RuleModel;

// The action context and the match live in the rule model's namespace, as in NRules (NRules.RuleModel), so a rule
// file that names IContext in a helper compiles after its using lines are changed.

/// <summary>A fact as events and matches show it: its type and value (NRules: <c>IFact</c>; its <c>Source</c> is not provided).</summary>
public interface IFact
{
    /// <summary>The fact's type: the declared type in a match, the runtime type in an event.</summary>
    Type Type { get; }

    /// <summary>The fact (in a match, <see langword="null"/> when an or-branch did not bind it).</summary>
    object? Value { get; }
}

/// <summary>A value bound to a declaration in a match.</summary>
public interface IFactMatch : IFact
{
    /// <summary>The declaration.</summary>
    Declaration Declaration { get; }
}

/// <summary>A fact of an event: its runtime type and value.</summary>
internal sealed class FactInfo(object? value) : IFact
{
    public Type Type => Value?.GetType() ?? typeof(object);

    public object? Value { get; } = value;

    public override string ToString() => Value?.ToString() ?? "null";
}

/// <summary>A rule together with the facts it matched.</summary>
public interface IMatch
{
    /// <summary>The rule.</summary>
    IRuleDefinition Rule { get; }

    /// <summary>The matched values, in declaration order.</summary>
    IReadOnlyList<IFactMatch> Facts { get; }

    /// <summary>What happened to the match that makes it fire: created, updated or removed (NRules' <c>MatchTrigger</c>).</summary>
    MatchTrigger Trigger { get; }
}

/// <summary>What rule actions can do to the session that fires them.</summary>
public interface IContext
{
    /// <summary>The firing rule.</summary>
    IRuleDefinition Rule { get; }

    /// <summary>The firing match.</summary>
    IMatch Match { get; }

    /// <summary>The matched values (same as <c>Match.Facts</c>).</summary>
    IReadOnlyList<IFactMatch> Facts { get; }

    /// <summary>Cancellation token of the current <c>Fire</c> call.</summary>
    CancellationToken CancellationToken { get; }

    /// <summary>Stops <c>Fire</c> after the current rule.</summary>
    void Halt();

    /// <summary>Inserts a fact; throws if it is already in working memory.</summary>
    /// <param name="fact">The fact.</param>
    void Insert(object fact);

    /// <summary>Inserts facts; throws (inserting none) if any is already present.</summary>
    /// <param name="facts">The facts.</param>
    void InsertAll(IEnumerable<object> facts);

    /// <summary>Inserts a fact unless it is already present.</summary>
    /// <param name="fact">The fact.</param>
    /// <returns>Whether it was inserted.</returns>
    bool TryInsert(object fact);

    /// <summary>Tells the engine a fact changed; throws if it is not in working memory.</summary>
    /// <param name="fact">The fact (or an equal replacement).</param>
    void Update(object fact);

    /// <summary>Changes a fact with <paramref name="updateAction"/> then updates it.</summary>
    /// <typeparam name="TFact">Fact type.</typeparam>
    /// <param name="fact">The fact.</param>
    /// <param name="updateAction">The change.</param>
    void Update<TFact>(TFact fact, Action<TFact> updateAction)
        where TFact : notnull;

    /// <summary>Updates facts.</summary>
    /// <param name="facts">The facts.</param>
    void UpdateAll(IEnumerable<object> facts);

    /// <summary>Updates a fact if present.</summary>
    /// <param name="fact">The fact.</param>
    /// <returns>Whether it was present.</returns>
    bool TryUpdate(object fact);

    /// <summary>Removes a fact; throws if it is not present.</summary>
    /// <param name="fact">The fact.</param>
    void Retract(object fact);

    /// <summary>Removes facts.</summary>
    /// <param name="facts">The facts.</param>
    void RetractAll(IEnumerable<object> facts);

    /// <summary>Removes a fact if present.</summary>
    /// <param name="fact">The fact.</param>
    /// <returns>Whether it was present.</returns>
    bool TryRetract(object fact);

    /// <summary>Keys of the facts linked to the current activation.</summary>
    /// <returns>The keys.</returns>
    IReadOnlyCollection<object> GetLinkedKeys();

    /// <summary>The fact linked under <paramref name="key"/>, if any.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The fact or <see langword="null"/>.</returns>
    object? GetLinked(object key);

    /// <summary>Inserts a fact linked to the current activation: it is retracted when the activation goes away.</summary>
    /// <param name="key">Key unique within the activation.</param>
    /// <param name="fact">The fact.</param>
    void InsertLinked(object key, object fact);

    /// <summary>Updates a linked fact.</summary>
    /// <param name="key">Its key.</param>
    /// <param name="fact">The fact (or an equal replacement).</param>
    void UpdateLinked(object key, object fact);

    /// <summary>Retracts a linked fact.</summary>
    /// <param name="key">Its key.</param>
    /// <param name="fact">The fact.</param>
    void RetractLinked(object key, object fact);

    /// <summary>Inserts facts linked to the current activation, each under its key (see <see cref="InsertLinked"/>).</summary>
    /// <param name="keyedFacts">Keys and facts.</param>
    void InsertAllLinked(IEnumerable<KeyValuePair<object, object>> keyedFacts);

    /// <summary>Updates linked facts, each under its key (see <see cref="UpdateLinked"/>).</summary>
    /// <param name="keyedFacts">Keys and facts.</param>
    void UpdateAllLinked(IEnumerable<KeyValuePair<object, object>> keyedFacts);

    /// <summary>Retracts linked facts, each under its key (see <see cref="RetractLinked"/>).</summary>
    /// <param name="keyedFacts">Keys and facts.</param>
    void RetractAllLinked(IEnumerable<KeyValuePair<object, object>> keyedFacts);

    /// <summary>Resolves a service through the session's dependency resolver.</summary>
    /// <param name="serviceType">Service type.</param>
    /// <returns>The service.</returns>
    object Resolve(Type serviceType);
}

/// <summary>What happened to a match that makes it fire (NRules: <c>MatchTrigger</c>).</summary>
[Flags]
public enum MatchTrigger
{
    /// <summary>Nothing (not firing).</summary>
    None = 0,

    /// <summary>The match is new.</summary>
    Created = 1,

    /// <summary>A fact of a match that already fired was updated.</summary>
    Updated = 2,

    /// <summary>A match that fired no longer holds.</summary>
    Removed = 4,
}

/// <summary>A lookup that also lists its keys: what <c>Collect().ToLookup(...)</c> gives (NRules: <c>IKeyedLookup</c>).</summary>
/// <typeparam name="TKey">Key type.</typeparam>
/// <typeparam name="TElement">Element type.</typeparam>
public interface IKeyedLookup<TKey, TElement> : ILookup<TKey, TElement>
{
    /// <summary>The keys, in the order their first element came.</summary>
    IEnumerable<TKey> Keys { get; }
}

