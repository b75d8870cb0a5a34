using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Testing;
using static Crm.Plugins.CallCenter.Tests.CallCenterFixture;

namespace Crm.Plugins.CallCenter.Tests;

public sealed class CallListTests
{
    [Fact]
    public async Task BuildCallList_SkipsDoNotCallNoNumberUnknownAndDuplicates_ReportingEachReason()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var acme = await crm.Accounts.CreateAsync(new NewAccount("Acme"));
        var ann = await crm.Contacts.CreateAsync(new NewContact("Ann", "Able") { AccountId = acme.Id, Phone = "+49 30 1000001" });
        var dora = await crm.Contacts.CreateAsync(new NewContact("Dora", "Nocall") { Phone = "+49 30 1000002", Fields = V((ContactFields.DoNotCall, true)) });
        var noel = await crm.Contacts.CreateAsync(new NewContact("Noel", "Nophone"));
        var mo = await crm.Contacts.CreateAsync(new NewContact("Mo", "Mobile") { MobilePhone = "+49 170 1000003" });
        var ghost = Guid.NewGuid();

        var result = await host.Calls(crm).BuildCallListAsync(new NewCallList("Winter promo") { Campaign = "winter-2026", CallerLine = "+49 800 555000", MaxAttempts = 2 }, [ann.Id, dora.Id, noel.Id, ann.Id, ghost, mo.Id]);

        Assert.Equal([ann.Id, mo.Id], result.Items.Select(i => i[CallListItemFields.ContactId]));
        Assert.Equal(["+49 30 1000001", "+49 170 1000003"], result.Items.Select(i => i[CallListItemFields.Phone]));
        Assert.Equal([1m, 2m], result.Items.Select(i => i[CallListItemFields.Position]));
        Assert.All(result.Items, i => Assert.Equal((CallListItemStatus.Pending, 0m, (object?)result.CallList.Id), (i[CallListItemFields.Status], i[CallListItemFields.Attempts], i[CallListItemFields.CallListId])));
        Assert.Equal(acme.Id, result.Items[0][CallListItemFields.AccountId]);
        Assert.Equal(
            [(dora.Id, SkipReason.DoNotCall), (noel.Id, SkipReason.NoPhoneNumber), (ann.Id, SkipReason.Duplicate), (ghost, SkipReason.NotFound)],
            result.Skipped.Select(s => (s.ContactId, s.Reason)));
        Assert.Contains("Dora Nocall", result.Skipped[0].Message, StringComparison.Ordinal);
        Assert.Equal(("winter-2026", CallListStatus.Active, 2m), (result.CallList[CallListFields.Campaign], result.CallList[CallListFields.Status], result.CallList[CallListFields.MaxAttempts]));
    }

    [Fact]
    public async Task NextCallAndOutcome_RetryUntilMaxAttempts_ReachedIsDone_AndTheListCompletes()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var acme = await crm.Accounts.CreateAsync(new NewAccount("Acme"));
        var ann = await crm.Contacts.CreateAsync(new NewContact("Ann", "Able") { AccountId = acme.Id, Phone = "+49 30 1000001" });
        var bob = await crm.Contacts.CreateAsync(new NewContact("Bob", "Busy") { Phone = "+49 30 1000002" });
        var calls = host.Calls(crm);
        var list = (await calls.BuildCallListAsync(new NewCallList("Promo") { CallerLine = "+49 800 555000", MaxAttempts = 2 }, [ann.Id, bob.Id])).CallList;

        var first = await calls.NextCallAsync(list.Id, "agent-7");
        Assert.Equal((ann.Id, CallListItemStatus.InProgress, 1m), (first!.Item[CallListItemFields.ContactId], first.Item[CallListItemFields.Status], first.Item[CallListItemFields.Attempts]));
        Assert.Equal(
            (CallDirection.Outbound, CallStatus.Ringing, "+49 30 1000001", "+49 800 555000", (object?)ann.Id, (object?)acme.Id, (object?)first.Item.Id),
            (first.Call[CallFields.Direction], first.Call[CallFields.Status], first.Call[CallFields.ToNumber], first.Call[CallFields.FromNumber], first.Call[CallFields.ContactId], first.Call[CallFields.AccountId], first.Call[CallFields.CallListItemId]));
        await calls.AnswerAsync(first.Call.Id, "agent-7");
        host.Clock.Advance(TimeSpan.FromSeconds(200));
        var reached = await calls.RecordOutcomeAsync(first.Item.Id, CallOutcome.Reached, "Interested");
        Assert.Equal((CallListItemStatus.Done, CallOutcome.Reached), (reached[CallListItemFields.Status], reached[CallListItemFields.Outcome]));
        var annCall = await crm.Records.GetAsync(CallCenterEntities.Call, first.Call.Id);
        Assert.Equal((CallStatus.Completed, 200m), (annCall![CallFields.Status], annCall[CallFields.TalkSeconds]));
        var logged = Assert.Single((await crm.Activities.GetTimelineAsync(acme.Id)).Records);
        Assert.Equal(("Outbound call to +49 30 1000001", "outbound", 4m), (logged[ActivityFields.Subject], logged[ActivityFields.Direction], logged[ActivityFields.DurationMinutes]));

        var second = await calls.NextCallAsync(list.Id, "agent-7");
        var busy = await calls.RecordOutcomeAsync(second!.Item.Id, CallOutcome.Busy);
        Assert.Equal((bob.Id, CallListItemStatus.Pending, 1m), (busy[CallListItemFields.ContactId], busy[CallListItemFields.Status], busy[CallListItemFields.Attempts]));
        Assert.Equal(CallStatus.Completed, (await crm.Records.GetAsync(CallCenterEntities.Call, second.Call.Id))![CallFields.Status]);
        var retry = await calls.NextCallAsync(list.Id, "agent-8");
        var failed = await calls.RecordOutcomeAsync(retry!.Item.Id, CallOutcome.NoAnswer);
        Assert.Equal((CallListItemStatus.Failed, 2m, "agent-8"), (failed[CallListItemFields.Status], failed[CallListItemFields.Attempts], failed[CallListItemFields.AgentUserId]));

        Assert.Null(await calls.NextCallAsync(list.Id, "agent-7"));
        Assert.Equal(CallListStatus.Completed, (await crm.Records.GetAsync(CallCenterEntities.CallList, list.Id))![CallListFields.Status]);
    }

    [Fact]
    public async Task NextCall_ContactAskedNotToBeCalledAfterTheListWasBuilt_IsSkipped()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var ann = await crm.Contacts.CreateAsync(new NewContact("Ann", "Able") { Phone = "+49 30 1000001" });
        var calls = host.Calls(crm);
        var built = await calls.BuildCallListAsync(new NewCallList("Promo"), [ann.Id]);
        await crm.Records.UpdateAsync(CoreEntities.Contact, ann.Id, null, V((ContactFields.DoNotCall, true)));

        var next = await calls.NextCallAsync(built.CallList.Id, "agent-7");

        Assert.Null(next);
        Assert.Equal(CallListItemStatus.Skipped, (await crm.Records.GetAsync(CallCenterEntities.CallListItem, built.Items[0].Id))![CallListItemFields.Status]);
        Assert.Equal(0, await crm.Records.CountAsync(RecordQuery.For(CallCenterEntities.Call)));
    }

    [Fact]
    public async Task RecordOutcome_DoNotCall_SetsTheContactsConsent_AndBadInputIsRefused()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var ann = await crm.Contacts.CreateAsync(new NewContact("Ann", "Able") { Phone = "+49 30 1000001" });
        var calls = host.Calls(crm);
        var built = await calls.BuildCallListAsync(new NewCallList("Promo"), [ann.Id]);
        var next = await calls.NextCallAsync(built.CallList.Id, "agent-7");

        var unknownOutcome = await Assert.ThrowsAsync<CrmValidationException>(() => calls.RecordOutcomeAsync(next!.Item.Id, "maybe"));
        var done = await calls.RecordOutcomeAsync(next!.Item.Id, CallOutcome.DoNotCall);
        var again = await Assert.ThrowsAsync<CrmValidationException>(() => calls.RecordOutcomeAsync(next.Item.Id, CallOutcome.Reached));
        var noName = await Assert.ThrowsAsync<CrmValidationException>(() => calls.BuildCallListAsync(new NewCallList(" "), [ann.Id]));

        Assert.Equal((CallListItemFields.Outcome, (object?)"maybe"), (unknownOutcome.Errors[0].Field, unknownOutcome.Errors[0].Value));
        Assert.Equal(CallListItemStatus.Done, done[CallListItemFields.Status]);
        Assert.Equal(true, (await crm.Records.GetAsync(CoreEntities.Contact, ann.Id))![ContactFields.DoNotCall]);
        Assert.Equal(CallListItemFields.Status, again.Errors[0].Field);
        Assert.Equal(CallListFields.Name, noName.Errors[0].Field);
    }
}

