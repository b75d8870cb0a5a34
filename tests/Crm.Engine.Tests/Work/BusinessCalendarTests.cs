using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Tenancy;
using Crm.Engine.Abstractions.Work;
using Crm.Engine.Testing;
using Crm.Engine.Work.Calendars;

namespace Crm.Engine.Tests.Work;

public sealed class BusinessCalendarTests
{
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    private static readonly IReadOnlyList<WorkingInterval> NineToFive = [new(new TimeOnly(9, 0), new TimeOnly(17, 0))];

    // Mon-Fri 09:00-17:00 Berlin, Good Friday 2026 (3 April) a holiday.
    private static BusinessCalendar Office() => new(new BusinessCalendarDefinition
    {
        Key = "office",
        TimeZone = "Europe/Berlin",
        WorkingHours = Enumerable.Range(1, 5).ToDictionary(d => (DayOfWeek)d, _ => NineToFive),
        Holidays = [new DateOnly(2026, 4, 3)],
    }, Berlin);

    private static DateTimeOffset Utc(int y, int mo, int d, int h, int mi = 0) => new(y, mo, d, h, mi, 0, TimeSpan.Zero);

    [Fact]
    public void AddBusinessTime_WithinOneDay_AddsWallClockHours()
    {
        // Wed 25 March 10:00 CET = 09:00Z; +8h -> Thu 10:00 CET = 09:00Z.
        Assert.Equal(Utc(2026, 3, 26, 9), Office().AddBusinessTime(Utc(2026, 3, 25, 9), TimeSpan.FromHours(8)));
    }

    [Fact]
    public void AddBusinessTime_OverWeekendWithSpringDstChange_LandsOnLocalWallClock()
    {
        // Fri 27 March 15:00 CET (14:00Z) + 4h: 2h on Friday, 2h on Monday 30 March (CEST) -> 11:00 CEST = 09:00Z.
        Assert.Equal(Utc(2026, 3, 30, 9), Office().AddBusinessTime(Utc(2026, 3, 27, 14), TimeSpan.FromHours(4)));
    }

    [Fact]
    public void AddBusinessTime_OverWeekendWithAutumnDstChange_LandsOnLocalWallClock()
    {
        // Fri 23 October 16:00 CEST (14:00Z) + 2h: 1h Friday, 1h Monday 26 October 09:00-10:00 CET -> 10:00 CET = 09:00Z.
        Assert.Equal(Utc(2026, 10, 26, 9), Office().AddBusinessTime(Utc(2026, 10, 23, 14), TimeSpan.FromHours(2)));
    }

    [Fact]
    public void AddBusinessTime_FortyEightHours_SkipsWeekendAndHoliday()
    {
        // Mon 30 March 09:00 CEST (07:00Z): Mon, Tue, Wed, Thu = 32h; Fri 3 April holiday; Mon 6 = 40h; Tue 7 April 17:00 CEST = 48h = 15:00Z.
        Assert.Equal(Utc(2026, 4, 7, 15), Office().AddBusinessTime(Utc(2026, 3, 30, 7), TimeSpan.FromHours(48)));
    }

    [Fact]
    public void AddBusinessTime_StartOnSaturday_StartsMondayMorning()
    {
        // Sat 28 March 12:00 CET + 1h -> Mon 30 March 10:00 CEST = 08:00Z.
        Assert.Equal(Utc(2026, 3, 30, 8), Office().AddBusinessTime(Utc(2026, 3, 28, 11), TimeSpan.FromHours(1)));
    }

    [Fact]
    public void AddBusinessTime_EndingExactlyAtClosing_ReturnsClosingTime()
    {
        // Mon 5 January 09:00 CET (08:00Z) + 8h -> 17:00 CET = 16:00Z, not next morning.
        Assert.Equal(Utc(2026, 1, 5, 16), Office().AddBusinessTime(Utc(2026, 1, 5, 8), TimeSpan.FromHours(8)));
    }

    [Fact]
    public void AddBusinessTime_SeveralIntervalsADay_SkipsLunch()
    {
        var calendar = new BusinessCalendar(new BusinessCalendarDefinition
        {
            Key = "split",
            WorkingHours = new Dictionary<DayOfWeek, IReadOnlyList<WorkingInterval>>
            {
                [DayOfWeek.Monday] = [new(new TimeOnly(9, 0), new TimeOnly(12, 0)), new(new TimeOnly(13, 0), new TimeOnly(17, 0))],
            },
        }, TimeZoneInfo.Utc);

        // Mon 5 January 11:00 UTC + 2h: 11-12, then 13-14.
        Assert.Equal(Utc(2026, 1, 5, 14), calendar.AddBusinessTime(Utc(2026, 1, 5, 11), TimeSpan.FromHours(2)));
        // 7 hours on Monday; +8h from Monday 09:00 -> next Monday 10:00.
        Assert.Equal(Utc(2026, 1, 12, 10), calendar.AddBusinessTime(Utc(2026, 1, 5, 9), TimeSpan.FromHours(8)));
    }

