using Crm.Engine.Abstractions.Reports;
using Crm.Engine.Abstractions.Security;
using Crm.Engine.Abstractions.Work;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Plugins.Service.Tests;

public sealed class ReportTests
{
    private static Task<ReportResult> RunAsync<TReport>(ServiceFixture f, Engine.Abstractions.ICrmTenant tenant, Dictionary<string, object?>? parameters = null)
        where TReport : IReport =>
        ActivatorUtilities.CreateInstance<TReport>(f.Host.Services).RunAsync(new ReportContext(tenant, parameters ?? [], f.Host.Clock.GetUtcNow()), CancellationToken.None);

    private static object? Cell(ReportResult result, int row, string column) => result.Rows[row][result.Columns.ToList().FindIndex(c => c.Name == column)];

    private static object? Summary(ReportResult result, string key) => result.Summary.Single(s => s.Key == key).Value;

    [Fact]
    public async Task ComplaintStatus_RowsPerCase_AndCountsByStatusPriorityAndSlaState()
    {
        await using var f = await ServiceFixture.StartAsync();
        var account = await f.AccountAsync();
        var urgent = await f.Desk.OpenCaseAsync(new NewCase { Subject = "Leak", Category = CaseCategory.Complaint, Priority = CasePriority.Urgent, AccountId = account.Id });
        await f.Desk.SetSlaAsync(urgent.Id, BusinessDuration.FromWorkingTime(TimeSpan.FromHours(8)));
        var general = await f.Desk.OpenCaseAsync(new NewCase { Subject = "Scratch", Category = CaseCategory.Complaint, Priority = CasePriority.General });
        await f.Desk.ResolveAsync(general.Id, "Polished");
        await f.Desk.OpenCaseAsync(new NewCase { Subject = "How to descale?", Category = CaseCategory.Question });

        var all = await RunAsync<ComplaintStatusReport>(f, f.Tenant);
        var complaints = await RunAsync<ComplaintStatusReport>(f, f.Tenant, new() { ["category"] = CaseCategory.Complaint, ["openOnly"] = true });

        Assert.Equal("service.complaintStatus", all.Report);
        Assert.Equal(["caseNumber", "subject", "customer", "priority", "status", "slaState", "slaDueAt"], all.Columns.Select(c => c.Name));
        Assert.Equal(3, all.Rows.Count);
        Assert.Equal(["CAS-2026-00001", "Leak", "Brewer GmbH", CasePriority.Urgent, CaseStatus.New, SlaState.OnTrack, new DateTimeOffset(2026, 3, 30, 13, 0, 0, TimeSpan.Zero)], all.Rows[0]);
        Assert.Equal((3L, 2L, 1L, 1L, 1L), ((long)Summary(all, "cases")!, (long)Summary(all, "status: new")!, (long)Summary(all, "status: resolved")!, (long)Summary(all, "priority: urgent")!, (long)Summary(all, "slaState: onTrack")!));
        Assert.Equal("CAS-2026-00001", Assert.Single(complaints.Rows)[0]);
    }

    [Fact]
    public async Task PreventiveMeasures_ShowCaseCustomerStatusReviewerAndFeedback()
    {
        await using var f = await ServiceFixture.StartAsync();
        var sales = await f.UserAsync("sales", SystemRoles.ServiceManager);
        await f.DefineJobRoleAsync("salesManager", sales.Id);
        var account = await f.AccountAsync();
        var @case = await f.Desk.OpenCaseAsync(new NewCase { Subject = "Leak", AccountId = account.Id, OwnerId = sales.Id });
        var approved = await f.Desk.ProposeMeasureAsync(@case.Id, new NewMeasure("Inspect seals"));
        f.Host.Clock.Advance(TimeSpan.FromMinutes(1));
        await f.Desk.ProposeMeasureAsync(@case.Id, new NewMeasure("Change supplier"));
        await f.DeskFor(f.Tenant.AsUser(sales.Id)).ReviewMeasureAsync(approved.Id, MeasureDecision.Approve);
        await f.Desk.MarkFedBackAsync(approved.Id);

        var report = await RunAsync<PreventiveMeasuresReport>(f, f.Tenant);
        var notFedBack = await RunAsync<PreventiveMeasuresReport>(f, f.Tenant, new() { ["fedBack"] = false });

        Assert.Equal(2, report.Rows.Count);
        Assert.Equal(("CAS-2026-00001", "Brewer GmbH", "Inspect seals", MeasureStatus.Approved, "Sales", true),
            (Cell(report, 0, "caseNumber"), Cell(report, 0, "customer"), Cell(report, 0, "description"), Cell(report, 0, "status"), Cell(report, 0, "reviewer"), Cell(report, 0, "fedBackToCustomer")));
        Assert.Equal((MeasureStatus.Proposed, (object?)null, false), (Cell(report, 1, "status"), Cell(report, 1, "reviewer"), Cell(report, 1, "fedBackToCustomer")));
        Assert.Equal((2L, 1L, 1L), ((long)Summary(report, "measures")!, (long)Summary(report, "status: approved")!, (long)Summary(report, "fed back to customer")!));
        Assert.Equal("Change supplier", Assert.Single(notFedBack.Rows)[2]);
    }

