using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Work;

namespace Crm.Plugins.Service.Tests;

public sealed class SlaTests
{
    // Friday 27 March 2026, 15:00 Berlin; default calendar Monday to Friday 09:00-17:00 Berlin.
    // 8 working hours: 2 on Friday, 6 on Monday -> Monday 30 March 15:00 CEST (the clocks changed on Sunday) = 13:00Z.
    private static readonly DateTimeOffset MondayDue = new(2026, 3, 30, 13, 0, 0, TimeSpan.Zero);

    // 75 % = 6 working hours: 2 on Friday, 4 on Monday -> 13:00 CEST = 11:00Z.
    private static readonly DateTimeOffset MondayWarning = new(2026, 3, 30, 11, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task SetSla_FridayAfternoon_IsDueOnMondayOnTheBusinessCalendar_WithTimers()
    {
        await using var f = await ServiceFixture.StartAsync();
        var @case = await f.Desk.OpenCaseAsync(new NewCase { Subject = "Leak", Priority = CasePriority.Urgent });

        var updated = await f.Desk.SetSlaAsync(@case.Id, BusinessDuration.FromWorkingTime(TimeSpan.FromHours(8)));

        Assert.Equal(MondayDue, updated[CaseFields.SlaDueAt]);
        Assert.Equal(MondayWarning, updated[CaseFields.SlaWarningAt]);
        Assert.Equal(SlaState.OnTrack, updated[CaseFields.SlaState]);
        Assert.Equal(8m, updated[CaseFields.SlaHours]);
        Assert.Equal(MondayWarning, (await f.Work.Timers.GetAsync($"service:sla:{@case.Id:D}:warning"))!.DueAt);
        Assert.Equal(MondayDue, (await f.Work.Timers.GetAsync($"service:sla:{@case.Id:D}:breach"))!.DueAt);
    }

    [Fact]
    public async Task SlaTimers_Fire_CaseBecomesWarningThenBreached_WithEvents()
    {
        await using var f = await ServiceFixture.StartAsync();
        var warnings = new List<SlaWarning>();
        var breaches = new List<SlaBreached>();
        using var w = f.Host.Engine.Events.Subscribe<SlaWarning>((e, _) => { warnings.Add(e); return Task.CompletedTask; });
        using var b = f.Host.Engine.Events.Subscribe<SlaBreached>((e, _) => { breaches.Add(e); return Task.CompletedTask; });
        var @case = await f.Desk.OpenCaseAsync(new NewCase { Subject = "Leak" });
        await f.Desk.SetSlaAsync(@case.Id, BusinessDuration.FromWorkingTime(TimeSpan.FromHours(8)));

        f.Host.Clock.Advance(MondayWarning - ServiceFixture.FridayAfternoon - TimeSpan.FromMinutes(1));
        Assert.Equal(0, await f.FireTimersAsync());
        f.Host.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await f.FireTimersAsync());
        Assert.Equal(SlaState.Warning, (await f.Tenant.Records.GetAsync(ServiceEntities.Case, @case.Id))![CaseFields.SlaState]);
        Assert.Equal((@case.Id, (DateTimeOffset?)MondayDue), (Assert.Single(warnings).CaseId, warnings[0].SlaDueAt));
        Assert.Empty(breaches);

        f.Host.Clock.Advance(MondayDue - MondayWarning);
        Assert.Equal(1, await f.FireTimersAsync());
        Assert.Equal(SlaState.Breached, (await f.Tenant.Records.GetAsync(ServiceEntities.Case, @case.Id))![CaseFields.SlaState]);
        Assert.Equal(@case.Id, Assert.Single(breaches).CaseId);

        // Resolving late keeps it breached.
        var resolved = await f.Desk.ResolveAsync(@case.Id, "Replaced the seal");
        Assert.Equal(SlaState.Breached, resolved[CaseFields.SlaState]);
        Assert.Single(breaches);
    }

    [Fact]
    public async Task Resolve_BeforeDue_IsMet_CancelsTimers_AndPublishesCaseResolved()
    {
        await using var f = await ServiceFixture.StartAsync();
        var resolvedEvents = new List<CaseResolved>();
        using var _ = f.Host.Engine.Events.Subscribe<CaseResolved>((e, _) => { resolvedEvents.Add(e); return Task.CompletedTask; });
        var @case = await f.Desk.OpenCaseAsync(new NewCase { Subject = "Leak" });
        await f.Desk.SetSlaAsync(@case.Id, BusinessDuration.FromWorkingTime(TimeSpan.FromHours(8)));
        f.Host.Clock.Advance(TimeSpan.FromHours(1));

        var resolved = await f.Desk.ResolveAsync(@case.Id, "Seal replaced");

        Assert.Equal((CaseStatus.Resolved, SlaState.Met, "Seal replaced"), (resolved[CaseFields.Status], resolved[CaseFields.SlaState], resolved[CaseFields.Resolution]));
        Assert.Equal(ServiceFixture.FridayAfternoon.AddHours(1), resolved[CaseFields.ResolvedAt]);
        Assert.Equal(WorkTimerState.Canceled, (await f.Work.Timers.GetAsync($"service:sla:{@case.Id:D}:warning"))!.State);
        Assert.Equal(WorkTimerState.Canceled, (await f.Work.Timers.GetAsync($"service:sla:{@case.Id:D}:breach"))!.State);
        f.Host.Clock.Advance(TimeSpan.FromDays(7));
        Assert.Equal(0, await f.FireTimersAsync());
        Assert.Equal((@case.Id, "Seal replaced", (string?)SlaState.Met), (Assert.Single(resolvedEvents).CaseId, resolvedEvents[0].Resolution, resolvedEvents[0].SlaState));
    }

