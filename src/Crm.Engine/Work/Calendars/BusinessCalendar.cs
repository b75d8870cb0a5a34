using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Work;

namespace Crm.Engine.Work.Calendars;

/// <summary>
/// Business-time arithmetic. Working intervals are wall-clock times of the calendar's zone; each is converted to UTC
/// for its own date, so a DST change between two days (or inside an interval) is counted in real elapsed time.
/// A wall-clock time that does not exist (spring-forward gap) maps to the instant the clocks jump to; an ambiguous one
/// (fall-back) to its first occurrence.
/// </summary>
internal sealed class BusinessCalendar : IBusinessCalendar
{
    // A calendar whose holidays cover ten years straight has no usable working time: stop instead of looping on.
    private const int MaxDaysWithoutWork = 3660;

    private readonly HashSet<DateOnly> _holidays;

    public BusinessCalendar(BusinessCalendarDefinition definition, TimeZoneInfo timeZone)
    {
        Definition = definition;
        TimeZone = timeZone;
        _holidays = [.. definition.Holidays];
        Validate(definition);
    }

    public BusinessCalendarDefinition Definition { get; }

    public TimeZoneInfo TimeZone { get; }

    public static void Validate(BusinessCalendarDefinition definition)
    {
        var errors = new List<CrmValidationError>();
        foreach (var (day, intervals) in definition.WorkingHours)
        {
            foreach (var interval in intervals)
            {
                if (interval.End != TimeOnly.MinValue && interval.End <= interval.Start)
                {
                    errors.Add(new CrmValidationError("calendar", "workingHours", $"{day} {interval.Start:HH\\:mm}-{interval.End:HH\\:mm}", "range",
                        $"calendar '{definition.Key}': the interval {interval.Start:HH\\:mm}-{interval.End:HH\\:mm} on {day} ends before it starts (use 00:00 as the end for midnight)."));
                }
            }

            var ordered = intervals.OrderBy(i => i.Start).ToList();
            for (var i = 1; i < ordered.Count; i++)
            {
                if (ordered[i - 1].End == TimeOnly.MinValue || ordered[i].Start < ordered[i - 1].End)
                {
                    errors.Add(new CrmValidationError("calendar", "workingHours", day.ToString(), "overlap", $"calendar '{definition.Key}': the intervals of {day} overlap."));
                }
            }
        }

        if (!definition.WorkingHours.Values.Any(list => list.Count > 0))
        {
            errors.Add(new CrmValidationError("calendar", "workingHours", null, "no_working_hours",
                $"calendar '{definition.Key}' has no working hours: give at least one weekday a working interval, e.g. Monday 09:00-17:00."));
        }

        if (errors.Count > 0)
        {
            throw new CrmValidationException(errors);
        }
    }

    public DateTimeOffset AddBusinessTime(DateTimeOffset start, TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        if (duration == TimeSpan.Zero)
        {
            return start.ToUniversalTime();
        }

        var remaining = duration;
        foreach (var (from, to) in SpansFrom(start))
        {
            var length = to - from;
            if (remaining <= length)
            {
                return from + remaining;
            }

            remaining -= length;
        }

        throw new InvalidOperationException("unreachable: SpansFrom never ends");
    }

    public DateTimeOffset AddBusinessDays(DateTimeOffset start, int days)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(days);
        var first = SpansFrom(start).First().Start;
        var local = TimeZoneInfo.ConvertTime(first, TimeZone).DateTime;
        var date = DateOnly.FromDateTime(local);
        var time = TimeOnly.FromDateTime(local);
        var idle = 0;
        for (var counted = 0; counted < days;)
        {
            date = date.AddDays(1);
            if (SpansOn(date).Count > 0)
            {
                counted++;
                idle = 0;
            }
            else if (++idle > MaxDaysWithoutWork)
            {
                throw NoWorkingTime();
            }
        }

        return ToUtc(date, time);
    }

    public TimeSpan BusinessTimeBetween(DateTimeOffset earlier, DateTimeOffset later)
    {
        if (later <= earlier)
        {
            return TimeSpan.Zero;
        }

        var total = TimeSpan.Zero;
        foreach (var (from, to) in SpansFrom(earlier))
        {
            if (from >= later)
            {
                break;
            }

            total += (to < later ? to : later) - from;
        }

        return total;
    }

    public bool IsWorkingTime(DateTimeOffset instant)
    {
        foreach (var (from, to) in SpansOn(DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, TimeZone).DateTime)))
        {
            if (instant >= from && instant < to)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The working spans (UTC) from an instant on, the first one clipped to start at the instant.</summary>
    private IEnumerable<(DateTimeOffset Start, DateTimeOffset End)> SpansFrom(DateTimeOffset instant)
    {
        instant = instant.ToUniversalTime();
        var date = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, TimeZone).DateTime);
        var idle = 0;
        for (; ; date = date.AddDays(1))
        {
            var spans = SpansOn(date);
            var any = false;
            foreach (var (from, to) in spans)
            {
                if (to > instant)
                {
                    any = true;
                    yield return (from > instant ? from : instant, to);
                }
            }

            if (any)
            {
                idle = 0;
            }
            else if (++idle > MaxDaysWithoutWork)
            {
                throw NoWorkingTime();
            }
        }
    }

    private List<(DateTimeOffset Start, DateTimeOffset End)> SpansOn(DateOnly date)
    {
        var result = new List<(DateTimeOffset, DateTimeOffset)>();
        if (_holidays.Contains(date) || !Definition.WorkingHours.TryGetValue(date.DayOfWeek, out var intervals))
        {
            return result;
        }

        foreach (var interval in intervals.OrderBy(i => i.Start))
        {
            var from = ToUtc(date, interval.Start);
            var to = interval.End == TimeOnly.MinValue ? ToUtc(date.AddDays(1), TimeOnly.MinValue) : ToUtc(date, interval.End);
            if (to > from)
            {
                result.Add((from, to));
            }
        }

        return result;
    }

    private DateTimeOffset ToUtc(DateOnly date, TimeOnly time)
    {
        var local = date.ToDateTime(time, DateTimeKind.Unspecified);
        TimeSpan offset;
        if (TimeZone.IsInvalidTime(local))
        {
            // In the spring-forward gap: use the offset in force before the gap, which lands after the jump.
            offset = TimeZone.GetUtcOffset(local.AddHours(-12));
        }
        else if (TimeZone.IsAmbiguousTime(local))
        {
            offset = TimeZone.GetAmbiguousTimeOffsets(local).Max();
        }
        else
        {
            offset = TimeZone.GetUtcOffset(local);
        }

        return new DateTimeOffset(local - offset, TimeSpan.Zero);
    }

    private CrmValidationException NoWorkingTime() => new(new CrmValidationError("calendar", "holidays", Definition.Key, "no_working_hours",
        $"calendar '{Definition.Key}' has no working time in {MaxDaysWithoutWork} consecutive days: check its working hours and holidays."));
}
