using System.Diagnostics;

namespace Crm.Engine.Cli.Tests;

/// <summary>Runs the built <c>crm</c> entry point as a real child process.</summary>
public sealed class ProcessTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task CrmDll_Help_ExitsZeroAndDescribesCommands()
    {
        var (exitCode, output, _) = await RunCrmAsync("--help");

        Assert.Equal(0, exitCode);
        Assert.Contains("tenant", output, StringComparison.Ordinal);
        Assert.Contains("--db", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CrmDll_InitThenTenantCreate_WritesDatabaseAndReturnsExitCodes()
    {
        var (initExit, initOutput, initError) = await RunCrmAsync("init", "--db", _cli.DatabasePath);
        var (createExit, _, _) = await RunCrmAsync("tenant", "create", "acme", "--name", "Acme", "--db", _cli.DatabasePath);
        var (duplicateExit, _, duplicateError) = await RunCrmAsync("tenant", "create", "acme", "--name", "Acme", "--db", _cli.DatabasePath);
        var (usageExit, _, _) = await RunCrmAsync("tenant", "frobnicate", "--db", _cli.DatabasePath);

        Assert.True(initExit == 0, initError);
        Assert.Contains("Applied migration core 1", initOutput, StringComparison.Ordinal);
        Assert.Equal(0, createExit);
        Assert.Equal(1, duplicateExit);
        Assert.Contains("error: tenant.id", duplicateError, StringComparison.Ordinal);
        Assert.Equal(2, usageExit);
        Assert.Equal("Acme", (await _cli.WithEngineAsync(engine => engine.Tenants.GetAsync("acme")))?.Name);
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunCrmAsync(params string[] args)
    {
        var crmDll = Path.Combine(AppContext.BaseDirectory, "crm.dll");
        Assert.True(File.Exists(crmDll), $"{crmDll} was not built next to the tests.");
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var start = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(crmDll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("CRM_DB");
        start.Environment.Remove("CRM_TENANT");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }
}
