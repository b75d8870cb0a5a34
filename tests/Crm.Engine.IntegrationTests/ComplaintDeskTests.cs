using Crm.Engine.Abstractions.Customers;
using Crm.Plugins.Service;
using Crm.Samples.ComplaintDesk;

namespace Crm.Engine.IntegrationTests;

/// <summary>
/// The acceptance scenario (domain.md, "complaint desk") run end to end as the sample host runs it: the call-center,
/// commerce and service modules loaded from disk, a real SQLite file, the tenants' rule packs, a simulated clock.
/// One run, checked step by step.
/// </summary>
public sealed class ComplaintDeskTests : IClassFixture<ComplaintDeskTests.Run>
{
    private readonly ComplaintDeskRun _run;

    public ComplaintDeskTests(Run run)
    {
        ArgumentNullException.ThrowIfNull(run);
        _run = run.Result;
    }

    [Fact]
    public void Step1_TheCallerIsIdentifiedByNumber_AndThePopShowsTheirOrders()
    {
        var pop = _run.ScreenPop!;

        Assert.Equal("Müller Handels AG", pop.Account![AccountFields.Name]);
        Assert.Equal("Jan Schulz", pop.Contact![ContactFields.Name]);
        var order = Assert.Single(pop.RecentOrders);
        Assert.Equal(["SN-WM500-4711", "SN-TD300-0815"], order.Lines.Select(l => l.SerialNumber));
        Assert.Empty(pop.OpenCases);
    }

    [Fact]
    public void Step2_TheComplaintIsFilledFromTheOrderLine_WithItsWarrantyStatus()
    {
        var complaint = _run.Complaint!;

        Assert.Equal(("Washing machine WM-500", "SN-WM500-4711", new DateOnly(2025, 11, 10)), (complaint[CaseFields.ProductName], complaint[CaseFields.SerialNumber], complaint[CaseFields.ShipDate]));
        Assert.Equal(WarrantyStatus.InWarranty, complaint[CaseFields.WarrantyStatus]);
        Assert.Equal(WarrantyStatus.Expired, _run.GeneralComplaint![CaseFields.WarrantyStatus]);
    }

    [Fact]
    public void Step3_RulesSetTheSlaOnTheBusinessCalendar_48WorkingHoursOr5BusinessDays_SkippingEaster()
    {
        // Opened Friday 27 March 14:00 Berlin; Good Friday and Easter Monday are holidays of the tenant's calendar.
        Assert.Equal(new DateTimeOffset(2026, 4, 8, 12, 0, 0, TimeSpan.Zero), _run.Complaint![CaseFields.SlaDueAt]);
        Assert.Equal(new DateTimeOffset(2026, 4, 7, 12, 0, 0, TimeSpan.Zero), _run.GeneralComplaint![CaseFields.SlaDueAt]);
    }

    [Fact]
    public void Step4_TheFourManagersAreNotified_EachOnTheirPreferredChannel()
    {
        foreach (var manager in new[] { "Sara Sales", "Quinn Quality", "Paul Procurement", "Gina General" })
        {
            var message = Assert.Single(_run.To(manager), m => m.Subject!.StartsWith("New urgent complaint", StringComparison.Ordinal));
            Assert.Equal(_run.Users[manager].Channel, message.Channel);
        }

        Assert.Equal(["email", "im", "sms"], _run.Delivered.Where(m => m.Subject!.StartsWith("New", StringComparison.Ordinal)).Select(m => m.Channel).Distinct().Order());
        // The general (non-quality) complaint notifies nobody at acme.
        Assert.DoesNotContain(_run.Delivered, m => m.Subject!.Contains("CAS-2026-00002", StringComparison.Ordinal) && !m.Address.EndsWith("@globex.example", StringComparison.Ordinal));
    }

