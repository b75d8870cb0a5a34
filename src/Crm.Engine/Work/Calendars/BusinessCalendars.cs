using Crm.Engine.Abstractions.Work;

namespace Crm.Engine.Work.Calendars;

/// <summary>
/// The engine's business-time arithmetic over a calendar definition, without a tenant or a store: for tools that
/// evaluate rules on sample data (the rule packs' dry run) and must compute exactly as the engine does.
/// </summary>
public static class BusinessCalendars
{
    /// <summary>A calendar over a definition.</summary>
    /// <param name="definition">Working hours and holidays.</param>
    /// <param name="timeZone">The zone the working hours are wall-clock times of.</param>
    /// <returns>The calendar.</returns>
    /// <exception cref="Abstractions.Errors.CrmValidationException">The definition is invalid (no working hours, reversed or overlapping intervals).</exception>
    public static IBusinessCalendar Create(BusinessCalendarDefinition definition, TimeZoneInfo timeZone) => new BusinessCalendar(definition, timeZone);

    /// <summary>The calendar every tenant has until it saves one: Monday to Friday 09:00–17:00, under the given key.</summary>
    /// <param name="key">The calendar key.</param>
    /// <returns>The definition.</returns>
    public static BusinessCalendarDefinition Default(string key) => BusinessCalendarService.DefaultCalendar with { Key = key };
}
