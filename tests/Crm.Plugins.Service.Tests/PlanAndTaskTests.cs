using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Security;
using Crm.Engine.Abstractions.Work;

namespace Crm.Plugins.Service.Tests;

public sealed class PlanAndTaskTests
{
    [Fact]
    public async Task SubmitPlan_SetsPlanAndStatus_CreatesTasksWithOwnersAndBusinessDueDates_AndPublishes()
    {
        await using var f = await ServiceFixture.StartAsync();
        var quality = await f.UserAsync("quality", SystemRoles.ServiceManager);
        var procurement = await f.UserAsync("procurement", SystemRoles.ServiceManager);
        var submitted = new List<CasePlanSubmitted>();
        using var _ = f.Host.Engine.Events.Subscribe<CasePlanSubmitted>((e, _) => { submitted.Add(e); return Task.CompletedTask; });
        var @case = await f.Desk.OpenCaseAsync(new NewCase { Subject = "Leak", AccountId = (await f.AccountAsync()).Id });
        var explicitDue = new DateTimeOffset(2026, 4, 10, 10, 0, 0, TimeSpan.Zero);

        var plan = await f.Desk.SubmitPlanAsync(@case.Id, "Replace seals, check the batch", [
            new PlanTask("Analyse returned pump", quality.Id) { Within = BusinessDuration.FromBusinessDays(2) },
            new PlanTask("Block batch 42", procurement.Id) { DueAt = explicitDue, Description = "Supplier Z" },
        ]);

        Assert.Equal((CaseStatus.Planned, true, "Replace seals, check the batch"), (plan.Case[CaseFields.Status], plan.Case[CaseFields.PlanSubmitted], plan.Case[CaseFields.Plan]));
        Assert.Equal(2, plan.Tasks.Count);
        var analyse = plan.Tasks[0];
        Assert.Equal((quality.Id, ActivityTypes.Task, ActivityStatuses.Open), ((Guid)analyse.OwnerId!, analyse[ActivityFields.ActivityType], analyse[ActivityFields.Status]));
        Assert.Equal(new RecordRef(ServiceEntities.Case, @case.Id), analyse[ActivityFields.Regarding]);
        // 2 business days after Friday 15:00 CET: Tuesday 31 March 15:00 CEST.
        Assert.Equal(new DateTimeOffset(2026, 3, 31, 13, 0, 0, TimeSpan.Zero), analyse[ActivityFields.DueAt]);
        Assert.Equal((procurement.Id, explicitDue), ((Guid)plan.Tasks[1].OwnerId!, (DateTimeOffset)plan.Tasks[1][ActivityFields.DueAt]!));
        Assert.Equal(@case.Id, Assert.Single(submitted).CaseId);
    }

    [Fact]
    public async Task SubmitPlan_TaskWithoutDueDate_IsRefusedNamingTheTask_AndNothingIsWritten()
    {
        await using var f = await ServiceFixture.StartAsync();
        var user = await f.UserAsync("quality", SystemRoles.ServiceManager);
        var @case = await f.Desk.OpenCaseAsync(new NewCase { Subject = "Leak" });

        var error = await Assert.ThrowsAsync<CrmValidationException>(() => f.Desk.SubmitPlanAsync(@case.Id, "Plan", [
            new PlanTask("First", user.Id) { Within = BusinessDuration.FromBusinessDays(1) },
            new PlanTask("Second", user.Id),
        ]));

        Assert.Contains("'Second'", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, (await f.Desk.GetProgressAsync(@case.Id)).Total);
        Assert.Equal(CaseStatus.New, (await f.Tenant.Records.GetAsync(ServiceEntities.Case, @case.Id))![CaseFields.Status]);
    }

