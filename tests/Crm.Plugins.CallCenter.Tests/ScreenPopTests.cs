using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Testing;
using Crm.Plugins.Service;
using static Crm.Plugins.CallCenter.Tests.CallCenterFixture;

namespace Crm.Plugins.CallCenter.Tests;

public sealed class ScreenPopTests
{
    [Fact]
    public async Task ReceiveInbound_KnownCaller_PopShowsCustomerRecentOrdersWithLinesOpenCasesAndTimeline()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var (acme, ann) = await CustomerAsync(crm, "Acme", "+49 30 1234567");
        var (other, _) = await CustomerAsync(crm, "Other", "+49 89 7777777");
        var start = CrmTestHost.DefaultStart;
        var oldest = await OrderAsync(crm, acme.Id, start.AddDays(-30));
        var newest = await OrderAsync(crm, acme.Id, start.AddDays(-2));
        var middle = await OrderAsync(crm, acme.Id, start.AddDays(-10));
        await OrderAsync(crm, other.Id, start.AddDays(-1));
        await OrderLineAsync(crm, newest, 2, "Kettle lid", "SN-002", new DateOnly(2026, 1, 3));
        await OrderLineAsync(crm, newest, 1, "Kettle", "SN-001", new DateOnly(2026, 1, 2));
        await OrderLineAsync(crm, middle, 1, "Toaster", "SN-100", new DateOnly(2025, 12, 28));
        await OrderLineAsync(crm, oldest, 1, "Mixer", "SN-900", new DateOnly(2025, 12, 6));
        var due = start.AddHours(48);
        var olderOpen = await CaseAsync(crm, acme.Id, "Invoice question", CaseStatus.New);
        host.Clock.Advance(TimeSpan.FromMinutes(1));
        var openInProgress = await CaseAsync(crm, acme.Id, "Late delivery", CaseStatus.InProgress);
        var laterDue = await CaseAsync(crm, acme.Id, "Scratched toaster", CaseStatus.Planned, CasePriority.General, due.AddDays(3));
        var openNew = await CaseAsync(crm, acme.Id, "Kettle leaks", CaseStatus.New, CasePriority.Urgent, due);
        await CaseAsync(crm, acme.Id, "Resolved one", CaseStatus.Resolved);
        await CaseAsync(crm, acme.Id, "Closed one", CaseStatus.Closed);
        await CaseAsync(crm, acme.Id, "Cancelled one", CaseStatus.Cancelled);
        await CaseAsync(crm, other.Id, "Not Acme's", CaseStatus.New);
        var note = await crm.Activities.LogAsync(new NewActivity(ActivityTypes.Note, "Prefers e-mail", new RecordRef(CoreEntities.Account, acme.Id)));

        var pop = await host.Calls(crm).ReceiveInboundAsync(new InboundCall("030-1234567", "+49 800 555000"), new ScreenPopOptions { RecentOrders = 2 });

        Assert.True(pop.IsKnownCaller);
        Assert.Equal("030-1234567", pop.Number);
        Assert.Equal(CallStatus.Ringing, pop.Status);
        Assert.Equal(acme.Id, pop.Account!.Id);
        Assert.Equal(ann.Id, pop.Contact!.Id);
        Assert.Equal([newest.Id, middle.Id], pop.RecentOrders.Select(o => o.Id));
        Assert.Equal(newest[CommerceOrderNumber], pop.RecentOrders[0].OrderNumber);
        Assert.Equal(["Kettle", "Kettle lid"], pop.RecentOrders[0].Lines.Select(l => l.ProductName));
        Assert.Equal(("SN-001", new DateOnly(2026, 1, 2)), (pop.RecentOrders[0].Lines[0].SerialNumber, pop.RecentOrders[0].Lines[0].ShipDate));
        Assert.Equal(["Toaster"], pop.RecentOrders[1].Lines.Select(l => l.ProductName));
        Assert.Equal([openNew.Id, laterDue.Id, openInProgress.Id, olderOpen.Id], pop.OpenCases.Select(c => c.Id));
        var urgent = pop.OpenCases.Single(c => c.Id == openNew.Id);
        Assert.Equal((openNew[CaseFields.CaseNumber], "Kettle leaks", CasePriority.Urgent, CaseStatus.New, (DateTimeOffset?)due), (urgent.CaseNumber, urgent.Subject, urgent.Priority, urgent.Status, urgent.SlaDueAt));
        Assert.Contains(pop.LastInteractions, a => a.Id == note.Id);

