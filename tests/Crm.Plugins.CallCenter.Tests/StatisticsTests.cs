using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Organization;
using Crm.Engine.Abstractions.Reports;
using Crm.Engine.Abstractions.Work;
using Crm.Engine.Testing;
using Microsoft.Extensions.DependencyInjection;
using static Crm.Plugins.CallCenter.Tests.CallCenterFixture;

namespace Crm.Plugins.CallCenter.Tests;

public sealed class StatisticsTests
{
    /// <summary>
    /// Five calls in the period (09:00 to 10:00) and one before it: A answers after 20 s, talks 120 s, resolved, rated 5;
    /// B answers after 40 s, talks 60 s, not resolved, rated 3; one caller hangs up after 30 s; one still rings; A answers
    /// a last one after 60 s and is still talking.
    /// </summary>
    private static async Task<(CrmTestHost Host, Engine.Abstractions.ICrmTenant Crm)> SeedAsync()
    {
        var host = await StartAsync(start: CrmTestHost.DefaultStart.AddHours(-1));
        var crm = await host.CreateTenantAsync();
        var calls = host.Calls(crm);
        var before = await calls.ReceiveInboundAsync(new InboundCall("+44 20 0000 0001", null));
        await calls.AbandonAsync(before.CallId);
        host.Clock.Advance(TimeSpan.FromHours(1)); // 09:00: the period starts

        var one = await calls.ReceiveInboundAsync(new InboundCall("+44 20 0000 0002", null));
        host.Clock.Advance(TimeSpan.FromSeconds(20));
        await calls.AnswerAsync(one.CallId, "A");
        host.Clock.Advance(TimeSpan.FromSeconds(120));
        await calls.EndAsync(one.CallId, resolved: true, satisfaction: 5);

        var two = await calls.ReceiveInboundAsync(new InboundCall("+44 20 0000 0003", null));
        host.Clock.Advance(TimeSpan.FromSeconds(40));
        await calls.AnswerAsync(two.CallId, "B");
        host.Clock.Advance(TimeSpan.FromSeconds(60));
        await calls.EndAsync(two.CallId, resolved: false, satisfaction: 3);

        var three = await calls.ReceiveInboundAsync(new InboundCall("+44 20 0000 0004", null));
        host.Clock.Advance(TimeSpan.FromSeconds(30));
        await calls.AbandonAsync(three.CallId);

        await calls.ReceiveInboundAsync(new InboundCall("+44 20 0000 0005", null));
        var five = await calls.ReceiveInboundAsync(new InboundCall("+44 20 0000 0006", null));
        host.Clock.Advance(TimeSpan.FromSeconds(60));
        await calls.AnswerAsync(five.CallId, "A");
        return (host, crm);
    }

    private static Task<CrmTestHost> StartAsync(DateTimeOffset start) =>
        CrmTestHost.StartAsync(
            b => b.AddPlugin<Commerce.CommercePlugin>(Commerce.CommercePlugin.Id).AddPlugin<Service.ServicePlugin>(Service.ServicePlugin.Id).AddPlugin<CallCenterPlugin>(CallCenterPlugin.Id),
            start: start);

    [Fact]
    public async Task StatisticsAsync_CountsRatesAndAveragesOfThePeriod_PerAgentToo()
    {
        var (host, crm) = await SeedAsync();
        await using var _ = host;

        var stats = await host.Calls(crm).StatisticsAsync(CrmTestHost.DefaultStart, CrmTestHost.DefaultStart.AddHours(1));

        Assert.Equal((5, 3, 1, 1), (stats.Offered, stats.Answered, stats.Abandoned, stats.Waiting));
        Assert.Equal(0.2m, stats.AbandonRate);
        Assert.Equal(40m, stats.AverageSpeedOfAnswerSeconds); // (20 + 40 + 60) / 3
        Assert.Equal(90m, stats.AverageTalkSeconds);          // ended calls: (120 + 60) / 2
        Assert.Equal(0.5m, stats.FirstCallResolutionRate);    // 1 of 2 ended calls
        Assert.Equal(4m, stats.AverageSatisfaction);
        Assert.Equal(
            [new AgentCallStatistics("A", 2, 120m, 1, 120m, 5m), new AgentCallStatistics("B", 1, 60m, 0, 60m, 3m)],
            stats.Agents);
    }

    [Fact]
    public async Task StatisticsAsync_EmptyPeriodHasNoRates_AndAnInvertedPeriodIsRefused()
    {
        var (host, crm) = await SeedAsync();
        await using var _ = host;
        var calls = host.Calls(crm);

        var empty = await calls.StatisticsAsync(CrmTestHost.DefaultStart.AddDays(1), CrmTestHost.DefaultStart.AddDays(2));
        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => calls.StatisticsAsync(CrmTestHost.DefaultStart, CrmTestHost.DefaultStart));

