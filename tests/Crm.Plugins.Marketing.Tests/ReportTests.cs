using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Reports;
using Crm.Plugins.Sales;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Plugins.Marketing.Tests;

public sealed class ReportTests
{
    private static async Task<ReportResult> RunAsync(MarketingWorld world, string report, ICrmTenant? as_ = null, Dictionary<string, object?>? parameters = null)
    {
        var type = typeof(MarketingPlugin).Assembly.GetTypes().Single(t => typeof(IReport).IsAssignableFrom(t) && !t.IsInterface
            && ((IReport)ActivatorUtilities.CreateInstance(world.Host.Services, t)).Definition.Name == report);
        var instance = (IReport)ActivatorUtilities.CreateInstance(world.Host.Services, type);
        return await instance.RunAsync(new ReportContext(as_ ?? world.Tenant, parameters ?? [], world.Host.Clock.GetUtcNow()), CancellationToken.None);
    }

    private static object? Cell(ReportResult result, int row, string column) =>
        result.Rows[row][result.Columns.Select(c => c.Name).ToList().IndexOf(column)];

    /// <summary>Fair: cost 1000, 2 leads (one won 5000, one lost), 4 members, 1 responding. Web: no cost, 1 lead not converted.</summary>
    private static async Task<(CrmRecordIds Fair, CrmRecordIds Web)> SeedAsync(MarketingWorld world)
    {
        var fair = await world.CampaignAsync("Fair 2026", CampaignChannel.Event, actualCost: 1000m, budget: 1200m);
        var web = await world.CampaignAsync("Web 2026", CampaignChannel.Web);
        var ernst = await world.LeadAsync("Ernst", source: "fair", campaignId: fair.Id);
        var fink = await world.LeadAsync("Fink", source: "fair", campaignId: fair.Id);
        await world.LeadAsync("Graf", source: "web", campaignId: web.Id);
        await world.LeadAsync("Haas", source: "web");
        var members = await world.Marketing().BuildTargetListAsync(fair.Id, Marketing.TargetSelection.FromFilters(SalesEntities.Lead, """[{"field":"source","value":"fair"}]"""));
        await world.ContactAsync("Adler");
        await world.ContactAsync("Bauer");
        await world.Marketing().BuildTargetListAsync(fair.Id, Marketing.TargetSelection.FromFilters("contact", "[]"));
        await world.Marketing().RecordResponseAsync(members.Added[0].MemberId!.Value, CampaignResponseType.Attended);

        world.Host.Clock.Advance(TimeSpan.FromDays(10));
        var won = await world.ConvertAsync(ernst, 5000m, closeDate: DateOnly.FromDateTime(world.Host.Clock.GetUtcNow().UtcDateTime.AddDays(20)));
        var lost = await world.ConvertAsync(fink, 9000m);
        await world.WinAsync(won.Id);
        await world.LoseAsync(lost.Id);
        return (new CrmRecordIds(fair.Id), new CrmRecordIds(web.Id));
    }

    private sealed record CrmRecordIds(Guid Id);

    [Fact]
    public async Task CampaignRoi_ShowsCostRevenueRoiMembersAndResponseRatePerCampaign()
    {
        await using var world = await MarketingWorld.StartAsync();
        await SeedAsync(world);

        var result = await RunAsync(world, "marketing.campaignRoi");

        Assert.Equal(["campaign", "channel", "status", "budget", "actualCost", "actualRevenue", "roi", "members", "responses", "responseRate"], result.Columns.Select(c => c.Name));
        Assert.Equal(2, result.Rows.Count);
        Assert.Equal(new object?[] { "Fair 2026", "event", "active", 1200m, 1000m, 5000m, 4m, 4L, 1L, 0.25m }, result.Rows[0]);
        Assert.Equal(new object?[] { "Web 2026", "web", "active", null, null, 0m, null, 0L, 0L, null }, result.Rows[1]);
        Assert.Equal(4m, result.Summary.Single(s => s.Key == "Overall ROI").Value);
    }

    [Fact]
    public async Task CampaignRoi_WithAStatusFilter_OrAnUnknownStatus()
    {
        await using var world = await MarketingWorld.StartAsync();
        await SeedAsync(world);

        var none = await RunAsync(world, "marketing.campaignRoi", parameters: new() { ["status"] = CampaignStatus.Completed });
        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => RunAsync(world, "marketing.campaignRoi", parameters: new() { ["status"] = "finished" }));

        Assert.Empty(none.Rows);
        Assert.Equal("status", Assert.Single(ex.Errors).Field);
    }

    [Fact]
    public async Task FunnelBySource_CountsLeadsConvertedOpportunitiesAndWinsWithRates()
    {
        await using var world = await MarketingWorld.StartAsync();
        await SeedAsync(world);

        var bySource = await RunAsync(world, "marketing.funnelBySource");
        var byCampaign = await RunAsync(world, "marketing.funnelBySource", parameters: new() { ["groupBy"] = "campaign" });

        Assert.Equal(["source", "leads", "converted", "conversionRate", "opportunities", "won", "winRate", "leadToWinRate"], bySource.Columns.Select(c => c.Name));
        Assert.Equal(new object?[] { "fair", 2L, 2L, 1m, 2L, 1L, 0.5m, 0.5m }, bySource.Rows[0]);
        Assert.Equal(new object?[] { "web", 2L, 0L, 0m, 0L, 0L, null, 0m }, bySource.Rows[1]);
        Assert.Equal(["(none)", "Fair 2026", "Web 2026"], byCampaign.Rows.Select(r => r[0]));
        Assert.Equal(1L, Cell(byCampaign, 1, "won"));
    }

    [Fact]
    public async Task FunnelBySource_WithADateRange_CountsOnlyLeadsCreatedInIt_AndRefusesAnUnknownGrouping()
    {
        await using var world = await MarketingWorld.StartAsync();
        await SeedAsync(world);
        await world.LeadAsync("Late", source: "web");
        var created = DateOnly.FromDateTime(world.Host.Clock.GetUtcNow().UtcDateTime);

        var result = await RunAsync(world, "marketing.funnelBySource", parameters: new() { ["from"] = created, ["to"] = created });
        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => RunAsync(world, "marketing.funnelBySource", parameters: new() { ["groupBy"] = "owner" }));

        Assert.Equal(new object?[] { "web", 1L, 0L, 0m, 0L, 0L, null, 0m }, Assert.Single(result.Rows));
        Assert.Equal("groupBy", Assert.Single(ex.Errors).Field);
    }

    [Fact]
    public async Task TimeToWin_AveragesTheDaysFromLeadToWonOpportunity()
    {
        await using var world = await MarketingWorld.StartAsync();
        await SeedAsync(world);

        var result = await RunAsync(world, "marketing.timeToWin", parameters: new() { ["groupBy"] = "campaign" });

        var row = Assert.Single(result.Rows);
        Assert.Equal("Fair 2026", row[0]);
        Assert.Equal(1L, row[1]);
        // Lead created on 5 Jan 09:00, won (close date) on 4 Feb 00:00: 29.6 days.
        Assert.Equal(29.6m, row[2]);
    }

    [Fact]
    public async Task Reports_ForAUserWithoutRights_ShowNothing()
    {
        await using var world = await MarketingWorld.StartAsync();
        await SeedAsync(world);
        var nobody = await world.UserAsync("nobody");

        Assert.Empty((await RunAsync(world, "marketing.campaignRoi", nobody)).Rows);
        Assert.Empty((await RunAsync(world, "marketing.funnelBySource", nobody)).Rows);
        Assert.Empty((await RunAsync(world, "marketing.timeToWin", nobody)).Rows);
    }
}
