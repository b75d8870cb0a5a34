using System.Collections.Concurrent;
using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Organization;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Tenancy;
using Crm.Engine.Abstractions.Work;
using Crm.Engine.Testing;

namespace Crm.Engine.Tests.Work;

/// <summary>The complaint desk's people side: who is responsible, and the typed actions rules will call.</summary>
public sealed class ResponsibilityAndActionsTests
{
    private sealed record Org(CrmUser Sales, CrmUser Quality, CrmUser General, CrmUser Agent, CrmUser Outsider, Guid Region, Guid CustomerTeam, Guid OtherUnit);

    private static async Task<Org> OrganiseAsync(ICrmTenant tenant)
    {
        var org = tenant.Organization;
        var region = await org.CreateUnitAsync("Region North");
        var team = await org.CreateUnitAsync("Key accounts", region.Id);
        var other = await org.CreateUnitAsync("Region South");
        foreach (var role in new[] { "sales-manager", "quality-manager", "general-manager" })
        {
            await org.DefineRoleAsync(new CrmRole(role, role, null));
        }

        var sales = await org.CreateUserAsync(new NewUser("sales", "Sam Sales") { Email = "sales@example.test", UnitId = team.Id });
        var quality = await org.CreateUserAsync(new NewUser("quality", "Quinn Quality") { Email = "quality@example.test", Phone = "+491701", UnitId = region.Id });
        var general = await org.CreateUserAsync(new NewUser("general", "Gina General") { Email = "gm@example.test" });
        var agent = await org.CreateUserAsync(new NewUser("agent", "Alex Agent") { Email = "agent@example.test", UnitId = other.Id });
        var outsider = await org.CreateUserAsync(new NewUser("south-quality", "Sue South") { Email = "sue@example.test", UnitId = other.Id });
        await org.GrantRoleAsync(new RoleAssignment(sales.Id, "sales-manager", team.Id));
        await org.GrantRoleAsync(new RoleAssignment(quality.Id, "quality-manager", region.Id));
        await org.GrantRoleAsync(new RoleAssignment(outsider.Id, "quality-manager", other.Id));
        await org.GrantRoleAsync(new RoleAssignment(general.Id, "general-manager", null));
        return new Org(sales, quality, general, agent, outsider, region.Id, team.Id, other.Id);
    }