    [Fact]
    public void Step5_NoPlanInTwoBusinessDays_EscalatesToTheGeneralAndServiceManagers()
    {
        Assert.Equal(true, _run.Complaint![CaseFields.Escalated]);
        Assert.Single(_run.To("Gina General"), m => m.Subject!.StartsWith("Escalated", StringComparison.Ordinal));
        Assert.Single(_run.To("Sven Service"), m => m.Subject!.StartsWith("Escalated", StringComparison.Ordinal));
        Assert.DoesNotContain(_run.To("Quinn Quality"), m => m.Subject!.StartsWith("Escalated", StringComparison.Ordinal));
    }

    [Fact]
    public void Step6_ClosingATaskNotifiesTheAgentAndTheServiceManager()
    {
        Assert.Single(_run.To("Anna Agent"), m => m.Body.Contains("Replace the door seal", StringComparison.Ordinal));
        Assert.Contains(_run.To("Sven Service"), m => m.Body.Contains("Replace the door seal", StringComparison.Ordinal));
    }

    [Fact]
    public void Step7And9_TheMeasuresAreReviewed_AndTheReportSaysWhichWasFedBack()
    {
        var report = _run.MeasuresReport!;
        var description = report.Columns.Select(c => c.Name).ToList().IndexOf("description");
        var status = report.Columns.Select(c => c.Name).ToList().IndexOf("status");
        var fedBack = report.Columns.Select(c => c.Name).ToList().IndexOf("fedBackToCustomer");

        var rows = report.Rows.ToDictionary(r => (string)r[description]!, r => (r[status], r[fedBack]));
        Assert.Equal(("approved", (object?)true), rows["Switch door seals to the second supplier"]);
        Assert.Equal(("rejected", (object?)false), rows["Inspect every machine before shipping"]);
    }

    [Fact]
    public void Step8_TheDocumentComesFromTheTenantsTemplate()
    {
        var body = (string)_run.Document![CaseDocumentFields.Body]!;

        Assert.Contains("COMPLAINT REPORT CAS-2026-00001", body, StringComparison.Ordinal);
        Assert.Contains("Product: Washing machine WM-500, serial SN-WM500-4711", body, StringComparison.Ordinal);
        Assert.Contains("Measure: Switch door seals to the second supplier - approved, fed back to the customer", body, StringComparison.Ordinal);
    }

    [Fact]
    public void Step9_TheStatusReportListsBothComplaintsWithTheirSlaState()
    {
        var report = _run.StatusReport!;
        var number = report.Columns.Select(c => c.Name).ToList().IndexOf("caseNumber");

        Assert.Equal(["CAS-2026-00001", "CAS-2026-00002"], report.Rows.Select(r => r[number]).Order());
        Assert.Equal(SlaState.Met, _run.Complaint![CaseFields.SlaState]);
    }

    [Fact]
    public void AnotherTenant_SeesNoneOfTheFirsts_AndItsRuleChangeTakesEffectWithoutARestart()
    {
        Assert.Equal((1L, false), _run.Isolation);
        Assert.Equal(2, _run.To("Quentin QA (Globex)").Count);                 // its own quality manager, once per complaint
        Assert.DoesNotContain(_run.Delivered, m => m.Address.EndsWith("@globex.example", StringComparison.Ordinal) && m.Subject!.Contains("CAS-2026-00001", StringComparison.Ordinal) && m.Subject.Contains("leaks", StringComparison.Ordinal));
        var (before, after, v1, v2) = _run.GlobexChange;
        Assert.Equal(v1 + 1, v2);
        Assert.True(after < before, $"the urgent SLA after the change ({after}) should be earlier than before ({before})");
    }

    /// <summary>Runs the scenario once for all the checks.</summary>
    public sealed class Run : IAsyncLifetime
    {
        private readonly string _directory = Path.Combine(Path.GetTempPath(), "crm-integration", Guid.NewGuid().ToString("N"));

        public ComplaintDeskRun Result { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Directory.CreateDirectory(_directory);
            Result = await ComplaintDeskScenario.RunAsync(Path.Combine(_directory, "crm.db"), TextWriter.Null);
        }

        public Task DisposeAsync()
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(_directory, recursive: true);
            return Task.CompletedTask;
        }
    }
}
