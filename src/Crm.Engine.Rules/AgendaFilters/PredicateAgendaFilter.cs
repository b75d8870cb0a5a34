namespace Crm.Engine.Rules.AgendaFilters;

/// <summary>
/// An agenda filter from a predicate. It also gives the namespace that NRules code imports for its agenda filters
/// (<c>using NRules.AgendaFilters;</c> becomes <c>using Crm.Engine.Rules.AgendaFilters;</c>); the filter interface
/// itself is <see cref="IAgendaFilter"/> in <c>Crm.Engine.Rules</c>.
/// </summary>
/// <param name="predicate">Returns <see langword="true"/> to keep the activation.</param>
public sealed class PredicateAgendaFilter(Func<Activation, bool> predicate) : IAgendaFilter
{
    private readonly Func<Activation, bool> _predicate = predicate ?? throw new ArgumentNullException(nameof(predicate));

    /// <inheritdoc />
    public bool Accept(AgendaContext context, Activation activation) => _predicate(activation);
}