    [Fact]
    public async Task Progress_CountsOpenCompletedAndOverdueTasks()
    {
        await using var f = await ServiceFixture.StartAsync();
        var user = await f.UserAsync("quality", SystemRoles.ServiceManager);
        var @case = await f.Desk.OpenCaseAsync(new NewCase { Subject = "Leak" });
        var plan = await f.Desk.SubmitPlanAsync(@case.Id, "Plan", [
            new PlanTask("Soon", user.Id) { Within = BusinessDuration.FromWorkingTime(TimeSpan.FromHours(1)) },
            new PlanTask("Later", user.Id) { Within = BusinessDuration.FromBusinessDays(10) },
            new PlanTask("Done", user.Id) { Within = BusinessDuration.FromBusinessDays(1) },
        ]);
        await f.Tenant.Activities.CompleteAsync(plan.Tasks[2].Id);

        f.Host.Clock.Advance(TimeSpan.FromHours(3));
        var progress = await f.Desk.GetProgressAsync(@case.Id);

        Assert.Equal((3, 2, 1, 1), (progress.Total, progress.Open, progress.Completed, progress.Overdue));
    }

    [Fact]
    public async Task CompletingACaseTask_NotifiesTheAgentAndTheServiceManager_WithTheModuleText_OncePerTask()
    {
        await using var f = await ServiceFixture.StartAsync();
        var unit = await f.Tenant.Organization.CreateUnitAsync("Key accounts");
        var agent = await f.UserAsync("agent", SystemRoles.ServiceAgent, unit.Id);
        var manager = await f.UserAsync("manager", SystemRoles.ServiceManager, unit.Id);
        var worker = await f.UserAsync("worker", SystemRoles.ServiceManager);
        await f.DefineJobRoleAsync("serviceManager", manager.Id, unit.Id);
        var account = await f.AccountAsync();
        await f.Work.Responsibility.LinkCustomerAsync(account.Id, unit.Id);
        var completed = new List<CaseTaskCompleted>();
        using var _ = f.Host.Engine.Events.Subscribe<CaseTaskCompleted>((e, _) => { completed.Add(e); return Task.CompletedTask; });
        var @case = await f.Desk.OpenCaseAsync(new NewCase { Subject = "Leak", AccountId = account.Id, OwnerId = agent.Id });
        var plan = await f.Desk.SubmitPlanAsync(@case.Id, "Plan", [new PlanTask("Analyse", worker.Id) { Within = BusinessDuration.FromBusinessDays(1) }]);
        var task = plan.Tasks[0];

        // The worker completes the task as a user of their own.
        await f.Tenant.AsUser(worker.Id).Activities.CompleteAsync(task.Id);
        Assert.Equal(2, await f.DispatchAsync());

        var messages = f.Sent.OrderBy(m => m.Address, StringComparer.Ordinal).ToList();
        Assert.Equal(["agent@acme.test", "manager@acme.test"], messages.Select(m => m.Address));
        Assert.All(messages, m => Assert.Equal("Task completed on case CAS-2026-00001: Analyse", m.Subject));
        Assert.All(messages, m => Assert.Equal(@case.Id, m.RecordId));
        var e = Assert.Single(completed);
        Assert.Equal((@case.Id, task.Id), (e.CaseId, e.TaskId));
        Assert.Equal(new[] { agent.Id, manager.Id }.Order(), e.NotifiedUserIds.Order());

        // Reopened and completed again: nobody is told twice.
        await f.Tenant.Records.UpdateAsync(CoreEntities.Activity, task.Id, null, new Dictionary<string, object?> { [ActivityFields.Status] = ActivityStatuses.Open });
        await f.Tenant.Activities.CompleteAsync(task.Id);
        Assert.Equal(0, await f.DispatchAsync());
        Assert.Equal(2, f.Sent.Count);
    }

