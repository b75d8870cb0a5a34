using System.Collections.Concurrent;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Work;
using Crm.Engine.Testing;
using Microsoft.Data.Sqlite;

namespace Crm.Engine.Tests.Work;

public sealed class TimerTests
{
    private static TimerRequest Request(string key, DateTimeOffset due, Guid? record = null) => new()
    {
        Key = key,
        DueAt = due,
        EventName = "planOverdue",
        RecordId = record,
        Payload = new Dictionary<string, string?> { ["level"] = "1" },
    };

    [Fact]
    public async Task FireDue_FiresOnTimeWithFakeClock_Once()
    {
        await using var host = await CrmTestHost.StartAsync();
        await host.CreateTenantAsync();
        var fired = new ConcurrentBag<DeadlineReached>();
        using var _ = host.Engine.Events.Subscribe<DeadlineReached>((e, _) => { fired.Add(e); return Task.CompletedTask; });
        var record = Guid.NewGuid();
        var due = host.Clock.GetUtcNow().AddHours(1);
        await host.Work().Timers.ScheduleAsync(Request("case:1:plan", due, record));

        Assert.Equal(0, await host.Timers().FireDueAsync());
        host.Clock.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(0, await host.Timers().FireDueAsync());
        host.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await host.Timers().FireDueAsync());
        Assert.Equal(0, await host.Timers().FireDueAsync());

        var e = Assert.Single(fired);
        Assert.Equal(("test", "case:1:plan", "planOverdue", record, due), (e.TenantId, e.TimerKey, e.EventName, e.RecordId, e.DueAt));
        Assert.Equal("1", e.Payload["level"]);
        var stored = await host.Work().Timers.GetAsync("case:1:plan");
        Assert.Equal(WorkTimerState.Fired, stored!.State);
        Assert.Equal(1, stored.Attempts);
    }

    [Fact]
    public async Task Schedule_InThePast_FiresAtTheNextPoll()
    {
        await using var host = await CrmTestHost.StartAsync();
        await host.CreateTenantAsync();
        var count = 0;
        using var _ = host.Engine.Events.Subscribe<DeadlineReached>((_, _) => { Interlocked.Increment(ref count); return Task.CompletedTask; });
        await host.Work().Timers.ScheduleAsync(Request("late", host.Clock.GetUtcNow().AddDays(-3)));

        Assert.Equal(1, await host.Timers().FireDueAsync());
        Assert.Equal(1, count);
    }

    [Fact]
    public async Task CancelAndReschedule_ByKey()
    {
        await using var host = await CrmTestHost.StartAsync();
        await host.CreateTenantAsync();
        var fired = new ConcurrentBag<DeadlineReached>();
        using var _ = host.Engine.Events.Subscribe<DeadlineReached>((e, _) => { fired.Add(e); return Task.CompletedTask; });
        var timers = host.Work().Timers;
        var now = host.Clock.GetUtcNow();

        await timers.ScheduleAsync(Request("a", now.AddHours(1)));
        Assert.True(await timers.CancelAsync("a"));
        Assert.False(await timers.CancelAsync("a"));

        await timers.ScheduleAsync(Request("b", now.AddHours(1)));
        var moved = await timers.ScheduleAsync(Request("b", now.AddHours(3)));
        host.Clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(0, await host.Timers().FireDueAsync());
        host.Clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(1, await host.Timers().FireDueAsync());

        var e = Assert.Single(fired);
        Assert.Equal(("b", moved.Id), (e.TimerKey, e.TimerId));
        Assert.Equal(WorkTimerState.Canceled, (await timers.GetAsync("a"))!.State);
        await Assert.ThrowsAsync<CrmValidationException>(() => timers.ScheduleAsync(Request(" ", now)));
    }

    [Fact]
    public async Task Timer_SurvivesRestart_AndMissedTimersCatchUp()
    {
        await using var host = await CrmTestHost.StartAsync();
        await host.CreateTenantAsync();
        var now = host.Clock.GetUtcNow();
        await host.Work().Timers.ScheduleAsync(Request("one", now.AddHours(1)));
        await host.Work().Timers.ScheduleAsync(Request("two", now.AddHours(2)));
        await host.Work().Timers.ScheduleAsync(Request("later", now.AddDays(30)));

        // The engine is down while both fall due.
        host.Clock.Advance(TimeSpan.FromDays(1));
        await host.RestartAsync();

        var fired = new ConcurrentBag<string>();
        using var _ = host.Engine.Events.Subscribe<DeadlineReached>((e, _) => { fired.Add(e.TimerKey); return Task.CompletedTask; });
        Assert.Equal(2, await host.Timers().FireDueAsync());
        Assert.Equal(["one", "two"], fired.Order(StringComparer.Ordinal));
        Assert.Equal(WorkTimerState.Pending, (await host.Work().Timers.GetAsync("later"))!.State);
    }

    [Fact]
    public async Task TwoEnginesOnOneDatabase_FiringConcurrently_FireEachTimerOnce()
    {
        await using var a = await CrmTestHost.StartAsync();
        await using var b = await CrmTestHost.StartAsync(directory: a.Directory);
        await a.CreateTenantAsync();
        const int count = 40;
        var now = a.Clock.GetUtcNow();
        for (var i = 0; i < count; i++)
        {
            await a.Work().Timers.ScheduleAsync(Request($"t{i}", now.AddMinutes(1 + (i % 5))));
        }

        var fired = new ConcurrentBag<Guid>();
        using var sa = a.Engine.Events.Subscribe<DeadlineReached>((e, _) => { fired.Add(e.TimerId); return Task.CompletedTask; });
        using var sb = b.Engine.Events.Subscribe<DeadlineReached>((e, _) => { fired.Add(e.TimerId); return Task.CompletedTask; });
        a.Clock.Advance(TimeSpan.FromMinutes(10));
        b.Clock.Advance(TimeSpan.FromMinutes(10));

        var results = await Task.WhenAll(
            Task.Run(() => a.Timers().FireDueAsync()), Task.Run(() => b.Timers().FireDueAsync()),
            Task.Run(() => a.Timers().FireDueAsync()), Task.Run(() => b.Timers().FireDueAsync()));

        Assert.Equal(count, results.Sum());
        Assert.Equal(count, fired.Count);
        Assert.Equal(count, fired.Distinct().Count());
    }

    [Fact]
    public async Task StaleClaim_OfACrashedProcess_IsTakenOverAfterTheLease()
    {
        await using var host = await CrmTestHost.StartAsync();
        await host.CreateTenantAsync();
        var now = host.Clock.GetUtcNow();
        await host.Work().Timers.ScheduleAsync(Request("crash", now));

        // Another process claimed it and died before marking it fired.
        await using (var connection = new SqliteConnection($"Data Source={host.DatabasePath}"))
        {
            await connection.OpenAsync();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE work_timers SET state = 'firing', claimed_by = 'dead-process', claimed_at = $at, attempts = 1 WHERE timer_key = 'crash'";
            command.Parameters.AddWithValue("$at", Crm.Engine.Storage.DbValues.FormatTime(now));
            await command.ExecuteNonQueryAsync();
        }

        var fired = 0;
        using var _ = host.Engine.Events.Subscribe<DeadlineReached>((_, _) => { Interlocked.Increment(ref fired); return Task.CompletedTask; });
        Assert.Equal(0, await host.Timers().FireDueAsync());
        host.Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(1, await host.Timers().FireDueAsync());
        Assert.Equal(1, fired);
        var stored = await host.Work().Timers.GetAsync("crash");
        Assert.Equal((WorkTimerState.Fired, 2), (stored!.State, stored.Attempts));
    }
}