    [Fact]
    public void BusinessTimeBetween_AcrossWeekendAndDst_CountsOnlyWorkingTime()
    {
        // Fri 27 March 15:00 CET -> Mon 30 March 11:00 CEST: 2h + 2h.
        Assert.Equal(TimeSpan.FromHours(4), Office().BusinessTimeBetween(Utc(2026, 3, 27, 14), Utc(2026, 3, 30, 9)));
        Assert.Equal(TimeSpan.Zero, Office().BusinessTimeBetween(Utc(2026, 3, 30, 9), Utc(2026, 3, 27, 14)));
        // The whole holiday week: Mon-Thu 8h each, Friday off.
        Assert.Equal(TimeSpan.FromHours(32), Office().BusinessTimeBetween(Utc(2026, 3, 30, 0), Utc(2026, 4, 5, 0)));
    }

    [Fact]
    public void BusinessTimeBetween_NightShiftOverTheSpringGap_CountsRealElapsedTime()
    {
        var calendar = new BusinessCalendar(new BusinessCalendarDefinition
        {
            Key = "night",
            WorkingHours = new Dictionary<DayOfWeek, IReadOnlyList<WorkingInterval>> { [DayOfWeek.Sunday] = [new(new TimeOnly(0, 0), new TimeOnly(6, 0))] },
        }, Berlin);

        // Sunday 29 March 2026: clocks jump from 02:00 to 03:00, so 00:00-06:00 lasts 5 real hours; 25 October: 7.
        Assert.Equal(TimeSpan.FromHours(5), calendar.BusinessTimeBetween(Utc(2026, 3, 28, 12), Utc(2026, 3, 29, 12)));
        Assert.Equal(TimeSpan.FromHours(7), calendar.BusinessTimeBetween(Utc(2026, 10, 24, 12), Utc(2026, 10, 25, 12)));
    }

    [Fact]
    public void AddBusinessDays_SkipsWeekendAndHoliday_KeepsLocalTimeOfDay()
    {
        // Fri 27 March 15:00 CET + 1 day -> Mon 30 March 15:00 CEST = 13:00Z.
        Assert.Equal(Utc(2026, 3, 30, 13), Office().AddBusinessDays(Utc(2026, 3, 27, 14), 1));
        // Mon 30 March 10:00 CEST + 5 days: Tue, Wed, Thu, (Fri holiday), Mon, Tue 7 April 10:00 CEST = 08:00Z.
        Assert.Equal(Utc(2026, 4, 7, 8), Office().AddBusinessDays(Utc(2026, 3, 30, 8), 5));
        // Saturday evening + 0 days -> Monday 09:00 (the next working time).
        Assert.Equal(Utc(2026, 3, 30, 7), Office().AddBusinessDays(Utc(2026, 3, 28, 18), 0));
    }

    [Fact]
    public void IsWorkingTime_RespectsHoursHolidaysAndZone()
    {
        Assert.True(Office().IsWorkingTime(Utc(2026, 3, 30, 7)));       // 09:00 CEST
        Assert.False(Office().IsWorkingTime(Utc(2026, 3, 30, 6, 59)));  // 08:59 CEST
        Assert.False(Office().IsWorkingTime(Utc(2026, 4, 3, 10)));      // Good Friday
    }