    [Fact]
    public async Task CompletingACaseTask_UsesTheTenantsTemplateWhenItHasOne()
    {
        await using var f = await ServiceFixture.StartAsync();
        var agent = await f.UserAsync("agent", SystemRoles.ServiceManager);
        await f.Work.Templates.SaveAsync(new TemplateDefinition("service.taskCompleted", "Erledigt: {{ task.subject }}", "Fall {{ case.number }} ({{ case.subject }}): {{ task.subject }} ist erledigt."));
        var @case = await f.Desk.OpenCaseAsync(new NewCase { Subject = "Leck", OwnerId = agent.Id });
        var plan = await f.Desk.SubmitPlanAsync(@case.Id, "Plan", [new PlanTask("Pumpe prüfen", agent.Id) { Within = BusinessDuration.FromBusinessDays(1) }]);

        await f.Tenant.Activities.CompleteAsync(plan.Tasks[0].Id);
        await f.DispatchAsync();

        var message = Assert.Single(f.Sent);
        Assert.Equal(("Erledigt: Pumpe prüfen", "Fall CAS-2026-00001 (Leck): Pumpe prüfen ist erledigt."), (message.Subject, message.Body));
    }

    [Fact]
    public async Task CompletingATaskAboutSomethingElse_NotifiesNobody()
    {
        await using var f = await ServiceFixture.StartAsync();
        var agent = await f.UserAsync("agent", SystemRoles.ServiceManager);
        var account = await f.AccountAsync();
        var task = await f.Tenant.Records.CreateAsync(CoreEntities.Activity, new Dictionary<string, object?>
        {
            [ActivityFields.Subject] = "Call back", [ActivityFields.ActivityType] = ActivityTypes.Task, [ActivityFields.Status] = ActivityStatuses.Open,
            [ActivityFields.Regarding] = new RecordRef(CoreEntities.Account, account.Id),
        }, new CreateOptions { OwnerId = agent.Id });

        await f.Tenant.Activities.CompleteAsync(task.Id);

        Assert.Empty(await f.Work.Notifications.ListAsync());
    }

    [Fact]
    public async Task Close_WithOpenTasks_IsRefusedNamingThem_ForceCancelsThem()
    {
        await using var f = await ServiceFixture.StartAsync();
        var user = await f.UserAsync("quality", SystemRoles.ServiceManager);
        var @case = await f.Desk.OpenCaseAsync(new NewCase { Subject = "Leak" });
        var plan = await f.Desk.SubmitPlanAsync(@case.Id, "Plan", [new PlanTask("Analyse", user.Id) { Within = BusinessDuration.FromBusinessDays(1) }]);

        var error = await Assert.ThrowsAsync<CrmOperationRejectedException>(() => f.Desk.CloseAsync(@case.Id));
        Assert.Contains("1 open task(s) ('Analyse')", error.Message, StringComparison.Ordinal);

        var closed = await f.Desk.CloseAsync(@case.Id, force: true);

        Assert.Equal(CaseStatus.Closed, closed[CaseFields.Status]);
        Assert.Equal(ServiceFixture.FridayAfternoon, closed[CaseFields.ClosedAt]);
        Assert.Equal(ServiceFixture.FridayAfternoon, closed[CaseFields.ResolvedAt]);
        Assert.Equal(ActivityStatuses.Canceled, (await f.Tenant.Records.GetAsync(CoreEntities.Activity, plan.Tasks[0].Id))![ActivityFields.Status]);
    }

    [Fact]
    public async Task Close_AfterTasksAreDone_Succeeds()
    {
        await using var f = await ServiceFixture.StartAsync();
        var user = await f.UserAsync("quality", SystemRoles.ServiceManager);
        var @case = await f.Desk.OpenCaseAsync(new NewCase { Subject = "Leak" });
        var plan = await f.Desk.SubmitPlanAsync(@case.Id, "Plan", [new PlanTask("Analyse", user.Id) { Within = BusinessDuration.FromBusinessDays(1) }]);
        await f.Tenant.Activities.CompleteAsync(plan.Tasks[0].Id);
        await f.Desk.ResolveAsync(@case.Id, "Done");

        var closed = await f.Desk.CloseAsync(@case.Id);

        Assert.Equal(CaseStatus.Closed, closed[CaseFields.Status]);
        await Assert.ThrowsAsync<CrmOperationRejectedException>(() => f.Desk.SubmitPlanAsync(@case.Id, "Another", []));
    }
}
