namespace Crm.Engine.Abstractions.Work;

/// <summary>A span of working time within one local day, e.g. 09:00–12:30.</summary>
/// <param name="Start">The local start time.</param>
/// <param name="End">The local end time, after <paramref name="Start"/>; <c>00:00</c> means midnight at the end of the day.</param>
public sealed record WorkingInterval(TimeOnly Start, TimeOnly End);

/// <summary>A business calendar of a tenant: working hours per weekday, holidays, and a time zone.</summary>
public sealed record BusinessCalendarDefinition
{
    /// <summary>The key of the calendar every tenant has (Monday to Friday 09:00–17:00 in the tenant's time zone until saved).</summary>
    public const string DefaultKey = "default";

    /// <summary>The calendar's key, e.g. <c>default</c> or <c>service-desk</c>.</summary>
    public required string Key { get; init; }

    /// <summary>An IANA time zone id; <see langword="null"/> uses the tenant's time zone.</summary>
    public string? TimeZone { get; init; }

    /// <summary>The working intervals of each weekday (a missing day is a day off). Several intervals a day are allowed.</summary>
    public required IReadOnlyDictionary<DayOfWeek, IReadOnlyList<WorkingInterval>> WorkingHours { get; init; }

    /// <summary>Dates (local to the calendar) with no working time.</summary>
    public IReadOnlyList<DateOnly> Holidays { get; init; } = [];
}

/// <summary>A loaded business calendar: business-time arithmetic in the calendar's local wall-clock time.</summary>
public interface IBusinessCalendar
{
    /// <summary>The definition.</summary>
    BusinessCalendarDefinition Definition { get; }

    /// <summary>The time zone the calendar works in.</summary>
    TimeZoneInfo TimeZone { get; }

    /// <summary>The instant when <paramref name="duration"/> of working time has passed after <paramref name="start"/>.</summary>
    /// <param name="start">The start instant.</param>
    /// <param name="duration">The working time to add (not negative).</param>
    /// <returns>The instant (UTC).</returns>
    DateTimeOffset AddBusinessTime(DateTimeOffset start, TimeSpan duration);

    /// <summary>
    /// The instant <paramref name="days"/> working days after <paramref name="start"/>: the start is first moved to the
    /// next working time, then forward by that many working dates at the same local time of day.
    /// </summary>
    /// <param name="start">The start instant.</param>
    /// <param name="days">The number of working days (not negative).</param>
    /// <returns>The instant (UTC).</returns>
    DateTimeOffset AddBusinessDays(DateTimeOffset start, int days);

    /// <summary>The working time between two instants (zero when <paramref name="later"/> is not after <paramref name="earlier"/>).</summary>
    /// <param name="earlier">The earlier instant.</param>
    /// <param name="later">The later instant.</param>
    /// <returns>The working time elapsed.</returns>
    TimeSpan BusinessTimeBetween(DateTimeOffset earlier, DateTimeOffset later);

    /// <summary>Whether an instant is within working time.</summary>
    /// <param name="instant">The instant.</param>
    /// <returns><see langword="true"/> when it is.</returns>
    bool IsWorkingTime(DateTimeOffset instant);
}

/// <summary>Stores a tenant's business calendars and loads them for arithmetic.</summary>
public interface IBusinessCalendarService
{
    /// <summary>Creates or replaces a calendar. A calendar without any working interval is refused.</summary>
    /// <param name="calendar">The definition.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when saved.</returns>
    Task SaveAsync(BusinessCalendarDefinition calendar, CancellationToken cancellationToken = default);

    /// <summary>Loads a calendar; the <see cref="BusinessCalendarDefinition.DefaultKey"/> calendar always exists.</summary>
    /// <param name="key">The calendar's key.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The calendar.</returns>
    /// <exception cref="Errors.CrmNotFoundException">No calendar has that key.</exception>
    Task<IBusinessCalendar> GetAsync(string key = BusinessCalendarDefinition.DefaultKey, CancellationToken cancellationToken = default);

    /// <summary>
    /// Makes a unit (and the units below it that have no calendar of their own) work by a calendar, e.g. a regional
    /// office with its own hours and holidays.
    /// </summary>
    /// <param name="unitId">The organisation unit.</param>
    /// <param name="key">The calendar's key, or <see langword="null"/> to let the unit inherit from its parent again.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when saved.</returns>
    /// <exception cref="Errors.CrmValidationException">The unit or the calendar does not exist.</exception>
    Task AssignToUnitAsync(Guid unitId, string? key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Loads the calendar a unit works by: its own, else the nearest ancestor's, else the tenant's default calendar.
    /// </summary>
    /// <param name="unitId">The organisation unit.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The calendar.</returns>
    /// <exception cref="Errors.CrmValidationException">The unit does not exist.</exception>
    Task<IBusinessCalendar> GetForUnitAsync(Guid unitId, CancellationToken cancellationToken = default);
}
