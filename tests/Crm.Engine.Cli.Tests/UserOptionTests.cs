using System.Text.Json;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Organization;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Security;

namespace Crm.Engine.Cli.Tests;

/// <summary><c>--user</c>: commands act as a named user, with that user's security roles.</summary>
public sealed class UserOptionTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Theory]
    [InlineData("init")]
    [InlineData("tenant", "list")]
    [InlineData("tenant", "create", "globex", "--name", "Globex")]
    public async Task DatabaseCommands_ExplicitUser_RefusedNotIgnored(params string[] command)
    {
        await _cli.InitAsync("acme");

        var result = await _cli.RunAsync([.. command, "--user", "rep"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"--user does not apply to `crm {string.Join(' ', command.TakeWhile(c => c is "init" or "tenant" or "list" or "create"))}`", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("globex", await _cli.RunOkAsync("tenant", "list"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RulesValidate_ExplicitUser_RefusedNotIgnored()
    {
        await _cli.InitAsync("acme");
        var pack = Path.Combine(_cli.Directory, "p.yaml");
        await File.WriteAllTextAsync(pack, "schemaVersion: 1\nrules:\n  - name: r\n    when:\n      - match: account\n    then:\n      - action: log\n        with: { message: 'x' }\n");

        var result = await _cli.RunAsync("rules", "validate", pack, "--tenant", "acme", "--user", "nosuchuser");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--user does not apply to `crm rules validate`", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AccountList_AsSalesRep_ShowsOnlyWhatTheUserMayRead()
    {
        await _cli.InitAsync("acme");
        await _cli.WithEngineAsync(async engine =>
        {
            var crm = engine.ForTenant("acme");
            var root = await crm.Organization.GetRootUnitAsync();
            var other = await crm.Organization.CreateUnitAsync("Other", root.Id);
            var rep = await crm.Organization.CreateUserAsync(new NewUser("rep", "Rep"));
            var stranger = await crm.Organization.CreateUserAsync(new NewUser("stranger", "Stranger") { UnitId = other.Id });
            await crm.Security.GrantRoleAsync(SecurityPrincipal.User(rep.Id), SystemRoles.SalesRep);
            await crm.Records.CreateAsync(CoreEntities.Account, new Dictionary<string, object?> { ["name"] = "Mine" }, new CreateOptions { OwnerId = rep.Id });
            await crm.Records.CreateAsync(CoreEntities.Account, new Dictionary<string, object?> { ["name"] = "Theirs" }, new CreateOptions { OwnerId = stranger.Id });
            return true;
        });

        var asSystem = await _cli.RunOkAsync("account", "list", "--tenant", "acme", "--sort", "name", "--json");
        var asRep = await _cli.RunOkAsync("account", "list", "--tenant", "acme", "--user", "rep", "--json");

        Assert.Equal(["Mine", "Theirs"], Names(asSystem));
        Assert.Equal(["Mine"], Names(asRep));
    }

    [Fact]
    public async Task FieldAdd_AsUserWithoutCustomize_FailsNamingThePrivilege()
    {
        await _cli.InitAsync("acme");
        await _cli.WithEngineAsync(async engine =>
        {
            var crm = engine.ForTenant("acme");
            var rep = await crm.Organization.CreateUserAsync(new NewUser("rep", "Rep"));
            await crm.Security.GrantRoleAsync(SecurityPrincipal.User(rep.Id), SystemRoles.SalesRep);
            return true;
        });

        var result = await _cli.RunAsync("field", "add", "account", "score_c", "--type", "number", "--tenant", "acme", "--user", "rep");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Customize", result.Error + result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnyTenantCommand_UnknownUser_ClearError()
    {
        await _cli.InitAsync("acme");

        var result = await _cli.RunAsync("account", "list", "--tenant", "acme", "--user", "nobody");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("no active user 'nobody'", result.Error, StringComparison.Ordinal);
    }

    private static List<string?> Names(string json) =>
        [.. JsonDocument.Parse(json).RootElement.EnumerateArray().Select(a => a.GetProperty("name").GetString())];
}
