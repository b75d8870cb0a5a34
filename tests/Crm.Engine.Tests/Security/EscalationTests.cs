using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Organization;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Security;
using Crm.Engine.Abstractions.Tenancy;
using Crm.Engine.Abstractions.Work;
using Microsoft.Extensions.DependencyInjection;
using static Crm.Engine.Tests.EngineFixture;
using static Crm.Engine.Tests.Security.Org;

namespace Crm.Engine.Tests.Security;

/// <summary>
/// Ways a user could give themselves more than their roles allow: work-queue membership (which grants access to the
/// records queued), shares with rights the sharer does not hold, and choosing a new record's id (an existence probe).
/// </summary>
public class EscalationTests(AccessFixture fixture) : IClassFixture<AccessFixture>
{
    private IWorkQueueService Queues(Org org, Guid? user = null) =>
        fixture.Host.Services.GetRequiredService<IWorkServices>().ForCaller(new CallerContext(org.System.TenantId, user)).Queues;

    /// <summary>A user who may read and change only their own deals, and another unit's deal they cannot see.</summary>
    private async Task<(Org Org, Guid User, CrmRecord Foreign, CrmRecord Own)> WorldAsync(params TenantPrivilege[] tenant)
    {
        var org = await fixture.NewOrgAsync();
        var role = await org.RoleAsync("own", Every(Deal, AccessDepth.Own), tenant: tenant);
        var user = await org.UserAsync("user", await org.UnitAsync("A"), role);
        var other = await org.UserAsync("other", await org.UnitAsync("B"), role);
        return (org, user, await org.DealAsync("foreign", other), await org.DealAsync("own", user));
    }

    [Fact]
    public async Task Queue_UserWithoutPrivileges_CannotCreateQueueOrAddThemselvesAsMember()
    {
        var (org, user, _, _) = await WorldAsync();
        var queue = await Queues(org).CreateQueueAsync("desk", AssignmentStrategy.RoundRobin);

        var create = await Assert.ThrowsAsync<CrmAccessDeniedException>(() => Queues(org, user).CreateQueueAsync("mine", AssignmentStrategy.RoundRobin));
        var join = await Assert.ThrowsAsync<CrmAccessDeniedException>(() => Queues(org, user).AddMemberAsync(queue.Id, user));

        Assert.Contains("Customize", create.Message, StringComparison.Ordinal);
        Assert.Contains("ManageSecurity", join.Message, StringComparison.Ordinal);
        Assert.Empty(await Queues(org).ListMembersAsync(queue.Id));
    }

    [Fact]
    public async Task Queue_MemberQueuingARecordTheyCannotChange_NotFoundAndNothingQueued()
    {
        var (org, user, foreign, _) = await WorldAsync();
        var queue = await Queues(org).CreateQueueAsync("desk", AssignmentStrategy.RoundRobin);
        await Queues(org).AddMemberAsync(queue.Id, user);

        await Assert.ThrowsAsync<CrmNotFoundException>(() => Queues(org, user).AddItemAsync(queue.Id, foreign.Id));
        await Assert.ThrowsAsync<CrmNotFoundException>(() => Queues(org, user).RouteAsync(queue.Id, Guid.NewGuid()));

        Assert.Empty(await Queues(org).ListItemsAsync(queue.Id));
        Assert.Null(await org.As(user).Records.GetAsync(Deal, foreign.Id));
    }

    [Fact]
    public async Task Queue_UserRoutesTheirOwnRecordToAQueueTheyAreNotIn_AssignedToAMember()
    {
        var (org, user, _, own) = await WorldAsync();
        var agent = await org.UserAsync("agent", null);
        var queue = await Queues(org).CreateQueueAsync("tier 2", AssignmentStrategy.RoundRobin);
        await Queues(org).AddMemberAsync(queue.Id, agent);

        var item = await Queues(org, user).RouteAsync(queue.Id, own.Id);

        Assert.Equal((QueueItemStatus.Assigned, agent), (item.Status, item.AssignedTo));
        await Assert.ThrowsAsync<CrmAccessDeniedException>(() => Queues(org, user).ListItemsAsync(queue.Id));
        await Assert.ThrowsAsync<CrmAccessDeniedException>(() => Queues(org, user).CompleteAsync(item.Id));
    }