    [Fact]
    public async Task RoleHolders_AreFoundThroughTheCustomersUnit_ThenTheOwnersUnit_WalkingUp()
    {
        await using var host = await CrmTestHost.StartAsync();
        var tenant = await host.CreateTenantAsync();
        var org = await OrganiseAsync(tenant);
        var work = host.Work();
        var account = await tenant.Records.CreateAsync(CoreEntities.Account, new Dictionary<string, object?> { [AccountFields.Name] = "Acme" });
        await work.Responsibility.LinkCustomerAsync(account.Id, org.CustomerTeam);
        Assert.Equal(org.CustomerTeam, await work.Responsibility.GetCustomerUnitAsync(account.Id));
        await tenant.Security.GrantRoleAsync(Crm.Engine.Abstractions.Security.SecurityPrincipal.User(org.Agent.Id), Crm.Engine.Abstractions.Security.SystemRoles.ServiceAgent);

        // A complaint-like record about the account, owned by an agent in another region.
        var complaint = await tenant.AsUser(org.Agent.Id).Records.CreateAsync(CoreEntities.Activity, new Dictionary<string, object?>
        {
            [ActivityFields.Subject] = "Pump leaks",
            [ActivityFields.ActivityType] = ActivityTypes.Note,
            [ActivityFields.Regarding] = new RecordRef(CoreEntities.Account, account.Id),
        });

        async Task<IEnumerable<string>> Holders(string role, Guid record) => (await work.Responsibility.ResolveRoleHoldersAsync(role, record)).Select(u => u.UserName);
        Assert.Equal(["sales"], await Holders("sales-manager", complaint.Id));
        Assert.Equal(["quality"], await Holders("quality-manager", complaint.Id));     // walked up from Key accounts to Region North
        Assert.Equal(["general"], await Holders("general-manager", complaint.Id));     // tenant-wide
        Assert.Equal(["quality"], await Holders("quality-manager", account.Id));

        // No customer link: the owner's unit decides.
        var loose = await tenant.AsUser(org.Agent.Id).Records.CreateAsync(CoreEntities.Contact, new Dictionary<string, object?> { [ContactFields.LastName] = "Loose" });
        Assert.Equal(["south-quality"], await Holders("quality-manager", loose.Id));

        var unknownRole = await Assert.ThrowsAsync<CrmValidationException>(() => work.Responsibility.ResolveRoleHoldersAsync("quality-manger", complaint.Id));
        Assert.Contains("'quality-manger'", unknownRole.Message, StringComparison.Ordinal);
        Assert.Contains("quality-manager", unknownRole.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<CrmNotFoundException>(() => work.Responsibility.ResolveRoleHoldersAsync("sales-manager", Guid.NewGuid()));
        var missingUnit = Guid.NewGuid();
        var unit = await Assert.ThrowsAsync<CrmValidationException>(() => work.Responsibility.LinkCustomerAsync(account.Id, missingUnit));
        Assert.Contains(missingUnit.ToString(), unit.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Actions_NotifyRolesTimerTaskFieldQueueAndOwner()
    {
        var delivered = new ConcurrentQueue<NotificationMessage>();
        await using var host = await CrmTestHost.StartAsync(b => b
            .AddInProcessChannel("email", (m, _) => { delivered.Enqueue(m); return Task.CompletedTask; }, NotificationAddressKind.Email)
            .AddInProcessChannel("sms", (m, _) => { delivered.Enqueue(m); return Task.CompletedTask; }, NotificationAddressKind.Phone));
        var tenant = await host.CreateTenantAsync("test", new TenantSettings("Europe/Berlin"));
        var org = await OrganiseAsync(tenant);
        var work = host.Work();
        await work.Notifications.SetUserPreferencesAsync(org.Quality.Id, new ChannelPreferences(PreferredChannel: "sms"));
        await work.Templates.SaveAsync(new TemplateDefinition("complaint-routed", "Complaint {{ number }}", "Dear {{ recipient.name }} ({{ recipient.role }}), complaint {{ number }} needs you."));
        var account = await tenant.Records.CreateAsync(CoreEntities.Account, new Dictionary<string, object?> { [AccountFields.Name] = "Acme" });
        await work.Responsibility.LinkCustomerAsync(account.Id, org.CustomerTeam);
        var actions = work.Actions;

        var sent = await actions.NotifyRolesAsync(new NotifyRolesParameters(account.Id, ["sales-manager", "quality-manager", "general-manager"], "complaint-routed", "complaint-7",
            Data: new Dictionary<string, object?> { ["number"] = "C-7" }));
        Assert.Equal(3, sent.Count);
        var quality = Assert.Single(sent, s => s.IdempotencyKey == $"complaint-7:{org.Quality.Id:D}");
        Assert.Equal(("sms", "+491701", "Dear Quinn Quality (quality-manager), complaint C-7 needs you."), (quality.Channel, quality.Address, quality.Body));
        Assert.Equal(3, await host.Dispatcher().DispatchDueAsync());
        Assert.Equal(3, delivered.Count);

        await Assert.ThrowsAsync<CrmValidationException>(() => actions.NotifyUserAsync(new NotifyUserParameters("nobody", "complaint-routed", "x")));
        var one = await actions.NotifyUserAsync(new NotifyUserParameters("general", "complaint-routed", "gm-1", Data: new Dictionary<string, object?> { ["number"] = "C-8", ["recipient"] = new Dictionary<string, object?> { ["name"] = "Gina", ["role"] = "boss" } }));
        Assert.Equal(("email", "gm@example.test"), (one.Channel, one.Address));

        // startTimer on the tenant's default calendar: Friday 27 March 2026 15:00 CET + 4 business hours -> Monday 11:00 CEST.
        var timer = await actions.StartTimerAsync(new StartTimerParameters("complaint-7:plan", "planOverdue", account.Id, TimeSpan.FromHours(4),
            From: new DateTimeOffset(2026, 3, 27, 14, 0, 0, TimeSpan.Zero)));
        Assert.Equal(new DateTimeOffset(2026, 3, 30, 9, 0, 0, TimeSpan.Zero), timer.DueAt);
        Assert.True(await actions.CancelTimerAsync("complaint-7:plan"));
        await Assert.ThrowsAsync<CrmNotFoundException>(() => actions.StartTimerAsync(new StartTimerParameters("k", "e", null, TimeSpan.FromHours(1), Calendar: "nope")));

        var due = host.Clock.GetUtcNow().AddDays(2);
        var taskId = await actions.CreateTaskAsync(new CreateTaskParameters("Propose a handling plan", CoreEntities.Account, account.Id, org.Quality.Id, due));
        var task = await tenant.Records.GetAsync(CoreEntities.Activity, taskId);
        Assert.Equal((ActivityTypes.Task, org.Quality.Id, due), (task!.Get<string>(ActivityFields.ActivityType), task.OwnerId, task.Get<DateTimeOffset>(ActivityFields.DueAt)));
        Assert.Equal(account.Id, task.Get<Guid>(ActivityFields.AccountId));

        await actions.SetFieldAsync(new SetFieldParameters(CoreEntities.Account, account.Id, AccountFields.Industry, "Pumps"));
        Assert.Equal("Pumps", (await tenant.Records.GetAsync(CoreEntities.Account, account.Id))!.Get<string>(AccountFields.Industry));
        await Assert.ThrowsAsync<CrmValidationException>(() => actions.SetFieldAsync(new SetFieldParameters(CoreEntities.Account, account.Id, "industri", "x")));

        await actions.AssignToUserAsync(new AssignToUserParameters(CoreEntities.Account, account.Id, "sales"));
        Assert.Equal(org.Sales.Id, (await tenant.Records.GetAsync(CoreEntities.Account, account.Id))!.OwnerId);

        var queue = await work.Queues.CreateQueueAsync("complaints", AssignmentStrategy.RoundRobin);
        await work.Queues.AddMemberAsync(queue.Id, org.Agent.Id);
        Assert.Equal(org.Agent.Id, (await actions.AssignToQueueAsync(new AssignToQueueParameters(account.Id, "Complaints"))).AssignedTo);
        var unknownQueue = await Assert.ThrowsAsync<CrmValidationException>(() => actions.AssignToQueueAsync(new AssignToQueueParameters(account.Id, "returns")));
        Assert.Contains("'returns'", unknownQueue.Message, StringComparison.Ordinal);
    }
}
