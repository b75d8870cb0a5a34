using Crm.Engine.Abstractions.Work;

namespace Crm.Engine.RulePacks.Expressions;

/// <summary>
/// What compiled conditions may know beyond their facts, for one evaluation: the tenant's business calendars (loaded
/// asynchronously before the evaluation, then immutable) and the record changes that triggered it. The compiled rule
/// base is shared by every evaluation; this context is not baked into it but made current around each synchronous call
/// into the session (insert, fire, explain), so the matcher stays free of clocks and I/O and a calendar saved after the
/// rule base was compiled is seen by the next evaluation.
/// </summary>
internal sealed class EvaluationContext
{
    [ThreadStatic]
    private static EvaluationContext? t_current;

    private readonly IReadOnlyDictionary<string, IBusinessCalendar> _calendars;
    private readonly IReadOnlyDictionary<string, string> _unavailable;
    private readonly Dictionary<Guid, RecordChange> _changes = [];

    /// <summary>Creates a context.</summary>
    /// <param name="calendars">The loaded calendars by key.</param>
    /// <param name="unavailable">Calendar keys that could not be loaded → why (used only if a rule reads them).</param>
    public EvaluationContext(IReadOnlyDictionary<string, IBusinessCalendar> calendars, IReadOnlyDictionary<string, string>? unavailable = null)
    {
        _calendars = calendars;
        _unavailable = unavailable ?? new Dictionary<string, string>(StringComparer.Ordinal);
    }

    /// <summary>The context of the evaluation running on this thread (an empty one outside any evaluation).</summary>
    public static EvaluationContext Current => t_current ?? new EvaluationContext(new Dictionary<string, IBusinessCalendar>(StringComparer.Ordinal));

    /// <summary>The keys of the calendars that could not be loaded.</summary>
    public IReadOnlyCollection<string> UnavailableCalendars => [.. _unavailable.Keys];

    /// <summary>The changes registered so far, by record id.</summary>
    public IReadOnlyDictionary<Guid, RecordChange> Changes => _changes;

    /// <summary>Makes this context current on this thread until the returned scope is disposed.</summary>
    /// <returns>The scope.</returns>
    public Scope Enter()
    {
        var previous = t_current;
        t_current = this;
        return new Scope(previous);
    }

    /// <summary>Registers the change that brought a record into the evaluation (before the record is inserted).</summary>
    /// <param name="change">The change.</param>
    public void Register(RecordChange change) => _changes[change.Record.Id] = change;

    /// <summary>A calendar by key.</summary>
    /// <param name="key">The calendar's key.</param>
    /// <returns>The calendar.</returns>
    /// <exception cref="RuleRuntimeException">It was not loaded for this evaluation.</exception>
    public IBusinessCalendar Calendar(string key) =>
        _calendars.TryGetValue(key, out var calendar)
            ? calendar
            : throw new RuleRuntimeException(_unavailable.TryGetValue(key, out var why) ? why : $"the business calendar '{key}' is not available to this evaluation");

    /// <summary>Restores the previous context.</summary>
    public readonly struct Scope(EvaluationContext? previous) : IDisposable
    {
        /// <summary>Restores the previous context.</summary>
        public void Dispose() => t_current = previous;
    }
}

/// <summary>A value a compiled expression needs cannot be computed (e.g. a calendar is missing); the condition counts as not matching.</summary>
internal sealed class RuleRuntimeException : Exception
{
    public RuleRuntimeException()
    {
    }

    public RuleRuntimeException(string message)
        : base(message)
    {
    }

    public RuleRuntimeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
