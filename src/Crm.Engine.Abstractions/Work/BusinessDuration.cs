using System.Globalization;

namespace Crm.Engine.Abstractions.Work;

/// <summary>
/// An amount of business time in the unit a rule author wrote it: whole business days (<c>days(2)</c>, <c>weeks(1)</c>)
/// or working time (<c>hours(48)</c>, <c>minutes(90)</c>). The value of a
/// <see cref="Rules.RuleParameterType.BusinessDuration"/> parameter; <see cref="AddTo"/> applies it on a business calendar.
/// </summary>
public readonly record struct BusinessDuration
{
    private BusinessDuration(int? businessDays, TimeSpan workingTime)
    {
        BusinessDays = businessDays;
        WorkingTime = workingTime;
    }

    /// <summary>The number of business days, or <see langword="null"/> when the duration is working time.</summary>
    public int? BusinessDays { get; }

    /// <summary>The working time (zero when the duration is a number of business days).</summary>
    public TimeSpan WorkingTime { get; }

    /// <summary>A number of business days: the same local time of day that many working dates later.</summary>
    /// <param name="days">The number of business days (not negative).</param>
    /// <returns>The duration.</returns>
    public static BusinessDuration FromBusinessDays(int days)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(days);
        return new(days, TimeSpan.Zero);
    }

    /// <summary>An amount of working time: only the calendar's working hours count.</summary>
    /// <param name="workingTime">The working time.</param>
    /// <returns>The duration.</returns>
    public static BusinessDuration FromWorkingTime(TimeSpan workingTime) => new(null, workingTime);

    /// <summary>The instant this duration after <paramref name="start"/> on <paramref name="calendar"/>.</summary>
    /// <param name="calendar">The business calendar.</param>
    /// <param name="start">The start instant.</param>
    /// <returns>The instant (UTC).</returns>
    public DateTimeOffset AddTo(IBusinessCalendar calendar, DateTimeOffset start)
    {
        ArgumentNullException.ThrowIfNull(calendar);
        return BusinessDays is { } days ? calendar.AddBusinessDays(start, days) : calendar.AddBusinessTime(start, WorkingTime);
    }

    /// <inheritdoc />
    public override string ToString() => BusinessDays is { } days
        ? string.Create(CultureInfo.InvariantCulture, $"{days} business day(s)")
        : string.Create(CultureInfo.InvariantCulture, $"{WorkingTime.TotalHours} working hour(s)");
}