    [Fact]
    public async Task SetSla_Again_RestartsTheTimers_WithTheNewDeadline()
    {
        await using var f = await ServiceFixture.StartAsync();
        var @case = await f.Desk.OpenCaseAsync(new NewCase { Subject = "Leak" });
        await f.Desk.SetSlaAsync(@case.Id, BusinessDuration.FromWorkingTime(TimeSpan.FromHours(8)));

        var updated = await f.Desk.SetSlaAsync(@case.Id, BusinessDuration.FromBusinessDays(5), warnAtPercent: 0);

        // 5 business days from Friday 15:00 CET: Friday 3 April 15:00 CEST = 13:00Z.
        var due = new DateTimeOffset(2026, 4, 3, 13, 0, 0, TimeSpan.Zero);
        Assert.Equal((due, 120m, (object?)null), ((DateTimeOffset)updated[CaseFields.SlaDueAt]!, (decimal)updated[CaseFields.SlaHours]!, updated[CaseFields.SlaWarningAt]));
        Assert.Equal(due, (await f.Work.Timers.GetAsync($"service:sla:{@case.Id:D}:breach"))!.DueAt);
        Assert.Equal(WorkTimerState.Canceled, (await f.Work.Timers.GetAsync($"service:sla:{@case.Id:D}:warning"))!.State);
        f.Host.Clock.Advance(MondayDue - ServiceFixture.FridayAfternoon);
        Assert.Equal(0, await f.FireTimersAsync());
        Assert.Equal(SlaState.OnTrack, (await f.Tenant.Records.GetAsync(ServiceEntities.Case, @case.Id))![CaseFields.SlaState]);
    }

    [Fact]
    public async Task BreachTimer_ForACaseResolvedMeanwhile_ChangesNothing()
    {
        await using var f = await ServiceFixture.StartAsync();
        var @case = await f.Desk.OpenCaseAsync(new NewCase { Subject = "Leak" });
        await f.Desk.SetSlaAsync(@case.Id, BusinessDuration.FromWorkingTime(TimeSpan.FromHours(8)));
        // Resolved by someone setting the status directly: the case handler still finishes the SLA.
        await f.Tenant.Records.UpdateAsync(ServiceEntities.Case, @case.Id, null, new Dictionary<string, object?> { [CaseFields.Status] = CaseStatus.Resolved });

        f.Host.Clock.Advance(TimeSpan.FromDays(7));
        Assert.Equal(0, await f.FireTimersAsync());                  // the handler cancelled them

        // A breach delivered anyway (a timer claimed just before the case was resolved, or delivered twice).
        await f.Work.Timers.ScheduleAsync(new TimerRequest { Key = $"service:sla:{@case.Id:D}:breach", EventName = "slaBreached", RecordId = @case.Id, DueAt = f.Host.Clock.GetUtcNow() });
        Assert.Equal(1, await f.FireTimersAsync());

        var after = await f.Tenant.Records.GetAsync(ServiceEntities.Case, @case.Id);
        Assert.Equal(SlaState.Met, after![CaseFields.SlaState]);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(-5)]
    public async Task SetSla_WarnAtOutOfRange_IsRefusedNamingWarnAt(int percent)
    {
        await using var f = await ServiceFixture.StartAsync();
        var @case = await f.Desk.OpenCaseAsync(new NewCase { Subject = "Leak" });

        var error = await Assert.ThrowsAsync<CrmValidationException>(() => f.Desk.SetSlaAsync(@case.Id, BusinessDuration.FromBusinessDays(1), percent));

        Assert.Equal("warnAt", Assert.Single(error.Errors).Field);
    }

    [Fact]
    public async Task Reopen_BeforeDue_IsOnTrackAgain_AndTheBreachTimerRuns()
    {
        await using var f = await ServiceFixture.StartAsync();
        var @case = await f.Desk.OpenCaseAsync(new NewCase { Subject = "Leak" });
        await f.Desk.SetSlaAsync(@case.Id, BusinessDuration.FromWorkingTime(TimeSpan.FromHours(8)));
        await f.Desk.ResolveAsync(@case.Id, "Fixed");

        var reopened = await f.Desk.ReopenAsync(@case.Id);

        Assert.Equal((CaseStatus.InProgress, SlaState.OnTrack, (object?)null), (reopened[CaseFields.Status], reopened[CaseFields.SlaState], reopened[CaseFields.ResolvedAt]));
        f.Host.Clock.Advance(MondayDue - ServiceFixture.FridayAfternoon);
        Assert.Equal(1, await f.FireTimersAsync());
        Assert.Equal(SlaState.Breached, (await f.Tenant.Records.GetAsync(ServiceEntities.Case, @case.Id))![CaseFields.SlaState]);
        await Assert.ThrowsAsync<CrmOperationRejectedException>(() => f.Desk.ReopenAsync(@case.Id));
    }
}
