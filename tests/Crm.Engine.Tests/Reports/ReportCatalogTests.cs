using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Plugins;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Reports;
using Crm.Engine.Abstractions.Security;
using Crm.Engine.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Engine.Tests.Reports;

public sealed class ReportCatalogTests
{
    [Fact]
    public async Task AccountsByOwner_CountsPerOwner_OnlyWhatTheCallerMayRead()
    {
        await using var host = await CrmTestHost.StartAsync();
        var org = new Security.Org(await host.CreateTenantAsync());
        var reader = await org.RoleAsync("own-accounts", [Security.Org.P(RecordPrivilege.Read, AccessDepth.Own, CoreEntities.Account)]);
        var ada = await org.UserAsync("Ada", null, reader);
        var bob = await org.UserAsync("Bob");
        foreach (var (name, owner) in new[] { ("A1", ada), ("A2", ada), ("B1", bob) })
        {
            await org.System.Accounts.CreateAsync(new NewAccount(name) { OwnerId = owner });
        }

        var catalog = host.Services.GetRequiredService<IReportCatalog>();
        var all = await catalog.RunAsync(org.System, "core.accountsByOwner");
        var mine = await catalog.RunAsync(org.As(ada), "core.accountsByOwner");

        Assert.Equal(["Ada:2", "Bob:1"], all.Rows.Select(r => $"{r[0]}:{r[1]}"));
        Assert.Equal(["Ada:2"], mine.Rows.Select(r => $"{r[0]}:{r[1]}"));
        Assert.Equal(("Accounts by owner", "core", 2L), (mine.Title, catalog.Reports.Single(r => r.Name == "core.accountsByOwner").Module, mine.Summary.Single().Value));
        Assert.Equal(host.Clock.GetUtcNow(), mine.GeneratedAt);
    }

    [Fact]
    public async Task ActiveAccounts_CountsActivitiesInTheWindow_NewestFirst()
    {
        await using var host = await CrmTestHost.StartAsync();
        var crm = await host.CreateTenantAsync();
        var now = host.Clock.GetUtcNow();
        var recent = await crm.Accounts.CreateAsync(new NewAccount("Recent"));
        var busy = await crm.Accounts.CreateAsync(new NewAccount("Busy"));
        var dormant = await crm.Accounts.CreateAsync(new NewAccount("Dormant"));
        foreach (var (account, daysAgo) in new[] { (recent, 1), (busy, 10), (busy, 12), (dormant, 100) })
        {
            await crm.Activities.LogAsync(new NewActivity(ActivityTypes.Call, "Call", new RecordRef(CoreEntities.Account, account.Id)) { OccurredAt = now.AddDays(-daysAgo) });
        }

        var catalog = host.Services.GetRequiredService<IReportCatalog>();
        var standard = await catalog.RunAsync(crm, "core.activeAccounts");
        var lastWeek = await catalog.RunAsync(crm, "core.activeAccounts", new Dictionary<string, string?> { ["days"] = "7" });

        Assert.Equal(["Recent:1", "Busy:2"], standard.Rows.Select(r => $"{r[0]}:{r[2]}"));
        Assert.Equal(now.AddDays(-1), standard.Rows[0][3]);
        Assert.Equal(["Recent"], lastWeek.Rows.Select(r => r[0]));
        Assert.Equal(7m, lastWeek.Parameters["days"]);
    }

    [Fact]
    public async Task ContactRoles_ListsEachAccountsContactsWithTheirRole_FilteredByAccountName()
    {
        await using var host = await CrmTestHost.StartAsync();
        var crm = await host.CreateTenantAsync();
        var globex = await crm.Accounts.CreateAsync(new NewAccount("Globex"));
        var initech = await crm.Accounts.CreateAsync(new NewAccount("Initech"));
        await crm.Contacts.CreateAsync(new NewContact("Hank", "Scorpio") { AccountId = globex.Id, Email = "hank@globex.example", Fields = new Dictionary<string, object?> { [ContactFields.JobTitle] = "CEO" } });
        await crm.Contacts.CreateAsync(new NewContact("Bill", "Lumbergh") { AccountId = initech.Id, Phone = "+1 555 0100" });
        await crm.Contacts.CreateAsync(new NewContact("Loose", "End"));

        var catalog = host.Services.GetRequiredService<IReportCatalog>();
        var all = await catalog.RunAsync(crm, "core.contactRoles");
        var globexOnly = await catalog.RunAsync(crm, "core.contactRoles", new Dictionary<string, string?> { ["account"] = "glob" });

        Assert.Equal(["Globex|Hank Scorpio|CEO|hank@globex.example|", "Initech|Bill Lumbergh|||+1 555 0100"], all.Rows.Select(r => $"{r[0]}|{r[1]}|{r[2]}|{r[3]}|{r[4]}"));
        Assert.Equal(1L, all.Summary.Single(s => s.Key == "Without a role").Value);
        Assert.Equal(["Hank Scorpio"], globexOnly.Rows.Select(r => r[1]));
    }