    [Fact]
    public async Task Queue_MemberPicksForThemselvesOnly()
    {
        var (org, user, _, own) = await WorldAsync();
        var colleague = await org.UserAsync("colleague", null);
        var queue = await Queues(org).CreateQueueAsync("desk", AssignmentStrategy.RoundRobin);
        await Queues(org).AddMemberAsync(queue.Id, user);
        await Queues(org).AddMemberAsync(queue.Id, colleague);
        var first = await Queues(org).AddItemAsync(queue.Id, own.Id);
        var second = await Queues(org).AddItemAsync(queue.Id, own.Id);

        await Assert.ThrowsAsync<CrmAccessDeniedException>(() => Queues(org, user).PickAsync(first.Id, colleague));
        var picked = await Queues(org, user).PickAsync(second.Id, user);

        Assert.Equal(user, picked.AssignedTo);
        Assert.Equal(2, (await Queues(org, user).ListItemsAsync(queue.Id)).Count);
        Assert.Equal(QueueItemStatus.Waiting, (await Queues(org).ListItemsAsync(queue.Id)).Single(i => i.Id == first.Id).Status);
    }

    private ITenantWork Work(Org org, Guid? user = null) =>
        fixture.Host.Services.GetRequiredService<IWorkServices>().ForCaller(new CallerContext(org.System.TenantId, user));

    [Fact]
    public async Task Timers_UserMayTimeOnlyRecordsTheyMayChange_AndSeesOnlyThose()
    {
        var (org, user, foreign, own) = await WorldAsync();
        var due = fixture.Host.Clock.GetUtcNow().AddDays(2);
        await Work(org).Timers.ScheduleAsync(new TimerRequest { Key = "sla:foreign", DueAt = due, EventName = "slaDue", RecordId = foreign.Id });
        await Work(org).Timers.ScheduleAsync(new TimerRequest { Key = "nightly", DueAt = due, EventName = "cleanUp" });
        var timers = Work(org, user).Timers;

        await timers.ScheduleAsync(new TimerRequest { Key = "sla:own", DueAt = due, EventName = "slaDue", RecordId = own.Id });
        await Assert.ThrowsAsync<CrmNotFoundException>(() => timers.ScheduleAsync(new TimerRequest { Key = "sla:x", DueAt = due, EventName = "slaDue", RecordId = foreign.Id }));
        await Assert.ThrowsAsync<CrmNotFoundException>(() => timers.ScheduleAsync(new TimerRequest { Key = "sla:foreign", DueAt = due, EventName = "slaDue", RecordId = own.Id }));
        await Assert.ThrowsAsync<CrmNotFoundException>(() => timers.CancelAsync("sla:foreign"));
        await Assert.ThrowsAsync<CrmAccessDeniedException>(() => timers.CancelAsync("nightly"));
        await Assert.ThrowsAsync<CrmAccessDeniedException>(() => timers.ScheduleAsync(new TimerRequest { Key = "mine", DueAt = due, EventName = "e" }));

        Assert.NotNull(await timers.GetAsync("sla:own"));
        Assert.Null(await timers.GetAsync("sla:foreign"));
        Assert.Null(await timers.GetAsync("nightly"));
        Assert.Equal(WorkTimerState.Pending, (await Work(org).Timers.GetAsync("sla:foreign"))!.State);
        Assert.Equal(foreign.Id, (await Work(org).Timers.GetAsync("sla:foreign"))!.RecordId);
        Assert.True(await timers.CancelAsync("sla:own"));
    }

    [Fact]
    public async Task Outbox_UserReadsOnlyNotificationsAddressedToThem()
    {
        var (org, user, _, _) = await WorldAsync();
        var other = await org.UserAsync("colleague", null);
        var outbox = Work(org).Notifications;
        await outbox.EnqueueAsync(new Notification { Recipient = NotificationRecipient.User(user), Channel = "inprocess", IdempotencyKey = "to-user", Subject = "yours", Body = "b" });
        await outbox.EnqueueAsync(new Notification { Recipient = NotificationRecipient.User(other), Channel = "inprocess", IdempotencyKey = "to-other", Subject = "salary review", Body = "confidential" });
        var mine = Work(org, user).Notifications;

        Assert.Equal(["to-user"], (await mine.ListAsync()).Select(n => n.IdempotencyKey));
        Assert.Null(await mine.GetAsync("to-other"));
        Assert.NotNull(await mine.GetAsync("to-user"));
        Assert.Equal(2, (await outbox.ListAsync()).Count);
        await mine.SetUserPreferencesAsync(user, new ChannelPreferences(DoNotEmail: true));
        await Assert.ThrowsAsync<CrmAccessDeniedException>(() => mine.SetUserPreferencesAsync(other, new ChannelPreferences(DoNotEmail: true)));
    }

