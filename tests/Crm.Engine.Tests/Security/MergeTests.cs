using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Security;
using static Crm.Engine.Tests.EngineFixture;
using static Crm.Engine.Tests.Security.Org;

namespace Crm.Engine.Tests.Security;

/// <summary>Merging a duplicate into a surviving record, with the access it needs.</summary>
public class MergeTests(AccessFixture fixture) : IClassFixture<AccessFixture>
{
    [Fact]
    public async Task MergeAccounts_RepointsContactsAppliesChangesAndDeletesTheDuplicate()
    {
        var org = await fixture.NewOrgAsync();
        var sys = org.System;
        var survivor = await sys.Accounts.CreateAsync(new NewAccount("Contoso"));
        var duplicate = await sys.Accounts.CreateAsync(new NewAccount("Contoso Ltd") { Phone = "+1 555 0142" });
        var child = await sys.Accounts.CreateAsync(new NewAccount("Contoso Branch") { ParentAccountId = duplicate.Id });
        var onSurvivor = await sys.Contacts.CreateAsync(new NewContact("Ann", "Survivor") { AccountId = survivor.Id });
        var onDuplicate = await sys.Contacts.CreateAsync(new NewContact("Bob", "Duplicate") { AccountId = duplicate.Id });
        await sys.Activities.LogAsync(new NewActivity(ActivityTypes.Note, "about the duplicate", new RecordRef(CoreEntities.Account, duplicate.Id)));

        var merged = await sys.Records.MergeAsync(CoreEntities.Account, survivor.Id, duplicate.Id, V((AccountFields.Phone, "+1 555 0142")));

        Assert.Equal("+1 555 0142", merged[AccountFields.Phone]);
        Assert.Equal("Contoso", merged[AccountFields.Name]);
        Assert.Null(await sys.Accounts.GetAsync(duplicate.Id));
        Assert.Equal(new[] { onSurvivor.Id, onDuplicate.Id }.Order(), (await sys.Contacts.ListForAccountAsync(survivor.Id)).Select(c => c.Id).Order());
        Assert.Equal(survivor.Id, (await sys.Accounts.GetAsync(child.Id))![AccountFields.ParentAccountId]);
        var note = Assert.Single((await sys.Activities.GetTimelineAsync(survivor.Id)).Records);
        Assert.Equal(new RecordRef(CoreEntities.Account, survivor.Id), note[ActivityFields.Regarding]);
        var audit = await sys.Audit.QueryAsync(new AuditQuery { RecordId = survivor.Id });
        Assert.Contains(audit.Entries, e => e.Action == AuditAction.Merge && e.Detail!.Contains(duplicate.Id.ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Merge_IntoItself_IsRejected()
    {
        var org = await fixture.NewOrgAsync();
        var account = await org.System.Accounts.CreateAsync(new NewAccount("Solo"));

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => org.System.Records.MergeAsync(CoreEntities.Account, account.Id, account.Id));

        Assert.Equal("merge", Assert.Single(ex.Errors).Rule);
        Assert.NotNull(await org.System.Accounts.GetAsync(account.Id));
    }

    [Fact]
    public async Task Merge_NeedsWriteOnTheSurvivorAndDeleteOnTheDuplicate()
    {
        var org = await fixture.NewOrgAsync();
        var role = await org.RoleAsync("merger", [P(RecordPrivilege.Read, AccessDepth.Tenant), P(RecordPrivilege.Write, AccessDepth.Own), P(RecordPrivilege.Delete, AccessDepth.Own)]);
        var me = await org.UserAsync("me", null, role);
        var other = await org.UserAsync("other");
        var mine1 = await org.DealAsync("mine 1", me);
        var mine2 = await org.DealAsync("mine 2", me);
        var theirs = await org.DealAsync("theirs", other);
        var referrer = await org.System.Records.CreateAsync(Deal, V(("title", "ref"), ("relatedDealId", mine2.Id)), new CreateOptions { OwnerId = other });
        var crm = org.As(me);

        var noWrite = await Assert.ThrowsAsync<CrmAccessDeniedException>(() => crm.Records.MergeAsync(Deal, theirs.Id, mine2.Id, V(("note", "merged"))));
        var noDelete = await Assert.ThrowsAsync<CrmAccessDeniedException>(() => crm.Records.MergeAsync(Deal, mine1.Id, theirs.Id));

        Assert.Contains("Write", noWrite.Message, StringComparison.Ordinal);
        Assert.Contains("Delete", noDelete.Message, StringComparison.Ordinal);
        Assert.Equal(4, await CountAsync(org.System, Deal));
        Assert.Equal(mine2.Id, (await org.System.Records.GetAsync(Deal, referrer.Id))!["relatedDealId"]);
        Assert.Equal(1, (await org.System.Records.GetAsync(Deal, theirs.Id))!.Version);

        // Both allowed: the merge re-points even a referrer the caller could not change.
        var merged = await crm.Records.MergeAsync(Deal, mine1.Id, mine2.Id, V(("note", "merged")));
        Assert.Equal("merged", merged["note"]);
        Assert.Null(await org.System.Records.GetAsync(Deal, mine2.Id));
        Assert.Equal(mine1.Id, (await org.System.Records.GetAsync(Deal, referrer.Id))!["relatedDealId"]);
    }

    [Fact]
    public async Task Merge_HandlersOfTheRepointedReferrers_RunWithTheCallersAccessNotTheSystems()
    {
        var org = await fixture.NewOrgAsync();
        var role = await org.RoleAsync("merger", [P(RecordPrivilege.Read, AccessDepth.Tenant), P(RecordPrivilege.Write, AccessDepth.Own), P(RecordPrivilege.Delete, AccessDepth.Own)]);
        var me = await org.UserAsync("me", null, role);
        var other = await org.UserAsync("other");
        var survivor = await org.DealAsync("survivor", me);
        var duplicate = await org.DealAsync("duplicate", me);
        var target = await org.DealAsync("not mine", other);
        await org.System.Records.CreateAsync(Deal, V(("title", "ref"), ("relatedDealId", duplicate.Id), ("command", $"touch:{target.Id}")), new CreateOptions { OwnerId = other });

        // Re-pointing "ref" runs its update handler, which tries to change a deal the caller may not change.
        await Assert.ThrowsAsync<CrmAccessDeniedException>(() => org.As(me).Records.MergeAsync(Deal, survivor.Id, duplicate.Id));

        Assert.NotNull(await org.System.Records.GetAsync(Deal, duplicate.Id));
        Assert.Null((await org.System.Records.GetAsync(Deal, target.Id))!["note"]);

        // The system context may.
        await org.System.Records.MergeAsync(Deal, survivor.Id, duplicate.Id);
        Assert.Equal("touched by handler", (await org.System.Records.GetAsync(Deal, target.Id))!["note"]);
    }

    [Fact]
    public async Task Merge_WithAnUnreadableRecord_IsNotFound()
    {
        var org = await fixture.NewOrgAsync();
        var role = await org.RoleAsync("own", Every(Deal, AccessDepth.Own));
        var me = await org.UserAsync("me", await org.UnitAsync("A"), role);
        var other = await org.UserAsync("other", await org.UnitAsync("B"));
        var mine = await org.DealAsync("mine", me);
        var hidden = await org.DealAsync("hidden", other);

        await Assert.ThrowsAsync<CrmNotFoundException>(() => org.As(me).Records.MergeAsync(Deal, mine.Id, hidden.Id));
        await Assert.ThrowsAsync<CrmNotFoundException>(() => org.As(me).Records.MergeAsync(Deal, hidden.Id, mine.Id));

        Assert.Equal(2, await CountAsync(org.System, Deal));
    }
}
