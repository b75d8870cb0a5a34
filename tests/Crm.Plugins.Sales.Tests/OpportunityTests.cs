using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Events;
using Crm.Engine.Abstractions.Security;

namespace Crm.Plugins.Sales.Tests;

public sealed class OpportunityTests
{
    [Fact]
    public async Task NewOpportunity_StartsInTheFirstOpenStage_WithItsProbabilityAndCategory()
    {
        await using var fx = await SalesFixture.StartAsync();

        var opportunity = await fx.OpportunityAsync("Deal");

        Assert.Equal("prospecting", opportunity[OpportunityFields.Stage]);
        Assert.Equal(10m, opportunity[OpportunityFields.Probability]);
        Assert.Equal(ForecastCategories.Pipeline, opportunity[OpportunityFields.ForecastCategory]);
        Assert.Equal(OpportunityStatus.Open, opportunity[OpportunityFields.Status]);
        Assert.Equal(fx.Host.Clock.GetUtcNow(), opportunity[OpportunityFields.StageChangedAt]);
    }

    [Fact]
    public async Task SetStage_SetsProbabilityCategoryAndStamp_AndPublishesTheChange()
    {
        await using var fx = await SalesFixture.StartAsync();
        var opportunity = await fx.OpportunityAsync("Deal");
        var events = new List<OpportunityStageChanged>();
        using var subscription = fx.Host.Engine.Events.Subscribe<OpportunityStageChanged>((e, _) =>
        {
            events.Add(e);
            return Task.CompletedTask;
        });
        fx.Host.Clock.Advance(TimeSpan.FromDays(3));

        var moved = await fx.Sales.SetStageAsync(opportunity.Id, "negotiation");

        Assert.Equal(75m, moved[OpportunityFields.Probability]);
        Assert.Equal(ForecastCategories.Commit, moved[OpportunityFields.ForecastCategory]);
        Assert.Equal(fx.Host.Clock.GetUtcNow(), moved[OpportunityFields.StageChangedAt]);
        var changed = Assert.Single(events);
        Assert.Equal(("prospecting", "negotiation", (decimal?)75m), (changed.PreviousStage, changed.Stage, changed.Probability));
    }

    [Fact]
    public async Task StageChange_WithAGivenProbabilityAndCategory_KeepsThem()
    {
        await using var fx = await SalesFixture.StartAsync();
        var opportunity = await fx.OpportunityAsync("Deal");

        var moved = await fx.Tenant.Records.UpdateAsync(SalesEntities.Opportunity, opportunity.Id, null, new Dictionary<string, object?>
        {
            [OpportunityFields.Stage] = "proposal",
            [OpportunityFields.Probability] = 35m,
            [OpportunityFields.ForecastCategory] = ForecastCategories.Commit,
        });

        Assert.Equal(35m, moved[OpportunityFields.Probability]);
        Assert.Equal(ForecastCategories.Commit, moved[OpportunityFields.ForecastCategory]);
    }

    [Fact]
    public async Task UpdateWithoutStageChange_KeepsTheStageStamp()
    {
        await using var fx = await SalesFixture.StartAsync();
        var opportunity = await fx.OpportunityAsync("Deal");
        fx.Host.Clock.Advance(TimeSpan.FromDays(1));

        var updated = await fx.Tenant.Records.UpdateAsync(SalesEntities.Opportunity, opportunity.Id, null, new Dictionary<string, object?> { [OpportunityFields.Name] = "Bigger deal" });

        Assert.Equal(opportunity[OpportunityFields.StageChangedAt], updated[OpportunityFields.StageChangedAt]);
    }