    [Fact]
    public void Calendar_WithNoWorkingHours_IsRefusedWithClearError()
    {
        var error = Assert.Throws<CrmValidationException>(() => new BusinessCalendar(new BusinessCalendarDefinition
        {
            Key = "empty",
            WorkingHours = new Dictionary<DayOfWeek, IReadOnlyList<WorkingInterval>> { [DayOfWeek.Monday] = [] },
        }, Berlin));
        Assert.Contains(error.Errors, e => e.Rule == "no_working_hours" && e.Message.Contains("'empty'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SaveAsync_NoWorkingHoursOrUnknownZone_IsRefused_DefaultUsesTenantZone()
    {
        await using var host = await CrmTestHost.StartAsync();
        await host.CreateTenantAsync("test", new TenantSettings("Europe/Berlin"));
        var calendars = host.Work().Calendars;

        var empty = await Assert.ThrowsAsync<CrmValidationException>(() => calendars.SaveAsync(new BusinessCalendarDefinition
        {
            Key = "empty",
            WorkingHours = new Dictionary<DayOfWeek, IReadOnlyList<WorkingInterval>>(),
        }));
        Assert.Contains(empty.Errors, e => e.Rule == "no_working_hours");

        var zone = await Assert.ThrowsAsync<CrmValidationException>(() => calendars.SaveAsync(new BusinessCalendarDefinition
        {
            Key = "mars",
            TimeZone = "Mars/Olympus_Mons",
            WorkingHours = new Dictionary<DayOfWeek, IReadOnlyList<WorkingInterval>> { [DayOfWeek.Monday] = NineToFive },
        }));
        Assert.Contains(zone.Errors, e => e.Rule == "unknown_time_zone" && e.Message.Contains("Mars/Olympus_Mons", StringComparison.Ordinal));

        await Assert.ThrowsAsync<CrmNotFoundException>(() => calendars.GetAsync("nope"));

        // The default calendar: Mon-Fri 09-17 in the tenant's zone (Berlin): Fri 27 March 15:00 CET + 4h -> Mon 11:00 CEST.
        var standard = await calendars.GetAsync();
        Assert.Equal(Utc(2026, 3, 30, 9), standard.AddBusinessTime(Utc(2026, 3, 27, 14), TimeSpan.FromHours(4)));

        // A saved calendar round-trips (holidays, several intervals).
        await calendars.SaveAsync(new BusinessCalendarDefinition
        {
            Key = "service",
            WorkingHours = Enumerable.Range(1, 5).ToDictionary(d => (DayOfWeek)d, _ => (IReadOnlyList<WorkingInterval>)[new(new TimeOnly(8, 0), new TimeOnly(12, 0)), new(new TimeOnly(13, 0), new TimeOnly(16, 0))]),
            Holidays = [new DateOnly(2026, 4, 3)],
        });
        var service = await calendars.GetAsync("service");
        Assert.Equal("Europe/Berlin", service.TimeZone.Id);
        Assert.Equal([new DateOnly(2026, 4, 3)], service.Definition.Holidays);
        Assert.Equal(TimeSpan.FromHours(7), service.BusinessTimeBetween(Utc(2026, 3, 30, 0), Utc(2026, 3, 31, 0)));
    }

    [Fact]
    public async Task GetForUnitAsync_UnitsInheritNearestAssignedCalendar_ElseTenantDefault()
    {
        await using var host = await CrmTestHost.StartAsync();
        var crm = await host.CreateTenantAsync("test", new TenantSettings("Europe/Berlin"));
        var calendars = host.Work().Calendars;
        var region = await crm.Organization.CreateUnitAsync("Region North");
        var office = await crm.Organization.CreateUnitAsync("Office Hamburg", region.Id);
        var other = await crm.Organization.CreateUnitAsync("Region South");
        await calendars.SaveAsync(new BusinessCalendarDefinition
        {
            Key = "north",
            TimeZone = "Europe/London",
            WorkingHours = Enumerable.Range(1, 5).ToDictionary(d => (DayOfWeek)d, _ => (IReadOnlyList<WorkingInterval>)[new(new TimeOnly(7, 0), new TimeOnly(15, 0))]),
        });

        await calendars.AssignToUnitAsync(region.Id, "north");

        // Monday 5 January 2026, 14:00 UTC + 2 business hours: London 07-15 ends the day at 15:00 UTC, so 1h left for Tuesday 07:00.
        var start = Utc(2026, 1, 5, 14);
        Assert.Equal(Utc(2026, 1, 6, 8), (await calendars.GetForUnitAsync(office.Id)).AddBusinessTime(start, TimeSpan.FromHours(2)));
        // The other region has none: the tenant default, Berlin 09-17 (14:00 UTC = 15:00 CET, +2h = 17:00 CET = 16:00 UTC).
        Assert.Equal(Utc(2026, 1, 5, 16), (await calendars.GetForUnitAsync(other.Id)).AddBusinessTime(start, TimeSpan.FromHours(2)));

        await calendars.AssignToUnitAsync(region.Id, null);
        Assert.Equal(Utc(2026, 1, 5, 16), (await calendars.GetForUnitAsync(office.Id)).AddBusinessTime(start, TimeSpan.FromHours(2)));

        var unknownCalendar = await Assert.ThrowsAsync<CrmValidationException>(() => calendars.AssignToUnitAsync(region.Id, "nowhere"));
        Assert.Contains(unknownCalendar.Errors, e => e.Field == "key" && Equals(e.Value, "nowhere"));
        var unknownUnit = Guid.NewGuid();
        var noUnit = await Assert.ThrowsAsync<CrmValidationException>(() => calendars.GetForUnitAsync(unknownUnit));
        Assert.Contains(noUnit.Errors, e => e.EntityType == "unit" && Equals(e.Value, unknownUnit));
    }
}