    [Fact]
    public async Task Responsibility_UserAsksOnlyAboutReadableRecords_AndCannotRelinkCustomers()
    {
        var (org, user, foreign, own) = await WorldAsync();
        await org.System.Organization.DefineRoleAsync(new CrmRole("quality-manager", "Quality manager", null));
        var account = await org.System.Accounts.CreateAsync(new NewAccount("Hidden customer"));
        var responsibility = Work(org, user).Responsibility;

        Assert.Empty(await responsibility.ResolveRoleHoldersAsync("quality-manager", own.Id));
        await Assert.ThrowsAsync<CrmNotFoundException>(() => responsibility.ResolveRoleHoldersAsync("quality-manager", foreign.Id));
        await Assert.ThrowsAsync<CrmNotFoundException>(() => responsibility.GetCustomerUnitAsync(account.Id));
        var root = await org.RootAsync();
        await Assert.ThrowsAsync<CrmAccessDeniedException>(() => responsibility.LinkCustomerAsync(account.Id, root));
        await Assert.ThrowsAsync<CrmNotFoundException>(() => Work(org, user).Actions.NotifyRolesAsync(new NotifyRolesParameters(foreign.Id, ["quality-manager"], "t", "k")));
        Assert.Null(await Work(org).Responsibility.GetCustomerUnitAsync(account.Id));
    }

    [Fact]
    public async Task WorkChecks_UnreadableRecordAndMissingId_SameNotFoundError()
    {
        var (org, user, foreign, _) = await WorldAsync();
        var due = fixture.Host.Clock.GetUtcNow().AddDays(1);
        var missing = Guid.NewGuid();
        var queue = await Queues(org).CreateQueueAsync("desk", AssignmentStrategy.RoundRobin);

        var hiddenTimer = await Assert.ThrowsAsync<CrmNotFoundException>(() => Work(org, user).Timers.ScheduleAsync(new TimerRequest { Key = "a", DueAt = due, EventName = "e", RecordId = foreign.Id }));
        var missingTimer = await Assert.ThrowsAsync<CrmNotFoundException>(() => Work(org, user).Timers.ScheduleAsync(new TimerRequest { Key = "b", DueAt = due, EventName = "e", RecordId = missing }));
        var hiddenItem = await Assert.ThrowsAsync<CrmNotFoundException>(() => Queues(org, user).AddItemAsync(queue.Id, foreign.Id));

        Assert.Equal(Shape(missingTimer, missing), Shape(hiddenTimer, foreign.Id));
        Assert.Equal(Shape(missingTimer, missing), Shape(hiddenItem, foreign.Id));
    }

    [Fact]
    public async Task Outbox_UserReusingAnotherUsersKey_GetsTheStoredNotificationWithoutItsContent()
    {
        var (org, user, _, _) = await WorldAsync();
        var colleague = await org.UserAsync("colleague", null);
        var stored = await Work(org).Notifications.EnqueueAsync(new Notification { Recipient = NotificationRecipient.User(colleague), Channel = "inprocess", IdempotencyKey = "to-other", Subject = "salary review", Body = "confidential" });

        var again = await Work(org, user).Notifications.EnqueueAsync(new Notification { Recipient = NotificationRecipient.User(colleague), Channel = "inprocess", IdempotencyKey = "to-other", Body = "x" });

        Assert.Equal(stored.Id, again.Id); // a retry, not a second notification
        Assert.Equal((null, null, string.Empty), (again.Address, again.Subject, again.Body));
        Assert.Single(await Work(org).Notifications.ListAsync());
        var mine = await Work(org, user).Notifications.EnqueueAsync(new Notification { Recipient = NotificationRecipient.User(user), Channel = "inprocess", IdempotencyKey = "mine", Subject = "s", Body = "x" });
        Assert.Equal(("s", "x"), ((await Work(org, user).Notifications.EnqueueAsync(new Notification { Recipient = NotificationRecipient.User(user), Channel = "inprocess", IdempotencyKey = "mine", Body = "x" })).Subject, mine.Body));
    }

