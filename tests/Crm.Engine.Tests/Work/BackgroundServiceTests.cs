using System.Collections.Concurrent;
using Crm.Engine.Abstractions.Work;
using Crm.Engine.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Crm.Engine.Tests.Work;

/// <summary>The hosted services run the same "once" methods in a loop on the engine's clock.</summary>
public sealed class BackgroundServiceTests
{
    [Fact]
    public async Task HostedServices_FireTimersAndDeliverNotifications_DrivenByTheFakeClock()
    {
        var delivered = new ConcurrentQueue<string>();
        await using var host = await CrmTestHost.StartAsync(b => b
            .AddInProcessChannel("im", (m, _) => { delivered.Enqueue(m.IdempotencyKey); return Task.CompletedTask; })
            .ConfigureWork(o => { o.TimerPollInterval = TimeSpan.FromSeconds(5); o.DispatchPollInterval = TimeSpan.FromSeconds(5); }));
        await host.CreateTenantAsync();
        var fired = new ConcurrentQueue<string>();
        using var subscription = host.Engine.Events.Subscribe<DeadlineReached>((e, _) => { fired.Enqueue(e.TimerKey); return Task.CompletedTask; });
        // A timer missed while the engine was "down" fires on start.
        await host.Work().Timers.ScheduleAsync(new TimerRequest { Key = "missed", DueAt = host.Clock.GetUtcNow().AddMinutes(-1), EventName = "late" });

        var services = host.Services.GetServices<IHostedService>().Where(s => s.GetType().Namespace!.StartsWith("Crm.Engine.Work", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, services.Count);
        foreach (var service in services)
        {
            await service.StartAsync(CancellationToken.None);
        }

        try
        {
            Assert.True(await WorkTestSupport.PollAsync(() => fired.Contains("missed")));
            await host.Work().Timers.ScheduleAsync(new TimerRequest { Key = "soon", DueAt = host.Clock.GetUtcNow().AddSeconds(30), EventName = "soon" });
            await host.Work().Notifications.EnqueueAsync(new Notification { Recipient = NotificationRecipient.ToAddress("desk"), Channel = "im", IdempotencyKey = "n1", Body = "hi" });

            // Move the fake clock in poll-sized steps until both loops have run past the due time.
            Assert.True(await WorkTestSupport.PollAsync(() =>
            {
                host.Clock.Advance(TimeSpan.FromSeconds(5));
                return fired.Contains("soon") && delivered.Contains("n1");
            }));
            Assert.Single(fired, k => k == "soon");
        }
        finally
        {
            foreach (var service in services)
            {
                await service.StopAsync(CancellationToken.None);
            }
        }
    }
}
