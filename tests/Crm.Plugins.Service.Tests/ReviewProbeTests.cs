using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Reports;
using Crm.Engine.Abstractions.Security;
using Crm.Engine.Abstractions.Work;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Plugins.Service.Tests;

public sealed class ReviewProbeTests
{
    [Fact]
    public async Task Probe_OpenCase_KeepsOpenedAtAndStatusGivenInFields_OrRefusesThem()
    {
        await using var f = await ServiceFixture.StartAsync();
        var received = f.Host.Clock.GetUtcNow().AddDays(-3);   // the complaint letter arrived three days ago

        var @case = await f.Desk.OpenCaseAsync(new NewCase
        {
            Subject = "Letter: pump leaks",
            Fields = new Dictionary<string, object?> { [CaseFields.OpenedAt] = received, [CaseFields.Status] = CaseStatus.InProgress },
        });

        // Either the given values are kept, or the call should have failed naming the field: silently replacing them is data loss.
        Assert.Equal(received, @case[CaseFields.OpenedAt]);
        Assert.Equal(CaseStatus.InProgress, @case[CaseFields.Status]);
    }

    [Fact]
    public async Task Probe_SlaCompliance_DoesNotCountCancelledCaseAsOpenOnTrack()
    {
        await using var f = await ServiceFixture.StartAsync();
        var c = await f.Desk.OpenCaseAsync(new NewCase { Subject = "dup", Priority = CasePriority.General });
        await f.Desk.SetSlaAsync(c.Id, BusinessDuration.FromBusinessDays(5));
        await f.Tenant.Records.UpdateAsync(ServiceEntities.Case, c.Id, null, new Dictionary<string, object?> { [CaseFields.Status] = CaseStatus.Cancelled });

        var report = await ActivatorUtilities.CreateInstance<SlaComplianceReport>(f.Host.Services)
            .RunAsync(new ReportContext(f.Tenant, new Dictionary<string, object?>(), f.Host.Clock.GetUtcNow()), CancellationToken.None);

        Assert.Equal(0L, report.Summary.Single(s => s.Key == "open on track").Value);
    }

    [Fact]
    public async Task Probe_Close_WithOpenTaskTheAgentCannotSee_IsRefused()
    {
        await using var f = await ServiceFixture.StartAsync();
        var north = await f.Tenant.Organization.CreateUnitAsync("North");
        var south = await f.Tenant.Organization.CreateUnitAsync("South");
        var agent = await f.UserAsync("agent", SystemRoles.ServiceAgent, north.Id);
        var buyer = await f.UserAsync("buyer", SystemRoles.ServiceAgent, south.Id);
        var desk = f.DeskFor(f.Tenant.AsUser(agent.Id));
        var @case = await desk.OpenCaseAsync(new NewCase { Subject = "Leak" });
        // The plan (as in the complaint desk) gives a task to a procurement manager in another unit.
        var plan = await f.Desk.SubmitPlanAsync(@case.Id, "Replace", [new PlanTask("Block seal batch 42", buyer.Id) { DueAt = f.Host.Clock.GetUtcNow().AddDays(2) }]);

        Exception? refused = null;
        try { await desk.CloseAsync(@case.Id); } catch (Exception e) { refused = e; }

        var task = await f.Tenant.Records.GetAsync(CoreEntities.Activity, plan.Tasks[0].Id);
        Assert.True(refused is not null, $"case closed while task '{task![ActivityFields.Subject]}' is still {task[ActivityFields.Status]}");
    }
}