        Assert.Equal((0, (decimal?)null, (decimal?)null), (empty.Offered, empty.AbandonRate, empty.AverageSpeedOfAnswerSeconds));
        Assert.Equal("periodEnd", ex.Errors[0].Field);
    }

    [Fact]
    public async Task StatisticsReport_RowsPerAgentAndSummary()
    {
        var (host, crm) = await SeedAsync();
        await using var _ = host;
        var report = ActivatorUtilities.CreateInstance<CallStatisticsReport>(host.Services);
        var parameters = new Dictionary<string, object?> { ["from"] = CrmTestHost.DefaultStart, ["to"] = CrmTestHost.DefaultStart.AddHours(1) };

        var result = await report.RunAsync(new ReportContext(crm, parameters, host.Clock.GetUtcNow()), CancellationToken.None);

        Assert.Equal("callCenter.statistics", result.Report);
        Assert.Equal(["agentUserId", "calls", "talkSeconds", "averageTalkSeconds", "resolved", "averageSatisfaction"], result.Columns.Select(c => c.Name));
        Assert.Equal(["A", 2L, 120m, 120m, 1L, 5m], result.Rows[0]);
        Assert.Equal(["B", 1L, 60m, 60m, 0L, 3m], result.Rows[1]);
        var summary = result.Summary.ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal((5L, 0.2m, 40m, 0.5m), (summary["offered"], summary["abandonRate"], summary["averageSpeedOfAnswerSeconds"], summary["firstCallResolutionRate"]));
        var missing = await Assert.ThrowsAsync<CrmValidationException>(() => report.RunAsync(new ReportContext(crm, new Dictionary<string, object?>(), host.Clock.GetUtcNow()), CancellationToken.None));
        Assert.Equal("from", missing.Errors[0].Field);
        var inverted = await Assert.ThrowsAsync<CrmValidationException>(() => report.RunAsync(new ReportContext(crm, new Dictionary<string, object?> { ["from"] = CrmTestHost.DefaultStart, ["to"] = CrmTestHost.DefaultStart.AddHours(-1) }, host.Clock.GetUtcNow()), CancellationToken.None));
        Assert.Equal(("callCenter.statistics", "to"), (inverted.Errors[0].EntityType, inverted.Errors[0].Field));
    }

    [Fact]
    public async Task StatisticsAsync_UserWhoMayNotReadCalls_SeesNoCalls()
    {
        var (host, crm) = await SeedAsync();
        await using var _ = host;
        var user = await crm.Organization.CreateUserAsync(new NewUser("guest", "Guest"));

        var stats = await host.Calls(crm.AsUser(user.Id)).StatisticsAsync(CrmTestHost.DefaultStart, CrmTestHost.DefaultStart.AddHours(1));

        Assert.Equal((0, 0), (stats.Offered, stats.Agents.Count));
    }

    [Fact]
    public async Task AgentLoadReport_ShowsQueueMembersOpenItemsAndTheirCalls()
    {
        await using var host = await CallCenterFixture.StartAsync();
        var crm = await host.CreateTenantAsync();
        var work = host.Services.GetRequiredService<IWorkServices>().ForTenant("test");
        var queue = await work.Queues.CreateQueueAsync("hotline", AssignmentStrategy.LeastLoaded);
        var ann = await crm.Organization.CreateUserAsync(new NewUser("ann", "Ann"));
        var bob = await crm.Organization.CreateUserAsync(new NewUser("bob", "Bob"));
        await work.Queues.AddMemberAsync(queue.Id, ann.Id, ["billing"], ["de"]);
        await work.Queues.AddMemberAsync(queue.Id, bob.Id, [], ["en"]);
        var calls = host.Calls(crm);
        var first = await calls.ReceiveInboundAsync(new InboundCall("+44 20 0000 0001", null) { Queue = "hotline" });
        var second = await calls.ReceiveInboundAsync(new InboundCall("+44 20 0000 0002", null) { Queue = "hotline" });
        var firstItem = (await work.Queues.ListItemsAsync(queue.Id)).Single(i => i.RecordId == first.CallId);
        var firstAgent = firstItem.AssignedTo!.Value;
        await calls.AnswerAsync(first.CallId, firstAgent.ToString("D"));
        host.Clock.Advance(TimeSpan.FromSeconds(30));
        await calls.EndAsync(first.CallId);
        var secondAgent = (await work.Queues.ListItemsAsync(queue.Id)).Single(i => i.RecordId == second.CallId).AssignedTo!.Value;
        await calls.AnswerAsync(second.CallId, secondAgent.ToString("D"));
        var report = ActivatorUtilities.CreateInstance<AgentLoadReport>(host.Services);

        var result = await report.RunAsync(new ReportContext(crm, new Dictionary<string, object?> { ["queue"] = "hotline" }, host.Clock.GetUtcNow()), CancellationToken.None);

        Assert.Equal("callCenter.agentLoad", result.Report);
        var rows = result.Rows.ToDictionary(r => (string)r[1]!, r => r);
        Assert.Equal(["hotline", firstAgent.ToString("D"), firstAgent == ann.Id ? "billing" : "", firstAgent == ann.Id ? "de" : "en", 0L, 0L, 1L, 30m], rows[firstAgent.ToString("D")]);
        Assert.Equal([1L, 1L, 1L, 0m], rows[secondAgent.ToString("D")].Skip(4));
        var unknown = await Assert.ThrowsAsync<CrmValidationException>(() => report.RunAsync(new ReportContext(crm, new Dictionary<string, object?> { ["queue"] = "nope" }, host.Clock.GetUtcNow()), CancellationToken.None));
        Assert.Equal("queue", unknown.Errors[0].Field);
    }
}
