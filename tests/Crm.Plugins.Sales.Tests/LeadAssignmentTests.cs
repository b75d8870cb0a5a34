using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Security;
using Crm.Engine.Abstractions.Work;

namespace Crm.Plugins.Sales.Tests;

public sealed class LeadAssignmentTests
{
    [Fact]
    public async Task SetAssignmentRules_AreReadBackInOrder()
    {
        await using var fx = await SalesFixture.StartAsync();
        var (alice, _) = await fx.UserAsync("alice", SystemRoles.SalesRep);
        await fx.Work.Queues.CreateQueueAsync("inside-sales", AssignmentStrategy.RoundRobin);
        LeadAssignmentRule[] rules =
        [
            new("German web leads", [AssignmentCondition.EqualTo(LeadFields.Source, "web"), AssignmentCondition.Contains(LeadFields.Email, ".de")], UserId: alice),
            new("Everything else", [], Queue: "inside-sales"),
        ];

        await fx.Sales.SetAssignmentRulesAsync(rules);

        var stored = await fx.Sales.GetAssignmentRulesAsync();
        Assert.Equal(["German web leads", "Everything else"], stored.Select(r => r.Name));
        Assert.Equal(rules[0].Conditions, stored[0].Conditions, (a, b) => a.Field == b.Field && a.Operator == b.Operator && a.Values.SequenceEqual(b.Values));
        Assert.Equal(alice, stored[0].UserId);
        Assert.Equal("inside-sales", stored[1].Queue);
    }

    [Fact]
    public async Task SetAssignmentRules_WithAnUnknownField_IsRejectedNamingTheRuleAndTheField()
    {
        await using var fx = await SalesFixture.StartAsync();
        var (alice, _) = await fx.UserAsync("alice", SystemRoles.SalesRep);

        var error = await Assert.ThrowsAsync<CrmValidationException>(() => fx.Sales.SetAssignmentRulesAsync(
        [
            new("Fine", [AssignmentCondition.IsEmpty(LeadFields.Company)], UserId: alice),
            new("By country", [AssignmentCondition.EqualTo("country", "DE")], UserId: alice),
        ]));

        var single = Assert.Single(error.Errors);
        Assert.Equal("country", single.Field);
        Assert.Contains("rule 'By country'", single.Message, StringComparison.Ordinal);
        Assert.Contains("lead has no field 'country'", single.Message, StringComparison.Ordinal);
        Assert.Empty(await fx.Sales.GetAssignmentRulesAsync());
    }