public sealed class CallCenterAccessTests
{
    [Fact]
    public async Task UserWithoutRights_CannotReceiveCallsOrBuildLists_AndSeesNoContactsToCall()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var ann = await crm.Contacts.CreateAsync(new NewContact("Ann", "Able") { Phone = "+49 30 1000001" });
        var user = await crm.Organization.CreateUserAsync(new Crm.Engine.Abstractions.Organization.NewUser("guest", "Guest"));
        await crm.Security.SaveRoleAsync(new Crm.Engine.Abstractions.Security.SecurityRole("lists-only", "Lists only")
        {
            Privileges =
            [
                new(CallCenterEntities.CallList, Crm.Engine.Abstractions.Security.RecordPrivilege.Create, Crm.Engine.Abstractions.Security.AccessDepth.Own),
                new(CallCenterEntities.CallListItem, Crm.Engine.Abstractions.Security.RecordPrivilege.Create, Crm.Engine.Abstractions.Security.AccessDepth.Own),
            ],
        });
        var listsOnly = await crm.Organization.CreateUserAsync(new Crm.Engine.Abstractions.Organization.NewUser("lister", "Lister"));
        await crm.Security.GrantRoleAsync(Crm.Engine.Abstractions.Security.SecurityPrincipal.User(listsOnly.Id), "lists-only");

        await Assert.ThrowsAsync<CrmAccessDeniedException>(() => host.Calls(crm.AsUser(user.Id)).ReceiveInboundAsync(new InboundCall("+49 30 1000001", null)));
        await Assert.ThrowsAsync<CrmAccessDeniedException>(() => host.Calls(crm.AsUser(user.Id)).BuildCallListAsync(new NewCallList("Promo"), [ann.Id]));
        var built = await host.Calls(crm.AsUser(listsOnly.Id)).BuildCallListAsync(new NewCallList("Promo"), [ann.Id]);

        Assert.Empty(built.Items);
        Assert.Equal((ann.Id, SkipReason.NotFound), (built.Skipped.Single().ContactId, built.Skipped.Single().Reason));
        Assert.Equal(0, await crm.Records.CountAsync(RecordQuery.For(CallCenterEntities.Call)));
    }
}
