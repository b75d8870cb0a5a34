using System.Text.Json;

namespace Crm.Engine.Cli.Tests;

public sealed class InitAndTenantTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Init_NewPath_CreatesDatabaseAndAppliesMigrations()
    {
        var output = await _cli.RunOkAsync("init");

        Assert.True(File.Exists(_cli.DatabasePath));
        Assert.Contains($"Created database {_cli.DatabasePath}", output, StringComparison.Ordinal);
        Assert.Contains("Applied migration core 1", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Init_ExistingDatabase_ReportsNothingToApply()
    {
        await _cli.RunOkAsync("init");

        var output = await _cli.RunOkAsync("init");

        Assert.Contains("exists", output, StringComparison.Ordinal);
        Assert.Contains("no migrations to apply", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Applied migration", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Init_DatabaseFromEnvironment_UsesCrmDb()
    {
        var path = Path.Combine(_cli.Directory, "from-env.db");
        _cli.SetEnvironment("CRM_DB", path);

        var result = await _cli.RunRawAsync("init");

        Assert.Equal(0, result.ExitCode);
        Assert.True(File.Exists(path));
    }

    [Fact]
    public async Task TenantCreate_ThenList_ShowsTenantWithItsSettings()
    {
        await _cli.RunOkAsync("init");

        var created = await _cli.RunOkAsync("tenant", "create", "acme", "--name", "Acme GmbH", "--time-zone", "Europe/Berlin", "--culture", "de-DE", "--currency", "EUR");
        await _cli.RunOkAsync("tenant", "create", "globex", "--name", "Globex Inc.");
        var table = await _cli.RunOkAsync("tenant", "list");
        var json = await _cli.RunOkAsync("tenant", "list", "--json");

        Assert.Contains("Created tenant acme (Acme GmbH)", created, StringComparison.Ordinal);
        Assert.Contains("Acme GmbH", table, StringComparison.Ordinal);
        Assert.Contains("Europe/Berlin", table, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(json);
        var tenants = document.RootElement.EnumerateArray().ToList();
        Assert.Equal(["acme", "globex"], tenants.Select(t => t.GetProperty("id").GetString()));
        Assert.Equal("de-DE", tenants[0].GetProperty("culture").GetString());
        Assert.Equal("EUR", tenants[0].GetProperty("currency").GetString());
        Assert.Equal("UTC", tenants[1].GetProperty("timeZone").GetString());
        var stored = await _cli.WithEngineAsync(engine => engine.Tenants.GetAsync("acme"));
        Assert.Equal("Europe/Berlin", stored?.Settings.TimeZone);
    }

    [Fact]
    public async Task TenantCreate_DuplicateId_ExitsOneWithMessage()
    {
        await _cli.InitAsync("acme");

        var result = await _cli.RunAsync("tenant", "create", "acme", "--name", "Another Acme");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error: tenant.id", result.Error, StringComparison.Ordinal);
        Assert.Contains("tenant 'acme' already exists", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
        var stored = await _cli.WithEngineAsync(engine => engine.Tenants.GetAsync("acme"));
        Assert.Equal("Tenant acme", stored?.Name);
    }

    [Fact]
    public async Task TenantCreate_BadId_ExitsOneNamingTheId()
    {
        await _cli.InitAsync();

        var result = await _cli.RunAsync("tenant", "create", "Bad_Id", "--name", "Bad");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("tenant.id (value \"Bad_Id\")", result.Error, StringComparison.Ordinal);
        Assert.Empty(await _cli.WithEngineAsync(engine => engine.Tenants.ListAsync()));
    }

    [Fact]
    public async Task TenantCreate_SeveralBadSettings_PrintsOneLinePerError()
    {
        await _cli.InitAsync();

        var result = await _cli.RunAsync("tenant", "create", "acme", "--name", "Acme", "--time-zone", "Mars/Olympus", "--currency", "euro");

        Assert.Equal(1, result.ExitCode);
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.All(lines, line => Assert.StartsWith("error: tenant.", line, StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("tenant.timeZone (value \"Mars/Olympus\")", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("tenant.currency (value \"euro\")", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TenantList_WithoutDatabase_ExitsOneSuggestingInit()
    {
        var result = await _cli.RunAsync("tenant", "list");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("there is no CRM database", result.Error, StringComparison.Ordinal);
        Assert.Contains("crm init", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(_cli.DatabasePath));
    }
}
