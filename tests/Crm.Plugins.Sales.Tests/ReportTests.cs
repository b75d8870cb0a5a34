using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Reports;
using Crm.Engine.Abstractions.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Plugins.Sales.Tests;

public sealed class ReportTests
{
    private static Task<ReportResult> RunAsync<TReport>(SalesFixture fx, ICrmTenant? tenant = null, params (string Name, object? Value)[] parameters)
        where TReport : class, IReport
    {
        IReport report = ActivatorUtilities.CreateInstance<TReport>(fx.Host.Services);
        return report.RunAsync(new ReportContext(tenant ?? fx.Tenant, parameters.ToDictionary(p => p.Name, p => p.Value), fx.Host.Clock.GetUtcNow()), CancellationToken.None);
    }

    private static object? Cell(ReportResult result, int row, string column) => result.Rows[row][result.Columns.ToList().FindIndex(c => c.Name == column)];

    private static object? Summary(ReportResult result, string name) => result.Summary.Single(s => s.Key == name).Value;

    [Fact]
    public async Task EveryReport_IsRegisteredWithItsModuleName()
    {
        await using var fx = await SalesFixture.StartAsync();
        var registered = fx.Host.Services.GetServices<ReportRegistration>().Where(r => r.PluginId == SalesPlugin.Id).ToList();

        var names = registered.Select(r => ((IReport)ActivatorUtilities.CreateInstance(fx.Host.Services, r.ReportType)).Definition.Name);
        Assert.Equal(
            ["sales.leadsBySource", "sales.leadLifecycle", "sales.pipeline", "sales.stalledOpportunities", "sales.closedOpportunities", "sales.forecast", "sales.winRate"],
            names);
    }

    [Fact]
    public async Task LeadsBySource_CountsLeadsAndConversionsPerSource()
    {
        await using var fx = await SalesFixture.StartAsync();
        var web = await fx.Sales.CaptureLeadAsync(new LeadCapture { Origin = LeadOrigin.WebForm, Values = new Dictionary<string, object?> { [LeadFields.LastName] = "A", [LeadFields.Company] = "A Ltd", [LeadFields.Status] = LeadStatus.Qualified } });
        await fx.Sales.CaptureLeadAsync(new LeadCapture { Origin = LeadOrigin.WebForm, Values = new Dictionary<string, object?> { [LeadFields.LastName] = "B" } });
        await fx.Sales.CaptureLeadAsync(new LeadCapture { Source = "referral", Values = new Dictionary<string, object?> { [LeadFields.LastName] = "C" } });
        await fx.Sales.ConvertLeadAsync(web.Lead.Id);

        var result = await RunAsync<LeadsBySourceReport>(fx);

        Assert.Equal("sales.leadsBySource", result.Report);
        Assert.Equal(["web", 2L, 1L, 50.0m], result.Rows[0]);
        Assert.Equal(["referral", 1L, 0L, 0.0m], result.Rows[1]);
        Assert.Equal(3L, Summary(result, "Leads"));
    }

    [Fact]
    public async Task LeadsBySource_HonoursTheDateRange()
    {
        await using var fx = await SalesFixture.StartAsync();
        await fx.LeadAsync("Old");
        fx.Host.Clock.Advance(TimeSpan.FromDays(10));
        await fx.LeadAsync("New");
        var today = DateOnly.FromDateTime(fx.Host.Clock.GetUtcNow().UtcDateTime);

        var result = await RunAsync<LeadsBySourceReport>(fx, null, ("from", today), ("to", today));

        Assert.Equal(1L, Summary(result, "Leads"));
    }