    [Fact]
    public async Task SlaCompliance_CountsMetBreachedAndOpen_InThePeriod_WithPercentage()
    {
        await using var f = await ServiceFixture.StartAsync();
        async Task<Guid> Case(string priority, int hours)
        {
            var c = await f.Desk.OpenCaseAsync(new NewCase { Subject = "x", Priority = priority });
            await f.Desk.SetSlaAsync(c.Id, BusinessDuration.FromWorkingTime(TimeSpan.FromHours(hours)));
            return c.Id;
        }

        // Opened Friday 15:00 Berlin.
        var met = await Case(CasePriority.Urgent, 8);
        var breached = await Case(CasePriority.Urgent, 1);        // due 16:00
        var met2 = await Case(CasePriority.General, 8);
        await Case(CasePriority.General, 2);                        // warning 16:30, due 17:00: stays open
        await f.Desk.OpenCaseAsync(new NewCase { Subject = "no SLA" });
        await f.Desk.ResolveAsync(met, "ok");
        await f.Desk.ResolveAsync(met2, "ok");
        f.Host.Clock.Advance(TimeSpan.FromMinutes(95));             // 16:35
        await f.FireTimersAsync();
        await f.Desk.ResolveAsync(breached, "late");

        var report = await RunAsync<SlaComplianceReport>(f, f.Tenant, new() { ["from"] = new DateOnly(2026, 3, 27), ["to"] = new DateOnly(2026, 3, 27) });
        var later = await RunAsync<SlaComplianceReport>(f, f.Tenant, new() { ["from"] = new DateOnly(2026, 3, 28) });

        Assert.Equal((4L, 2L, 1L, 0L, 1L, (object?)66.7m),
            ((long)Summary(report, "cases with SLA")!, (long)Summary(report, "met")!, (long)Summary(report, "breached")!, (long)Summary(report, "open on track")!, (long)Summary(report, "open with warning")!, Summary(report, "compliance %")));
        Assert.Equal([CasePriority.General, 1L, 0L, 0L, 1L, 100m], report.Rows[0]);
        Assert.Equal([CasePriority.Urgent, 1L, 1L, 0L, 0L, 50m], report.Rows[1]);
        Assert.Empty(later.Rows);
        Assert.Null(Summary(later, "compliance %"));
    }

    [Fact]
    public async Task Reports_ShowOnlyWhatTheCallerMayRead()
    {
        await using var f = await ServiceFixture.StartAsync();
        var north = await f.Tenant.Organization.CreateUnitAsync("North");
        var south = await f.Tenant.Organization.CreateUnitAsync("South");
        var owner = await f.UserAsync("owner", SystemRoles.ServiceAgent, north.Id);
        var stranger = await f.UserAsync("stranger", SystemRoles.ServiceAgent, south.Id);
        var @case = await f.DeskFor(f.Tenant.AsUser(owner.Id)).OpenCaseAsync(new NewCase { Subject = "Leak" });
        await f.DeskFor(f.Tenant.AsUser(owner.Id)).SetSlaAsync(@case.Id, BusinessDuration.FromBusinessDays(1));
        await f.DeskFor(f.Tenant.AsUser(owner.Id)).ProposeMeasureAsync(@case.Id, new NewMeasure("Inspect"));

        Assert.Single((await RunAsync<ComplaintStatusReport>(f, f.Tenant.AsUser(owner.Id))).Rows);
        Assert.Empty((await RunAsync<ComplaintStatusReport>(f, f.Tenant.AsUser(stranger.Id))).Rows);
        Assert.Empty((await RunAsync<PreventiveMeasuresReport>(f, f.Tenant.AsUser(stranger.Id))).Rows);
        Assert.Equal(0L, Summary(await RunAsync<SlaComplianceReport>(f, f.Tenant.AsUser(stranger.Id)), "cases with SLA"));
    }
}