        var call = await crm.Records.GetAsync(CallCenterEntities.Call, pop.CallId);
        Assert.Equal((acme.Id, ann.Id, CallDirection.Inbound, 1m), (call![CallFields.AccountId], call[CallFields.ContactId], call[CallFields.Direction], call[CallFields.MatchCount]));
        Assert.Equal(host.Clock.GetUtcNow(), call[CallFields.ReceivedAt]);
    }

    private const string CommerceOrderNumber = Commerce.OrderFields.OrderNumber;

    [Theory]
    [InlineData("030-1234567")]
    [InlineData("0049301234567")]
    [InlineData("+49 30 1234567")]
    [InlineData("+49 (30) 123-4567")]
    [InlineData("0030 1234567")]
    public async Task ReceiveInbound_NumberInAnotherNotation_FindsTheStoredContact(string dialled)
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var (_, ann) = await CustomerAsync(crm, "Acme", "+49 30 1234567");

        var pop = await host.Calls(crm).ReceiveInboundAsync(new InboundCall(dialled, null));

        Assert.Equal(ann.Id, pop.Contact?.Id);
    }

    [Theory]
    [InlineData("030-1234568")]
    [InlineData("+49 30 7654321")]
    public async Task ReceiveInbound_DifferentNumber_IsAnUnknownCaller(string dialled)
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        await CustomerAsync(crm, "Acme", "+49 30 1234567");

        var pop = await host.Calls(crm).ReceiveInboundAsync(new InboundCall(dialled, null));

        Assert.False(pop.IsKnownCaller);
    }

    [Fact]
    public async Task ReceiveInbound_UnknownCaller_PopHasOnlyTheNumberAndTheCallIsRecorded()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        await CustomerAsync(crm, "Acme", "+49 30 1234567");

        var pop = await host.Calls(crm).ReceiveInboundAsync(new InboundCall("+44 20 7946 0000", "+49 800 555000") { ExternalCallId = "ext-1" });

        Assert.False(pop.IsKnownCaller);
        Assert.Equal("+44 20 7946 0000", pop.Number);
        Assert.Null(pop.Account);
        Assert.Null(pop.Contact);
        Assert.Null(pop.BestMatch);
        Assert.Empty(pop.Matches);
        Assert.Empty(pop.RecentOrders);
        Assert.Empty(pop.OpenCases);
        Assert.Empty(pop.LastInteractions);
        var call = await host.Calls(crm).FindByExternalIdAsync("ext-1");
        Assert.Equal(pop.CallId, call!.Id);
        Assert.Null(call[CallFields.AccountId]);
        Assert.Equal(("+44 20 7946 0000", "+49 800 555000", 0m), (call[CallFields.FromNumber], call[CallFields.ToNumber], call[CallFields.MatchCount]));
    }

    [Fact]
    public async Task ReceiveInbound_WithheldNumber_IsRecordedAsAnUnknownCaller()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();

        var pop = await host.Calls(crm).ReceiveInboundAsync(new InboundCall(null, "+49 800 555000"));

        Assert.False(pop.IsKnownCaller);
        Assert.Null(pop.Number);
        Assert.Equal("Inbound call (number withheld)", (await crm.Records.GetAsync(CallCenterEntities.Call, pop.CallId))![CallFields.Subject]);
    }

    [Fact]
    public async Task ReceiveInbound_NotATelephoneNumber_IsRefusedNamingTheField()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => host.Calls(crm).ReceiveInboundAsync(new InboundCall("anonymous", null)));

        var error = Assert.Single(ex.Errors);
        Assert.Equal((CallCenterEntities.Call, CallFields.FromNumber), (error.EntityType, error.Field));
        Assert.Equal(0, await crm.Records.CountAsync(RecordQuery.For(CallCenterEntities.Call)));
    }

    [Fact]
    public async Task ReceiveInbound_SeveralMatches_ListsAllAndPicksTheContactWithAnAccount()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        // A contact without account ("Aaron", first by name), a contact of Beta, and the account Beta itself share the number.
        var loose = await crm.Contacts.CreateAsync(new NewContact("Aaron", "Able") { Phone = "+49 30 5550000" });
        var beta = await crm.Accounts.CreateAsync(new NewAccount("Beta") { Phone = "030 5550000" });
        var bob = await crm.Contacts.CreateAsync(new NewContact("Bob", "Brown") { AccountId = beta.Id, Phone = "+49 30 5550000" });

        var pop = await host.Calls(crm).ReceiveInboundAsync(new InboundCall("+49 30 5550000", null));

        // The core's ranking: exact numbers (the two contacts, by name) before the account's "030 ..." (same last digits).
        Assert.Equal([loose.Id, bob.Id, beta.Id], pop.Matches.Select(m => m.Id));
        Assert.Equal([null, beta.Id, beta.Id], pop.Matches.Select(m => m.AccountId));
        Assert.Equal(bob.Id, pop.BestMatch!.Id);
        Assert.Equal((beta.Id, bob.Id), (pop.Account!.Id, pop.Contact!.Id));
        Assert.Equal(3m, (await crm.Records.GetAsync(CallCenterEntities.Call, pop.CallId))![CallFields.MatchCount]);
    }

    [Fact]
    public async Task ReceiveInbound_OnlyAnAccountHasTheNumber_PopShowsTheAccountWithoutContact()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var beta = await crm.Accounts.CreateAsync(new NewAccount("Beta") { Phone = "+49 40 1112223" });
        await OrderAsync(crm, beta.Id, CrmTestHost.DefaultStart.AddDays(-1));

        var pop = await host.Calls(crm).ReceiveInboundAsync(new InboundCall("040 1112223", null));

        Assert.Equal(beta.Id, pop.Account!.Id);
        Assert.Null(pop.Contact);
        Assert.Single(pop.RecentOrders);
    }

    [Fact]
    public async Task GetScreenPop_AgentWithoutReadAccessToTheCustomer_GetsOnlyTheNumber()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var (acme, _) = await CustomerAsync(crm, "Acme", "+49 30 1234567");
        await OrderAsync(crm, acme.Id, CrmTestHost.DefaultStart.AddDays(-1));
        await CaseAsync(crm, acme.Id, "Kettle leaks", CaseStatus.New);
        await crm.Security.SaveRoleAsync(new Crm.Engine.Abstractions.Security.SecurityRole("phone-only", "Phone only")
        {
            Privileges =
            [
                new(CallCenterEntities.Call, Crm.Engine.Abstractions.Security.RecordPrivilege.Create, Crm.Engine.Abstractions.Security.AccessDepth.Tenant),
                new(CallCenterEntities.Call, Crm.Engine.Abstractions.Security.RecordPrivilege.Read, Crm.Engine.Abstractions.Security.AccessDepth.Tenant),
                new(CallCenterEntities.Call, Crm.Engine.Abstractions.Security.RecordPrivilege.Write, Crm.Engine.Abstractions.Security.AccessDepth.Tenant),
            ],
        });
        var agent = await crm.Organization.CreateUserAsync(new Crm.Engine.Abstractions.Organization.NewUser("agent", "Agent"));
        await crm.Security.GrantRoleAsync(Crm.Engine.Abstractions.Security.SecurityPrincipal.User(agent.Id), "phone-only");
        var nobody = await crm.Organization.CreateUserAsync(new Crm.Engine.Abstractions.Organization.NewUser("nobody", "Nobody"));
        var received = await host.Calls(crm).ReceiveInboundAsync(new InboundCall("+49 30 1234567", null));
        Assert.True(received.IsKnownCaller);

        var asAgent = host.Calls(crm.AsUser(agent.Id));
        var pop = await asAgent.GetScreenPopAsync(received.CallId);
        var ownCall = await asAgent.ReceiveInboundAsync(new InboundCall("+49 30 1234567", null));

        foreach (var p in new[] { pop, ownCall })
        {
            Assert.False(p.IsKnownCaller);
            Assert.Equal("+49 30 1234567", p.Number);
            Assert.Empty(p.Matches);
            Assert.Empty(p.RecentOrders);
            Assert.Empty(p.OpenCases);
            Assert.Empty(p.LastInteractions);
        }

        Assert.Null((await crm.Records.GetAsync(CallCenterEntities.Call, ownCall.CallId))![CallFields.AccountId]);
        await Assert.ThrowsAsync<CrmNotFoundException>(() => host.Calls(crm.AsUser(nobody.Id)).GetScreenPopAsync(received.CallId));
    }
}
