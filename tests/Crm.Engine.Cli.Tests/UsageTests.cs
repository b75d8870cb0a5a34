namespace Crm.Engine.Cli.Tests;

public sealed class UsageTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Theory]
    [InlineData("bogus")]
    [InlineData("tenant", "create", "acme")]
    [InlineData("field", "add", "account", "tier_c", "--tenant", "acme")]
    [InlineData("field", "add", "account", "tier_c", "--type", "colour", "--tenant", "acme")]
    [InlineData("field", "add", "account", "score_c", "--type", "number", "--min", "1,5", "--tenant", "acme")]
    [InlineData("account", "list", "--tenant", "acme", "--take", "0")]
    [InlineData("account", "list", "--tenant", "acme", "--where", "no-operator")]
    public async Task Invoke_MalformedCommandLine_ExitsTwoWithUsageHint(params string[] args)
    {
        await _cli.InitAsync("acme");

        var result = await _cli.RunAsync(args);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: ", result.Error, StringComparison.Ordinal);
        Assert.Contains("--help' for usage.", result.Error, StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.Output);
    }

    [Fact]
    public async Task Invoke_TenantScopedCommandWithoutTenant_ExitsTwoNamingTheOption()
    {
        await _cli.InitAsync("acme");

        var result = await _cli.RunAsync("field", "list", "account");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("pass --tenant <id> or set CRM_TENANT", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invoke_TenantFromEnvironment_UsesCrmTenant()
    {
        await _cli.InitAsync("acme");
        _cli.SetEnvironment("CRM_TENANT", "acme");

        var output = await _cli.RunOkAsync("field", "list", "account");

        Assert.Contains("for tenant acme", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invoke_UnknownTenant_ExitsOneSuggestingTenantCreate()
    {
        await _cli.InitAsync("acme");

        var result = await _cli.RunAsync("account", "list", "--tenant", "globex");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("tenant 'globex' does not exist", result.Error, StringComparison.Ordinal);
        Assert.Contains("crm tenant create globex", result.Error, StringComparison.Ordinal);
        Assert.Null(await _cli.WithEngineAsync(engine => engine.Tenants.GetAsync("globex")));
    }

    [Fact]
    public async Task Invoke_Help_ExitsZeroAndListsCommands()
    {
        var result = await _cli.RunRawAsync("--help");

        Assert.Equal(0, result.ExitCode);
        foreach (var command in new[] { "init", "tenant", "field", "entity", "account", "contact" })
        {
            Assert.Contains(command, result.Output, StringComparison.Ordinal);
        }
    }
}
