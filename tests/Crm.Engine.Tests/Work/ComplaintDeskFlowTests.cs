using System.Collections.Concurrent;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Organization;
using Crm.Engine.Abstractions.Pipeline;
using Crm.Engine.Abstractions.Plugins;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Tenancy;
using Crm.Engine.Abstractions.Work;
using Crm.Engine.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Engine.Tests.Work;

/// <summary>
/// The complaint desk's work side without the rules engine: a handler notifies the customer's managers and starts a
/// plan deadline on the business calendar in the complaint's own transaction; when it passes, the escalation notifies
/// the general manager.
/// </summary>
public sealed class ComplaintDeskFlowTests
{
    [Fact]
    public async Task Complaint_NotifiesManagers_StartsPlanTimer_EscalatesWhenItFires_AndRejectedComplaintLeavesNothing()
    {
        var delivered = new ConcurrentQueue<NotificationMessage>();
        // Friday 27 March 2026, 15:00 in Berlin.
        await using var host = await CrmTestHost.StartAsync(
            b => b.AddPlugin<ComplaintPlugin>()
                .AddInProcessChannel("email", (m, _) => { delivered.Enqueue(m); return Task.CompletedTask; }, NotificationAddressKind.Email),
            start: new DateTimeOffset(2026, 3, 27, 14, 0, 0, TimeSpan.Zero));
        var tenant = await host.CreateTenantAsync("test", new TenantSettings("Europe/Berlin"));
        var org = tenant.Organization;
        var unit = await org.CreateUnitAsync("Key accounts");
        foreach (var role in new[] { "quality-manager", "general-manager" })
        {
            await org.DefineRoleAsync(new CrmRole(role, role, null));
        }

        var quality = await org.CreateUserAsync(new NewUser("quality", "Quinn") { Email = "q@example.test", UnitId = unit.Id });
        var general = await org.CreateUserAsync(new NewUser("general", "Gina") { Email = "g@example.test" });
        await org.GrantRoleAsync(new RoleAssignment(quality.Id, "quality-manager", unit.Id));
        await org.GrantRoleAsync(new RoleAssignment(general.Id, "general-manager", null));
        var work = host.Work();
        await work.Templates.SaveAsync(new TemplateDefinition("complaint", "Complaint: {{ subject }}", "{{ recipient.name }}, please propose a plan."));
        await work.Templates.SaveAsync(new TemplateDefinition("escalation", "Escalated: {{ subject }}", "No plan yet for {{ subject }}."));
        var account = await tenant.Records.CreateAsync(CoreEntities.Account, new Dictionary<string, object?> { [AccountFields.Name] = "Acme" });
        await work.Responsibility.LinkCustomerAsync(account.Id, unit.Id);

        // The escalation: on the plan deadline, notify the general manager (a rule will do this with the rule-pack issue).
        using var escalation = host.Engine.Events.Subscribe<DeadlineReached>(async (e, ct) =>
        {
            if (e.EventName == "planOverdue")
            {
                await host.Services.GetRequiredService<IWorkServices>().ForTenant(e.TenantId).Actions.NotifyRolesAsync(new NotifyRolesParameters(
                    e.RecordId!.Value, ["general-manager"], "escalation", $"escalation:{e.TimerId}", Data: new Dictionary<string, object?> { ["subject"] = e.Payload["subject"] }), ct);
            }
        });

        await Assert.ThrowsAsync<CrmOperationRejectedException>(() => NewComplaint(tenant, account.Id, "REJECT me"));
        var complaint = await NewComplaint(tenant, account.Id, "Pump leaks");
        Assert.Single(await work.Notifications.ListAsync());                    // nothing from the rejected one
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={host.DatabasePath}"))
        {
            await connection.OpenAsync();
            using var count = connection.CreateCommand();
            count.CommandText = "SELECT COUNT(*) FROM work_timers";
            Assert.Equal(1L, await count.ExecuteScalarAsync());              // nor a timer
        }

        var timer = await work.Timers.GetAsync($"complaint:{complaint.Id}:plan");
        // 16 business hours from Friday 15:00 CET: 2h Friday, 8h Monday, 6h Tuesday -> Tuesday 31 March 15:00 CEST = 13:00Z.
        Assert.Equal(new DateTimeOffset(2026, 3, 31, 13, 0, 0, TimeSpan.Zero), timer!.DueAt);
        Assert.Equal(1, await host.Dispatcher().DispatchDueAsync());
        Assert.Equal(("q@example.test", "Complaint: Pump leaks"), (delivered.Single().Address, delivered.Single().Subject));

        host.Clock.Advance(TimeSpan.FromDays(3));                               // Monday 30 March: not yet
        Assert.Equal(0, await host.Timers().FireDueAsync());
        host.Clock.Advance(TimeSpan.FromDays(1));                               // Tuesday 31 March 14:00Z: overdue
        Assert.Equal(1, await host.Timers().FireDueAsync());
        Assert.Equal(1, await host.Dispatcher().DispatchDueAsync());
        var escalated = delivered.Last();
        Assert.Equal(("g@example.test", "Escalated: Pump leaks", "No plan yet for Pump leaks."), (escalated.Address, escalated.Subject, escalated.Body));
    }

    private static Task<CrmRecord> NewComplaint(Abstractions.ICrmTenant tenant, Guid accountId, string subject) =>
        tenant.Records.CreateAsync(CoreEntities.Activity, new Dictionary<string, object?>
        {
            [ActivityFields.Subject] = subject,
            [ActivityFields.ActivityType] = ActivityTypes.Note,
            [ActivityFields.Regarding] = new RecordRef(CoreEntities.Account, accountId),
        });

    public sealed class ComplaintPlugin : ICrmPlugin
    {
        public void Configure(ICrmPluginBuilder builder) =>
            builder.AddPipelineHandler<ComplaintHandler>(PipelineMessages.Create, CoreEntities.Activity, PipelineStage.PostOperation);
    }

    public sealed class ComplaintHandler(IWorkServices work) : IPipelineHandler
    {
        public async Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
        {
            var subject = (string)context.PostImage![ActivityFields.Subject]!;
            var tenant = work.ForContext(context);
            await tenant.Actions.NotifyRolesAsync(new NotifyRolesParameters(context.RecordId, ["quality-manager"], "complaint", $"complaint:{context.RecordId}",
                Data: new Dictionary<string, object?> { ["subject"] = subject }), cancellationToken);
            await tenant.Actions.StartTimerAsync(new StartTimerParameters($"complaint:{context.RecordId}:plan", "planOverdue", context.RecordId, TimeSpan.FromHours(16),
                Payload: new Dictionary<string, string?> { ["subject"] = subject }), cancellationToken);
            if (subject.StartsWith("REJECT", StringComparison.Ordinal))
            {
                throw new CrmOperationRejectedException("rejected after the work was queued");
            }
        }
    }
}
