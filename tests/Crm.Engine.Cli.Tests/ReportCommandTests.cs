using Crm.Engine.Abstractions.Customers;

namespace Crm.Engine.Cli.Tests;

public sealed class ReportCommandTests
{
    private static readonly string Modules = Path.Combine(AppContext.BaseDirectory, "modules");

    [Fact]
    public async Task ReportList_WithoutPlugins_ListsTheCoreReportsWithTheirParameters()
    {
        using var cli = new CliHarness();
        await cli.InitAsync();

        var output = await cli.RunOkAsync("report", "list");

        Assert.Contains("core.activeAccounts", output, StringComparison.Ordinal);
        Assert.Contains("days (number)", output, StringComparison.Ordinal);
        Assert.Contains("core.contactRoles", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReportRun_AsCsvAndJson_PrintsTheRowsOfTheTenant()
    {
        using var cli = new CliHarness();
        await cli.InitAsync("acme", "globex");
        await cli.WithEngineAsync(async engine =>
        {
            var account = await engine.ForTenant("acme").Accounts.CreateAsync(new NewAccount("Müller, Handels AG"));
            await engine.ForTenant("acme").Contacts.CreateAsync(new NewContact("Jan", "Schulz") { AccountId = account.Id, Fields = new Dictionary<string, object?> { [ContactFields.JobTitle] = "Buyer \"senior\"" } });
            return await engine.ForTenant("globex").Accounts.CreateAsync(new NewAccount("Other tenant"));
        });

        var csv = await cli.RunOkAsync("report", "run", "core.contactRoles", "--tenant", "acme", "--format", "csv");
        var json = await cli.RunOkAsync("report", "run", "core.contactRoles", "--tenant", "acme", "--format", "json", "-p", "account=Müller");
        var table = await cli.RunOkAsync("report", "run", "core.accountsByOwner", "--tenant", "globex");

        Assert.Equal("account,contact,role,email,phone\r\n\"Müller, Handels AG\",Jan Schulz,\"Buyer \"\"senior\"\"\",,\r\n", csv);
        Assert.Contains("\"contact\": \"Jan Schulz\"", json, StringComparison.Ordinal);
        Assert.Contains("(no owner)", table, StringComparison.Ordinal);
        Assert.Contains("Accounts: 1", table, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReportRun_BadParameters_FailNamingThem()
    {
        using var cli = new CliHarness();
        await cli.InitAsync("acme");

        var misspelt = await cli.RunAsync("report", "run", "core.activeAccounts", "--tenant", "acme", "-p", "dayz=3");
        var notPair = await cli.RunAsync("report", "run", "core.activeAccounts", "--tenant", "acme", "-p", "days");
        var unknown = await cli.RunAsync("report", "run", "core.activeAcounts", "--tenant", "acme");

        Assert.Equal(1, misspelt.ExitCode);
        Assert.Contains("has no parameter 'dayz'. Did you mean 'days'?", misspelt.Error, StringComparison.Ordinal);
        Assert.Equal(2, notPair.ExitCode);
        Assert.Contains("--param 'days' is not name=value", notPair.Error, StringComparison.Ordinal);
        Assert.Contains("Did you mean 'core.activeAccounts'?", unknown.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PluginsOption_LoadsTheModulesOfTheFolder_AndAMissingFolderIsAnError()
    {
        using var cli = new CliHarness();
        await cli.InitAsync("acme");

        var withModule = await cli.RunOkAsync("entity", "list", "--tenant", "acme", "--plugins", Modules);
        var without = await cli.RunOkAsync("entity", "list", "--tenant", "acme");
        cli.SetEnvironment("CRM_PLUGINS", Path.Combine(cli.Directory, "missing"));
        var missing = await cli.RunAsync("entity", "list", "--tenant", "acme");

        Assert.Contains("Crm.Plugins.Commerce", withModule, StringComparison.Ordinal);
        Assert.Contains("orderLine", withModule, StringComparison.Ordinal);
        Assert.DoesNotContain("orderLine", without, StringComparison.Ordinal);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("missing does not exist (given with --plugins or $CRM_PLUGINS)", missing.Error, StringComparison.Ordinal);
    }
}
