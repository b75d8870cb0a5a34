using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Security;

namespace Crm.Plugins.Sales.Tests;

public sealed class PipelineForecastTests
{
    [Fact]
    public async Task Pipeline_GroupsOpenOpportunitiesByStage_InStageOrder()
    {
        await using var fx = await SalesFixture.StartAsync();
        await fx.OpportunityAsync("A", 1000m);
        await fx.OpportunityAsync("B", 3000m);
        await fx.OpportunityAsync("C", 2000m, stage: "negotiation");
        var won = await fx.OpportunityAsync("D", 9999m);
        await fx.Sales.WinAsync(won.Id, "signed");

        var pipeline = await fx.Sales.PipelineAsync();

        Assert.Equal(["prospecting", "qualification", "proposal", "negotiation"], pipeline.Select(r => r.Stage));
        Assert.Equal(new PipelineStageRow("prospecting", 2, 4000m, 400m), pipeline[0]);
        Assert.Equal(new PipelineStageRow("qualification", 0, 0m, 0m), pipeline[1]);
        Assert.Equal(new PipelineStageRow("negotiation", 1, 2000m, 1500m), pipeline[3]);
    }

    [Fact]
    public async Task Pipeline_ShowsAUserOnlyWhatTheyMayRead()
    {
        await using var fx = await SalesFixture.StartAsync();
        var (repId, rep) = await fx.UserAsync("rep", SystemRoles.SalesRep);
        await fx.OpportunityAsync("Mine", 1000m, owner: repId);
        await fx.OpportunityAsync("Not mine", 5000m);

        var pipeline = await fx.For(rep).PipelineAsync();

        Assert.Equal(1, pipeline.Sum(r => r.Count));
        Assert.Equal(1000m, pipeline.Sum(r => r.Amount));
    }

    [Fact]
    public async Task Forecast_SumsTheQuarterPerCategoryAndOwner_WithQuotaAttainment()
    {
        await using var fx = await SalesFixture.StartAsync();
        var (alice, _) = await fx.UserAsync("alice", SystemRoles.SalesRep);
        var (bob, _) = await fx.UserAsync("bob", SystemRoles.SalesRep);
        var q1 = new DateOnly(2026, 2, 15);
        await fx.OpportunityAsync("A1", 1000m, closeDate: q1, owner: alice);                       // pipeline 10 %
        await fx.OpportunityAsync("A2", 2000m, stage: "negotiation", closeDate: q1, owner: alice); // commit 75 %
        var a3 = await fx.OpportunityAsync("A3", 4000m, closeDate: new DateOnly(2026, 3, 31), owner: alice);
        await fx.Sales.WinAsync(a3.Id, "signed");                                                     // closed 100 %
        var b1 = await fx.OpportunityAsync("B1", 500m, stage: "proposal", closeDate: q1, owner: bob); // best case 50 %
        var b2 = await fx.OpportunityAsync("B2", 800m, closeDate: q1, owner: bob);
        await fx.Sales.LoseAsync(b2.Id, "price");                                                     // omitted
        await fx.OpportunityAsync("Next quarter", 7000m, closeDate: new DateOnly(2026, 4, 1), owner: alice);
        await fx.Sales.SetQuotaAsync(alice, 2026, 1, 8000m);
        await fx.Sales.SetQuotaAsync(alice, 2026, 1, 10000m);
        await fx.Sales.SetQuotaAsync(bob, 2026, 2, 1m);

        var forecast = await fx.Sales.ForecastAsync(2026, 1);

        Assert.Equal(new ForecastAmounts(1000m, 500m, 2000m, 4000m, 800m, 100m + 1500m + 4000m + 250m), forecast.Total);
        var aliceLine = forecast.ByOwner.Single(l => l.Key == alice.ToString());
        Assert.Equal("ALICE", aliceLine.Name);
        Assert.Equal(new ForecastAmounts(1000m, 0m, 2000m, 4000m, 0m, 5600m), aliceLine.Amounts);
        Assert.Equal(10000m, aliceLine.Quota);
        Assert.Equal(40.0m, aliceLine.Attainment);
        var bobLine = forecast.ByOwner.Single(l => l.Key == bob.ToString());
        Assert.Null(bobLine.Quota);
        Assert.Null(bobLine.Attainment);
        Assert.Equal(2, forecast.ByOwner.Count);
        _ = b1;
    }

    [Fact]
    public async Task Forecast_ByTerritory_UsesTerritoryQuotas()
    {
        await using var fx = await SalesFixture.StartAsync();
        var (alice, _) = await fx.UserAsync("alice", SystemRoles.SalesRep);
        var deal = await fx.OpportunityAsync("North deal", 3000m, closeDate: new DateOnly(2026, 5, 1), owner: alice, territory: "North");
        await fx.Sales.WinAsync(deal.Id, "signed");
        await fx.Sales.SetQuotaAsync(alice, 2026, 2, 6000m, territory: "North");

        var forecast = await fx.Sales.ForecastAsync(2026, 2);

        var north = Assert.Single(forecast.ByTerritory);
        Assert.Equal(("North", 6000m, 50.0m), (north.Name, north.Quota!.Value, north.Attainment!.Value));
        Assert.Null(forecast.ByOwner.Single().Quota);
    }

    [Fact]
    public async Task Forecast_WithABadQuarter_IsRejectedNamingIt()
    {
        await using var fx = await SalesFixture.StartAsync();

        var error = await Assert.ThrowsAsync<CrmValidationException>(() => fx.Sales.ForecastAsync(2026, 5));

        Assert.Equal("quarter", Assert.Single(error.Errors).Field);
    }

    [Fact]
    public async Task SetQuota_NeedsCustomize_AndAKnownUser()
    {
        await using var fx = await SalesFixture.StartAsync();
        var (repId, rep) = await fx.UserAsync("rep", SystemRoles.SalesRep);

        await Assert.ThrowsAsync<CrmAccessDeniedException>(() => fx.For(rep).SetQuotaAsync(repId, 2026, 1, 1_000_000m));
        var error = await Assert.ThrowsAsync<CrmValidationException>(() => fx.Sales.SetQuotaAsync(Guid.NewGuid(), 2026, 1, 1m));
        Assert.Equal(SalesQuotaFields.UserId, Assert.Single(error.Errors).Field);
        Assert.Equal(0, await fx.CountAsync(SalesEntities.SalesQuota));
    }

    [Fact]
    public async Task Forecast_AsARep_ShowsOnlyTheirOpportunitiesAndQuota()
    {
        await using var fx = await SalesFixture.StartAsync();
        var (alice, aliceTenant) = await fx.UserAsync("alice", SystemRoles.SalesRep);
        var (bob, _) = await fx.UserAsync("bob", SystemRoles.SalesRep);
        await fx.OpportunityAsync("Alice's", 1000m, closeDate: new DateOnly(2026, 1, 20), owner: alice);
        await fx.OpportunityAsync("Bob's", 5000m, closeDate: new DateOnly(2026, 1, 20), owner: bob);
        await fx.Sales.SetQuotaAsync(alice, 2026, 1, 2000m);
        await fx.Sales.SetQuotaAsync(bob, 2026, 1, 9000m);

        var forecast = await fx.For(aliceTenant).ForecastAsync(2026, 1);

        var line = Assert.Single(forecast.ByOwner);
        Assert.Equal((alice.ToString(), (decimal?)2000m), (line.Key, line.Quota));
        Assert.Equal(1000m, forecast.Total.Pipeline);
    }
}