    [Fact]
    public async Task RunAsync_UnknownReportParameterOrBadValue_IsRejectedNamingIt()
    {
        await using var host = await CrmTestHost.StartAsync(b => b.AddPlugin<ParameterReportPlugin>("params"));
        var crm = await host.CreateTenantAsync();
        var catalog = host.Services.GetRequiredService<IReportCatalog>();

        var unknown = await Assert.ThrowsAsync<CrmValidationException>(() => catalog.RunAsync(crm, "core.acountsByOwner"));
        var misspelt = await Assert.ThrowsAsync<CrmValidationException>(() => catalog.RunAsync(crm, "core.activeAccounts", new Dictionary<string, string?> { ["dayz"] = "7" }));
        var notANumber = await Assert.ThrowsAsync<CrmValidationException>(() => catalog.RunAsync(crm, "core.activeAccounts", new Dictionary<string, string?> { ["days"] = "a week" }));
        var missing = await Assert.ThrowsAsync<CrmValidationException>(() => catalog.RunAsync(crm, "test.params"));
        var empty = await Assert.ThrowsAsync<CrmValidationException>(() => catalog.RunAsync(crm, "core.activeAccounts", new Dictionary<string, string?> { ["days"] = " " }));
        var badDate = await Assert.ThrowsAsync<CrmValidationException>(() => catalog.RunAsync(crm, "test.params", new Dictionary<string, string?> { ["from"] = "31.12.2026" }));
        var ok = await catalog.RunAsync(crm, "test.params", new Dictionary<string, string?> { ["from"] = "2026-12-31" });

        Assert.Contains("Did you mean 'core.accountsByOwner'?", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("no parameter 'dayz'. Did you mean 'days'?", misspelt.Message, StringComparison.Ordinal);
        Assert.Contains("'days' of report 'core.activeAccounts' must be a number", notANumber.Message, StringComparison.Ordinal);
        Assert.Contains("needs parameter 'from'", missing.Message, StringComparison.Ordinal);
        Assert.Contains("'days' of report 'core.activeAccounts' is given without a value", empty.Message, StringComparison.Ordinal);
        Assert.Contains("must be a date as yyyy-MM-dd; '31.12.2026' is not", badDate.Message, StringComparison.Ordinal);
        Assert.Equal("2026-12-31", ok.Rows.Single()[0]);
        Assert.Equal("params", catalog.Reports.Single(r => r.Name == "test.params").Module);
    }

    [Fact]
    public async Task Catalog_TwoModulesRegisteringOneName_FailsNamingBoth()
    {
        await using var host = await CrmTestHost.StartAsync(b => b.AddPlugin<ParameterReportPlugin>("first").AddPlugin<ParameterReportPlugin>("second"));

        var error = Assert.Throws<CrmConfigurationException>(() => host.Services.GetRequiredService<IReportCatalog>().Reports);

        Assert.Equal("Report 'test.params' is registered twice: by 'first' and by 'second'.", error.Message);
    }

    [Fact]
    public async Task RunAsync_AReportWithRowsOfTheWrongWidth_FailsNamingTheReport()
    {
        await using var host = await CrmTestHost.StartAsync(b => b.AddPlugin<ParameterReportPlugin>("params"));
        var crm = await host.CreateTenantAsync();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.Services.GetRequiredService<IReportCatalog>().RunAsync(
            crm, "test.params", new Dictionary<string, string?> { ["from"] = "2026-01-01", ["broken"] = "true" }));

        Assert.Equal("Report 'test.params' (params) returned row 1 with 2 values for 1 columns.", error.Message);
    }

    public sealed class ParameterReportPlugin : ICrmPlugin
    {
        public void Configure(ICrmPluginBuilder builder) => builder.AddReport<ParameterReport>();
    }

    public sealed class ParameterReport : IReport
    {
        public ReportDefinition Definition { get; } = new()
        {
            Name = "test.params",
            Title = "Parameters",
            Parameters = [new("from", FieldType.Date, Required: true, "First day."), new("broken", FieldType.Bool, Required: false, "Return a bad row.")],
        };

        public Task<ReportResult> RunAsync(ReportContext context, CancellationToken cancellationToken)
        {
            var from = context.Get<DateOnly>("from");
            IReadOnlyList<object?> row = context.Get("broken", false) ? [from.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), 1] : [from.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)];
            return Task.FromResult(new ReportResult { Report = "x", Title = "x", Columns = [new("from", "From", FieldType.Date)], Rows = [row] });
        }
    }
}