    [Fact]
    public async Task LeadLifecycle_CountsPerStatus_AndAverageDaysToConvert()
    {
        await using var fx = await SalesFixture.StartAsync();
        var first = await fx.LeadAsync("A", company: "A Ltd", status: LeadStatus.Qualified);
        var second = await fx.LeadAsync("B", company: "B Ltd", status: LeadStatus.Qualified);
        await fx.LeadAsync("C");
        fx.Host.Clock.Advance(TimeSpan.FromDays(2));
        await fx.Sales.ConvertLeadAsync(first.Id);
        fx.Host.Clock.Advance(TimeSpan.FromDays(4));
        await fx.Sales.ConvertLeadAsync(second.Id);

        var result = await RunAsync<LeadLifecycleReport>(fx);

        Assert.Equal([LeadStatus.New, 1L], result.Rows[0]);
        Assert.Equal([LeadStatus.Converted, 2L], result.Rows[3]);
        Assert.Equal(4.0m, Summary(result, "Average days to convert"));
        Assert.Equal(66.7m, Summary(result, "Conversion rate (%)"));
    }

    [Fact]
    public async Task Pipeline_HasOneRowPerOpenStage()
    {
        await using var fx = await SalesFixture.StartAsync();
        await fx.OpportunityAsync("A", 1000m, stage: "proposal");

        var result = await RunAsync<PipelineReport>(fx);

        Assert.Equal(4, result.Rows.Count);
        Assert.Equal(["proposal", 1L, 1000m, 500m], result.Rows[2]);
        Assert.Equal(500m, Summary(result, "Weighted amount"));
    }

    [Fact]
    public async Task StalledOpportunities_AreThoseWithoutStageChangeOrActivityForTheDays()
    {
        await using var fx = await SalesFixture.StartAsync();
        var quiet = await fx.OpportunityAsync("Quiet", 100m);
        var moved = await fx.OpportunityAsync("Moved", 200m);
        var talkedTo = await fx.OpportunityAsync("Talked to", 300m);
        var won = await fx.OpportunityAsync("Won", 400m);
        await fx.Sales.WinAsync(won.Id, "signed");
        fx.Host.Clock.Advance(TimeSpan.FromDays(10));
        await fx.Sales.SetStageAsync(moved.Id, "proposal");
        fx.Host.Clock.Advance(TimeSpan.FromDays(2));
        await fx.Tenant.Activities.LogAsync(new NewActivity(ActivityTypes.Call, "Follow-up", new RecordRef(SalesEntities.Opportunity, talkedTo.Id)));
        fx.Host.Clock.Advance(TimeSpan.FromDays(8));

        var fifteen = await RunAsync<StalledOpportunitiesReport>(fx, null, ("days", 15m));
        var five = await RunAsync<StalledOpportunitiesReport>(fx, null, ("days", 5m));

        var row = Assert.Single(fifteen.Rows);
        Assert.Equal("Quiet", row[0]);
        Assert.Equal(20L, Cell(fifteen, 0, "daysStalled"));
        Assert.Equal(["Quiet", "Moved", "Talked to"], five.Rows.Select(r => r[0]));
        Assert.Equal(8L, Cell(five, 2, "daysStalled"));
        Assert.NotNull(Cell(five, 2, "lastActivityAt"));
        _ = quiet;
    }

    [Fact]
    public async Task StalledOpportunities_WithoutDays_IsRejectedNamingTheParameter()
    {
        await using var fx = await SalesFixture.StartAsync();

        var error = await Assert.ThrowsAsync<CrmValidationException>(() => RunAsync<StalledOpportunitiesReport>(fx));

        Assert.Equal("days", Assert.Single(error.Errors).Field);
    }