    [Fact]
    public async Task UnknownStage_IsRejectedListingTheStages()
    {
        await using var fx = await SalesFixture.StartAsync();
        var opportunity = await fx.OpportunityAsync("Deal");

        var error = await Assert.ThrowsAsync<CrmValidationException>(() => fx.Sales.SetStageAsync(opportunity.Id, "handshake"));

        var single = Assert.Single(error.Errors);
        Assert.Equal(OpportunityFields.Stage, single.Field);
        Assert.Contains("'handshake' is not an opportunity stage", single.Message, StringComparison.Ordinal);
        Assert.Contains("prospecting, qualification, proposal, negotiation, closedWon, closedLost", single.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SetStage_ToAClosingStage_PointsToWinOrLose()
    {
        await using var fx = await SalesFixture.StartAsync();
        var opportunity = await fx.OpportunityAsync("Deal");

        var error = await Assert.ThrowsAsync<CrmValidationException>(() => fx.Sales.SetStageAsync(opportunity.Id, "closedWon"));

        Assert.Contains("WinAsync or LoseAsync", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Win_SetsTheWonStageStatusAndCloseDate_AndPublishesWon()
    {
        await using var fx = await SalesFixture.StartAsync();
        var opportunity = await fx.OpportunityAsync("Deal", amount: 5000m);
        var won = new List<OpportunityWon>();
        using var subscription = fx.Host.Engine.Events.Subscribe<OpportunityWon>((e, _) =>
        {
            won.Add(e);
            return Task.CompletedTask;
        });

        var closed = await fx.Sales.WinAsync(opportunity.Id, "best price");

        Assert.Equal("closedWon", closed[OpportunityFields.Stage]);
        Assert.Equal(OpportunityStatus.Won, closed[OpportunityFields.Status]);
        Assert.Equal(100m, closed[OpportunityFields.Probability]);
        Assert.Equal(ForecastCategories.Closed, closed[OpportunityFields.ForecastCategory]);
        Assert.Equal("best price", closed[OpportunityFields.CloseReason]);
        Assert.Equal(fx.Host.Clock.GetUtcNow(), closed[OpportunityFields.ClosedAt]);
        Assert.Equal(DateOnly.FromDateTime(fx.Host.Clock.GetUtcNow().UtcDateTime), closed[OpportunityFields.CloseDate]);
        Assert.Equal("best price", Assert.Single(won).Reason);
    }

    [Fact]
    public async Task Lose_PublishesLost_AndAClosedOpportunityCannotBeClosedAgain()
    {
        await using var fx = await SalesFixture.StartAsync();
        var opportunity = await fx.OpportunityAsync("Deal");
        var lost = new List<OpportunityLost>();
        using var subscription = fx.Host.Engine.Events.Subscribe<OpportunityLost>((e, _) =>
        {
            lost.Add(e);
            return Task.CompletedTask;
        });

        var closed = await fx.Sales.LoseAsync(opportunity.Id, "went with a competitor");

        Assert.Equal(OpportunityStatus.Lost, closed[OpportunityFields.Status]);
        Assert.Equal(ForecastCategories.Omitted, closed[OpportunityFields.ForecastCategory]);
        Assert.Equal("went with a competitor", Assert.Single(lost).Reason);
        await Assert.ThrowsAsync<CrmOperationRejectedException>(() => fx.Sales.WinAsync(opportunity.Id, "changed their mind"));
    }

    [Fact]
    public async Task WinOrLose_WithoutAReason_IsRejectedNamingTheField()
    {
        await using var fx = await SalesFixture.StartAsync();
        var opportunity = await fx.OpportunityAsync("Deal");

        var viaApi = await Assert.ThrowsAsync<CrmValidationException>(() => fx.Sales.LoseAsync(opportunity.Id, " "));
        var viaRecords = await Assert.ThrowsAsync<CrmValidationException>(() =>
            fx.Tenant.Records.UpdateAsync(SalesEntities.Opportunity, opportunity.Id, null, new Dictionary<string, object?> { [OpportunityFields.Stage] = "closedWon" }));

        Assert.Equal(OpportunityFields.CloseReason, Assert.Single(viaApi.Errors).Field);
        Assert.Equal(OpportunityFields.CloseReason, Assert.Single(viaRecords.Errors).Field);
    }

    [Fact]
    public async Task Reopening_AClosedOpportunity_ClearsClosedAt()
    {
        await using var fx = await SalesFixture.StartAsync();
        var opportunity = await fx.OpportunityAsync("Deal");
        await fx.Sales.LoseAsync(opportunity.Id, "timing");

        var reopened = await fx.Sales.SetStageAsync(opportunity.Id, "qualification");

        Assert.Equal(OpportunityStatus.Open, reopened[OpportunityFields.Status]);
        Assert.Null(reopened[OpportunityFields.ClosedAt]);
    }

    [Fact]
    public async Task CustomStages_ReplaceTheDefaults()
    {
        await using var fx = await SalesFixture.StartAsync();
        await fx.Sales.SetStagesAsync(
        [
            new("discovery", 15, ForecastCategories.Pipeline),
            new("demo", 40, ForecastCategories.BestCase),
            new("signed", 100, ForecastCategories.Closed, StageOutcome.Won),
            new("dead", 0, ForecastCategories.Omitted, StageOutcome.Lost),
        ]);

        var opportunity = await fx.OpportunityAsync("Deal");
        var demo = await fx.Sales.SetStageAsync(opportunity.Id, "demo");
        var won = await fx.Sales.WinAsync(opportunity.Id, "great demo");

        Assert.Equal("discovery", opportunity[OpportunityFields.Stage]);
        Assert.Equal(40m, demo[OpportunityFields.Probability]);
        Assert.Equal("signed", won[OpportunityFields.Stage]);
        Assert.Equal(["discovery", "demo", "signed", "dead"], (await fx.Sales.GetStagesAsync()).Select(s => s.Name));
        await Assert.ThrowsAsync<CrmValidationException>(() => fx.Sales.SetStageAsync(opportunity.Id, "negotiation"));
    }

    [Fact]
    public async Task SetStages_Invalid_IsRejectedNamingTheStageAndField()
    {
        await using var fx = await SalesFixture.StartAsync();

        var error = await Assert.ThrowsAsync<CrmValidationException>(() => fx.Sales.SetStagesAsync(
        [
            new("discovery", 150, ForecastCategories.Pipeline),
            new("demo", 40, "maybe"),
            new("demo", 40, ForecastCategories.BestCase),
        ]));

        Assert.Contains(error.Errors, e => e.Field == "probability" && e.Message.StartsWith("stage 'discovery'", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.Field == "forecastCategory" && e.Message.StartsWith("stage 'demo'", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.Field == "name" && e.Rule == "duplicate");
        Assert.Contains(error.Errors, e => e.Field == "outcome");
        Assert.Equal(SalesStage.Defaults, await fx.Sales.GetStagesAsync());
    }

    [Fact]
    public async Task SetStages_WithoutCustomize_IsDenied()
    {
        await using var fx = await SalesFixture.StartAsync();
        var (_, manager) = await fx.UserAsync("manager", SystemRoles.SalesManager);

        await Assert.ThrowsAsync<CrmAccessDeniedException>(() => fx.For(manager).SetStagesAsync(SalesStage.Defaults));
    }

    [Fact]
    public async Task Lines_MakeTheAmount_AndTheAmountCannotBeSetBesideThem()
    {
        await using var fx = await SalesFixture.StartAsync();
        var opportunity = await fx.OpportunityAsync("Deal", amount: 999m);

        var line = await fx.Sales.AddLineAsync(opportunity.Id, new OpportunityLineInput("Widget", 10, 100m, Discount: 10, Sku: "W-1"));
        await fx.Sales.AddLineAsync(opportunity.Id, new OpportunityLineInput("Service", 1, 250.50m));

        Assert.Equal(900m, line[OpportunityLineFields.Amount]);
        Assert.Equal(1150.50m, (await fx.Tenant.Records.GetAsync(SalesEntities.Opportunity, opportunity.Id))![OpportunityFields.Amount]);

        await fx.Tenant.Records.UpdateAsync(SalesEntities.OpportunityLine, line.Id, null, new Dictionary<string, object?> { [OpportunityLineFields.Quantity] = 20m });
        Assert.Equal(2050.50m, (await fx.Tenant.Records.GetAsync(SalesEntities.Opportunity, opportunity.Id))![OpportunityFields.Amount]);

        var error = await Assert.ThrowsAsync<CrmValidationException>(() =>
            fx.Tenant.Records.UpdateAsync(SalesEntities.Opportunity, opportunity.Id, null, new Dictionary<string, object?> { [OpportunityFields.Amount] = 1m }));
        Assert.Equal(OpportunityFields.Amount, Assert.Single(error.Errors).Field);

        await fx.Tenant.Records.DeleteAsync(SalesEntities.OpportunityLine, line.Id);
        Assert.Equal(250.50m, (await fx.Tenant.Records.GetAsync(SalesEntities.Opportunity, opportunity.Id))![OpportunityFields.Amount]);
    }

    [Fact]
    public async Task Line_CannotMoveToAnotherOpportunity()
    {
        await using var fx = await SalesFixture.StartAsync();
        var first = await fx.OpportunityAsync("First");
        var second = await fx.OpportunityAsync("Second");
        var line = await fx.Sales.AddLineAsync(first.Id, new OpportunityLineInput("Widget", 1, 10m));

        var error = await Assert.ThrowsAsync<CrmValidationException>(() =>
            fx.Tenant.Records.UpdateAsync(SalesEntities.OpportunityLine, line.Id, null, new Dictionary<string, object?> { [OpportunityLineFields.OpportunityId] = second.Id }));

        Assert.Equal(OpportunityLineFields.OpportunityId, Assert.Single(error.Errors).Field);
    }

    [Fact]
    public async Task ContactRoles_AreRecorded_AndAnUnknownRoleIsRejected()
    {
        await using var fx = await SalesFixture.StartAsync();
        var opportunity = await fx.OpportunityAsync("Deal");
        var contact = await fx.Tenant.Contacts.CreateAsync(new NewContact("Ada", "Lovelace"));

        var role = await fx.Sales.AddContactRoleAsync(opportunity.Id, contact.Id, ContactRoles.DecisionMaker);
        var error = await Assert.ThrowsAsync<CrmValidationException>(() => fx.Sales.AddContactRoleAsync(opportunity.Id, contact.Id, "boss"));

        Assert.Equal(ContactRoles.DecisionMaker, role[OpportunityContactRoleFields.Role]);
        Assert.Equal(OpportunityContactRoleFields.Role, Assert.Single(error.Errors).Field);
    }

    [Fact]
    public async Task SetStage_OnAnOpportunityTheUserCannotRead_IsNotFound()
    {
        await using var fx = await SalesFixture.StartAsync();
        var opportunity = await fx.OpportunityAsync("Deal");
        var (_, rep) = await fx.UserAsync("rep", SystemRoles.SalesRep);

        await Assert.ThrowsAsync<CrmNotFoundException>(() => fx.For(rep).SetStageAsync(opportunity.Id, "proposal"));
        await Assert.ThrowsAsync<CrmNotFoundException>(() => fx.For(rep).WinAsync(opportunity.Id, "mine now"));
    }

    [Fact]
    public async Task StageEvents_AreNotPublished_WhenTheWriteFails()
    {
        await using var fx = await SalesFixture.StartAsync();
        var opportunity = await fx.OpportunityAsync("Deal");
        var events = new List<IDomainEvent>();
        using var subscription = fx.Host.Engine.Events.Subscribe<IDomainEvent>((e, _) =>
        {
            events.Add(e);
            return Task.CompletedTask;
        });

        await Assert.ThrowsAsync<CrmConcurrencyException>(() =>
            fx.Tenant.Records.UpdateAsync(SalesEntities.Opportunity, opportunity.Id, opportunity.Version + 5, new Dictionary<string, object?> { [OpportunityFields.Stage] = "proposal" }));

        Assert.Empty(events);
    }
}