    [Fact]
    public async Task SetAssignmentRules_ReportsEveryProblemOfEveryRule()
    {
        await using var fx = await SalesFixture.StartAsync();

        var error = await Assert.ThrowsAsync<CrmValidationException>(() => fx.Sales.SetAssignmentRulesAsync(
        [
            new("No target", [AssignmentCondition.In(LeadFields.Source)]),
            new("Unknown queue", [new(LeadFields.Source, AssignmentOperator.IsEmpty, ["x"])], Queue: "nowhere"),
            new("No target", [], UserId: Guid.NewGuid()),
        ]));

        Assert.Contains(error.Errors, e => e.Message.Contains("rule 'No target': needs exactly one of a user and a queue", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.Field == LeadFields.Source && e.Message.Contains("takes one or more values, got 0", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.Field == "queue" && e.Message.Contains("rule 'Unknown queue': there is no work queue named 'nowhere'", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.Field == LeadFields.Source && e.Message.Contains("takes no value, got 1", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.Field == "name" && e.Rule == "duplicate");
        Assert.Contains(error.Errors, e => e.Field == "userId" && e.Rule == "not_found");
    }

    [Fact]
    public async Task SetAssignmentRules_AcceptsACustomField()
    {
        await using var fx = await SalesFixture.StartAsync();
        var (alice, _) = await fx.UserAsync("alice", SystemRoles.SalesRep);
        await fx.Tenant.Metadata.AddCustomFieldAsync(SalesEntities.Lead, new FieldDefinition { ApiName = "region_c", Type = FieldType.Text });
        await fx.Sales.SetAssignmentRulesAsync([new("Region", [AssignmentCondition.EqualTo("region_c", "emea")], UserId: alice)]);

        var result = await fx.Sales.CaptureLeadAsync(new LeadCapture { FormFields = new Dictionary<string, string?> { ["Last name"] = "Lovelace", ["Region_C"] = "EMEA" } });

        Assert.Equal(alice, result.Lead.OwnerId);
        Assert.Equal("Region", result.Lead[LeadFields.AssignmentRule]);
    }

    [Fact]
    public async Task SetAssignmentRules_WithoutCustomize_IsDenied()
    {
        await using var fx = await SalesFixture.StartAsync();
        var (alice, rep) = await fx.UserAsync("alice", SystemRoles.SalesRep);

        await Assert.ThrowsAsync<CrmAccessDeniedException>(() => fx.For(rep).SetAssignmentRulesAsync([new("Mine", [], UserId: alice)]));
        Assert.Empty(await fx.Sales.GetAssignmentRulesAsync());
    }

    [Fact]
    public async Task CaptureLead_FirstMatchingRuleWins_AndIsRecordedOnTheLead()
    {
        await using var fx = await SalesFixture.StartAsync();
        var (alice, _) = await fx.UserAsync("alice", SystemRoles.SalesRep);
        var (bob, _) = await fx.UserAsync("bob", SystemRoles.SalesRep);
        await fx.Sales.SetAssignmentRulesAsync(
        [
            new("Referrals", [AssignmentCondition.In(LeadFields.Source, "referral", "partner")], UserId: alice),
            new("Web", [AssignmentCondition.EqualTo(LeadFields.Source, "WEB")], UserId: bob),
            new("Catch-all", [], UserId: bob),
        ]);

        var referral = await fx.Sales.CaptureLeadAsync(new LeadCapture { Source = "partner", Values = new Dictionary<string, object?> { [LeadFields.LastName] = "A" } });
        var web = await fx.Sales.CaptureLeadAsync(new LeadCapture { Origin = LeadOrigin.WebForm, Values = new Dictionary<string, object?> { [LeadFields.LastName] = "B" } });

        Assert.Equal(alice, referral.Lead.OwnerId);
        Assert.Equal(new LeadAssignment("Referrals", alice, null), referral.Assignment);
        Assert.Equal("Referrals", referral.Lead[LeadFields.AssignmentRule]);
        Assert.Equal(bob, web.Lead.OwnerId);
        Assert.Equal("Web", web.Lead[LeadFields.AssignmentRule]);
    }

    [Fact]
    public async Task CaptureLead_WithAnExplicitOwner_DoesNotApplyTheRules()
    {
        await using var fx = await SalesFixture.StartAsync();
        var (alice, _) = await fx.UserAsync("alice", SystemRoles.SalesRep);
        var (bob, _) = await fx.UserAsync("bob", SystemRoles.SalesRep);
        await fx.Sales.SetAssignmentRulesAsync([new("All", [], UserId: alice)]);

        var result = await fx.Sales.CaptureLeadAsync(new LeadCapture { OwnerId = bob, Values = new Dictionary<string, object?> { [LeadFields.LastName] = "A" } });

        Assert.Equal(bob, result.Lead.OwnerId);
        Assert.Equal(LeadAssignment.None, result.Assignment);
        Assert.Null(result.Lead[LeadFields.AssignmentRule]);
    }

    [Fact]
    public async Task CaptureLead_RuleWithAQueue_RoutesTheLeadToTheQueueInTheSameTransaction()
    {
        await using var fx = await SalesFixture.StartAsync();
        var (alice, _) = await fx.UserAsync("alice", SystemRoles.SalesRep);
        var queue = await fx.Work.Queues.CreateQueueAsync("inside-sales", AssignmentStrategy.RoundRobin);
        await fx.Work.Queues.AddMemberAsync(queue.Id, alice);
        await fx.Sales.SetAssignmentRulesAsync([new("No company", [AssignmentCondition.IsEmpty(LeadFields.Company)], Queue: "inside-sales")]);

        var result = await fx.Sales.CaptureLeadAsync(new LeadCapture { Values = new Dictionary<string, object?> { [LeadFields.LastName] = "Lovelace" } });

        Assert.Equal("inside-sales", result.Lead[LeadFields.AssignedQueue]);
        var item = Assert.Single(await fx.Work.Queues.ListItemsAsync(queue.Id));
        Assert.Equal(result.Lead.Id, item.RecordId);
        Assert.Equal(alice, item.AssignedTo);
    }

    [Fact]
    public async Task AssignLead_AppliesTheCurrentRulesToAnExistingLead()
    {
        await using var fx = await SalesFixture.StartAsync();
        var (alice, _) = await fx.UserAsync("alice", SystemRoles.SalesRep);
        var lead = await fx.LeadAsync("Lovelace", company: "Analytical Engines");
        await fx.Sales.SetAssignmentRulesAsync([new("Engines", [AssignmentCondition.Contains(LeadFields.Company, "engine")], UserId: alice)]);

        var assignment = await fx.Sales.AssignLeadAsync(lead.Id);

        Assert.Equal(new LeadAssignment("Engines", alice, null), assignment);
        var stored = await fx.Tenant.Records.GetAsync(SalesEntities.Lead, lead.Id);
        Assert.Equal(alice, stored!.OwnerId);
        Assert.Equal("Engines", stored[LeadFields.AssignmentRule]);
    }

    [Fact]
    public async Task AssignLead_WhenNoRuleMatches_ChangesNothing()
    {
        await using var fx = await SalesFixture.StartAsync();
        var (alice, _) = await fx.UserAsync("alice", SystemRoles.SalesRep);
        var lead = await fx.LeadAsync("Lovelace", company: "Globex");
        await fx.Sales.SetAssignmentRulesAsync([new("Engines", [AssignmentCondition.Contains(LeadFields.Company, "engine")], UserId: alice)]);

        Assert.Equal(LeadAssignment.None, await fx.Sales.AssignLeadAsync(lead.Id));
        Assert.Equal(lead.Version, (await fx.Tenant.Records.GetAsync(SalesEntities.Lead, lead.Id))!.Version);
    }

    [Fact]
    public async Task AssignLead_ToAQueue_RoutesIt()
    {
        await using var fx = await SalesFixture.StartAsync();
        var queue = await fx.Work.Queues.CreateQueueAsync("nurture", AssignmentStrategy.RoundRobin);
        var lead = await fx.LeadAsync("Lovelace");
        await fx.Sales.SetAssignmentRulesAsync([new("All", [AssignmentCondition.EqualTo(LeadFields.Status, LeadStatus.New)], Queue: "nurture")]);

        var assignment = await fx.Sales.AssignLeadAsync(lead.Id);

        Assert.Equal("nurture", assignment.Queue);
        Assert.Equal(lead.Id, Assert.Single(await fx.Work.Queues.ListItemsAsync(queue.Id)).RecordId);
    }

    [Fact]
    public async Task AssignLead_ByAUserWhoMayNotAssign_IsDeniedAndChangesNothing()
    {
        await using var fx = await SalesFixture.StartAsync();
        var (alice, _) = await fx.UserAsync("alice", SystemRoles.SalesRep);
        var (_, reader) = await fx.UserAsync("reader", SystemRoles.ReadOnly);
        var lead = await fx.LeadAsync("Lovelace");
        await fx.Sales.SetAssignmentRulesAsync([new("All", [], UserId: alice)]);

        await Assert.ThrowsAsync<CrmAccessDeniedException>(() => fx.For(reader).AssignLeadAsync(lead.Id));

        var unchanged = await fx.Tenant.Records.GetAsync(SalesEntities.Lead, lead.Id);
        Assert.Equal(lead.Version, unchanged!.Version);
        Assert.Null(unchanged[LeadFields.AssignmentRule]);
    }

    [Fact]
    public async Task CaptureLead_ByARepWhoseRuleGivesTheLeadToSomeoneElse_IsDenied()
    {
        await using var fx = await SalesFixture.StartAsync();
        var (alice, _) = await fx.UserAsync("alice", SystemRoles.SalesRep);
        var (_, rep) = await fx.UserAsync("rep", SystemRoles.SalesRep);
        await fx.Sales.SetAssignmentRulesAsync([new("All", [], UserId: alice)]);

        await Assert.ThrowsAsync<CrmAccessDeniedException>(() =>
            fx.For(rep).CaptureLeadAsync(new LeadCapture { Values = new Dictionary<string, object?> { [LeadFields.LastName] = "Lovelace" } }));

        Assert.Equal(0, await fx.CountAsync(SalesEntities.Lead));
    }
}