    [Fact]
    public async Task ClosedOpportunities_ListsWonAndLostInThePeriod()
    {
        await using var fx = await SalesFixture.StartAsync();
        var early = await fx.OpportunityAsync("Early", 100m);
        await fx.Sales.WinAsync(early.Id, "fast");
        fx.Host.Clock.Advance(TimeSpan.FromDays(40));
        var won = await fx.OpportunityAsync("Won", 1000m);
        var lost = await fx.OpportunityAsync("Lost", 500m);
        await fx.OpportunityAsync("Open", 700m);
        await fx.Sales.WinAsync(won.Id, "price");
        fx.Host.Clock.Advance(TimeSpan.FromHours(1));
        await fx.Sales.LoseAsync(lost.Id, "timing");
        var today = DateOnly.FromDateTime(fx.Host.Clock.GetUtcNow().UtcDateTime);

        var result = await RunAsync<ClosedOpportunitiesReport>(fx, null, ("from", today.AddDays(-7)), ("to", today));

        Assert.Equal(["Won", "Lost"], result.Rows.Select(r => r[0]));
        Assert.Equal("timing", Cell(result, 1, "reason"));
        Assert.Equal(1000m, Summary(result, "Won amount"));
        Assert.Equal(50.0m, Summary(result, "Win rate (%)"));
        var missing = await Assert.ThrowsAsync<CrmValidationException>(() => RunAsync<ClosedOpportunitiesReport>(fx, null, ("from", today)));
        Assert.Equal("to", Assert.Single(missing.Errors).Field);
    }

    [Fact]
    public async Task Forecast_ShowsOwnersWithQuotaAndAttainment()
    {
        await using var fx = await SalesFixture.StartAsync();
        var (alice, _) = await fx.UserAsync("alice", SystemRoles.SalesRep);
        var deal = await fx.OpportunityAsync("Deal", 3000m, closeDate: new DateOnly(2026, 1, 30), owner: alice);
        await fx.Sales.WinAsync(deal.Id, "signed");
        await fx.Sales.SetQuotaAsync(alice, 2026, 1, 4000m);

        var result = await RunAsync<ForecastReport>(fx, null, ("year", 2026m), ("quarter", 1m));

        Assert.Equal("ALICE", Cell(result, 0, "owner"));
        Assert.Equal(3000m, Cell(result, 0, "closed"));
        Assert.Equal(4000m, Cell(result, 0, "quota"));
        Assert.Equal(75.0m, Cell(result, 0, "attainment"));
        Assert.Equal("2026-Q1", Summary(result, "Quarter"));
    }

    [Fact]
    public async Task WinRate_ByOwnerAndByProduct()
    {
        await using var fx = await SalesFixture.StartAsync();
        var (alice, _) = await fx.UserAsync("alice", SystemRoles.SalesRep);
        var first = await fx.OpportunityAsync("1", owner: alice);
        var second = await fx.OpportunityAsync("2", owner: alice);
        var third = await fx.OpportunityAsync("3", owner: alice);
        await fx.Sales.AddLineAsync(first.Id, new OpportunityLineInput("Widget", 2, 100m));
        await fx.Sales.AddLineAsync(second.Id, new OpportunityLineInput("Widget", 1, 100m));
        await fx.Sales.AddLineAsync(second.Id, new OpportunityLineInput("Gadget", 1, 50m));
        await fx.Sales.WinAsync(first.Id, "price");
        await fx.Sales.LoseAsync(second.Id, "features");
        await fx.Sales.WinAsync(third.Id, "relationship");

        var result = await RunAsync<WinRateReport>(fx);

        Assert.Equal(["owner", "ALICE", 2L, 1L, 66.7m, 200m], result.Rows[0]);
        Assert.Equal(["product", "Gadget", 0L, 1L, 0.0m, 0m], result.Rows[1]);
        Assert.Equal(["product", "Widget", 1L, 1L, 50.0m, 200m], result.Rows[2]);
    }

    [Fact]
    public async Task Reports_RunAsAUser_CountOnlyWhatTheyMayRead()
    {
        await using var fx = await SalesFixture.StartAsync();
        var (repId, rep) = await fx.UserAsync("rep", SystemRoles.SalesRep);
        await fx.LeadAsync("Mine", owner: repId);
        await fx.LeadAsync("Someone else's");

        var asRep = await RunAsync<LeadLifecycleReport>(fx, rep);
        var asSystem = await RunAsync<LeadLifecycleReport>(fx);

        Assert.Equal(1L, Summary(asRep, "Leads"));
        Assert.Equal(2L, Summary(asSystem, "Leads"));
    }
}