    [Fact]
    public async Task Outbox_UserNotifyingAContactTheyCannotRead_NotFoundAddressNotShown()
    {
        var (org, user, _, _) = await WorldAsync();
        var contact = await org.System.Contacts.CreateAsync(new NewContact("Vera", "Secret") { Email = "vera@private.example" });

        var ex = await Assert.ThrowsAsync<CrmNotFoundException>(() => Work(org, user).Notifications.EnqueueAsync(new Notification { Recipient = NotificationRecipient.Contact(contact.Id), Channel = "mail", IdempotencyKey = "probe", Body = "hi" }));

        Assert.DoesNotContain("vera", ex.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("vera@private.example", (await Work(org).Notifications.EnqueueAsync(new Notification { Recipient = NotificationRecipient.Contact(contact.Id), Channel = "mail", IdempotencyKey = "sys", Body = "hi" })).Address);
    }

    [Fact]
    public async Task ModuleCodeThroughForContext_ActsAsTheTenantsAutomation_UsersCreateNotRefused()
    {
        var (org, user, _, _) = await WorldAsync();

        var created = await org.As(user).Records.CreateAsync(Deal, V(("title", "digest: weekly")));

        Assert.NotNull(await Work(org).Timers.GetAsync("digest:" + created.Id));
        await Assert.ThrowsAsync<CrmAccessDeniedException>(() => Work(org, user).Timers.ScheduleAsync(new TimerRequest { Key = "digest:mine", EventName = "dailyDigest", DueAt = fixture.Host.Clock.GetUtcNow() }));
    }

    [Fact]
    public async Task Share_RightsTheSharerDoesNotHold_RefusedNothingShared()
    {
        var org = await fixture.NewOrgAsync();
        var noDelete = await org.RoleAsync("no-delete", [P(RecordPrivilege.Read, AccessDepth.Own), P(RecordPrivilege.Write, AccessDepth.Own), P(RecordPrivilege.Share, AccessDepth.Own)]);
        var owner = await org.UserAsync("owner", await org.UnitAsync("A"), noDelete);
        var friend = await org.UserAsync("friend", await org.UnitAsync("B"));
        var deal = await org.DealAsync("deal", owner);
        var record = new RecordRef(Deal, deal.Id);

        var toSelf = await Assert.ThrowsAsync<CrmAccessDeniedException>(() => org.As(owner).Security.ShareAsync(record, SecurityPrincipal.User(owner), ShareRights.Read | ShareRights.Delete));
        await Assert.ThrowsAsync<CrmAccessDeniedException>(() => org.As(owner).Security.ShareAsync(record, SecurityPrincipal.User(friend), ShareRights.Read | ShareRights.Assign));
        await org.As(owner).Security.ShareAsync(record, SecurityPrincipal.User(friend), ShareRights.Read | ShareRights.Write | ShareRights.Share);

        Assert.Contains("you do not hold Delete", toSelf.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<CrmAccessDeniedException>(() => org.As(owner).Records.DeleteAsync(Deal, deal.Id));
        var share = Assert.Single(await org.System.Security.ListSharesAsync(record));
        Assert.Equal((friend, ShareRights.Read | ShareRights.Write | ShareRights.Share), (share.Principal.Id, share.Rights));
    }

    [Fact]
    public async Task Share_ReceivedShareRight_CannotBeWidenedByTheSharee()
    {
        var org = await fixture.NewOrgAsync();
        var owner = await org.UserAsync("owner", await org.UnitAsync("A"), await org.RoleAsync("all", Every(Deal, AccessDepth.Own)));
        var reader = await org.UserAsync("reader", await org.UnitAsync("B"));
        var deal = await org.DealAsync("deal", owner);
        var record = new RecordRef(Deal, deal.Id);
        await org.As(owner).Security.ShareAsync(record, SecurityPrincipal.User(reader), ShareRights.Read | ShareRights.Share);

        await Assert.ThrowsAsync<CrmAccessDeniedException>(() => org.As(reader).Security.ShareAsync(record, SecurityPrincipal.User(reader), ShareRights.Read | ShareRights.Write | ShareRights.Delete));

        await Assert.ThrowsAsync<CrmAccessDeniedException>(() => org.As(reader).Records.DeleteAsync(Deal, deal.Id));
        Assert.NotNull(await org.System.Records.GetAsync(Deal, deal.Id));
    }

    [Fact]
    public async Task Create_UserChoosingTheId_RefusedWhetherOrNotTheIdIsTaken_SystemMay()
    {
        var (org, user, foreign, _) = await WorldAsync();

        var taken = await Assert.ThrowsAsync<CrmAccessDeniedException>(() => org.As(user).Records.CreateAsync(Deal, V(("title", "probe")), new CreateOptions { Id = foreign.Id }));
        var fresh = await Assert.ThrowsAsync<CrmAccessDeniedException>(() => org.As(user).Records.CreateAsync(Deal, V(("title", "probe")), new CreateOptions { Id = Guid.NewGuid() }));
        var id = Guid.NewGuid();
        var bySystem = await org.System.Records.CreateAsync(Deal, V(("title", "migrated")), new CreateOptions { Id = id });

        Assert.Equal(taken.Message.Replace(foreign.Id.ToString(), "<id>", StringComparison.Ordinal), fresh.Message);
        Assert.Equal(id, bySystem.Id);
    }
}
