using Crm.Engine.Abstractions;
using Microsoft.Data.Sqlite;

namespace Crm.Engine.Cli.Tests;

/// <summary>What one run of <c>crm</c> printed and returned.</summary>
/// <param name="ExitCode">The exit code.</param>
/// <param name="Output">Standard output.</param>
/// <param name="Error">Standard error.</param>
internal sealed record CliResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}{Environment.NewLine}stdout:{Environment.NewLine}{Output}{Environment.NewLine}stderr:{Environment.NewLine}{Error}";
}

/// <summary>Runs the real command tree in-process against a SQLite file in a fresh temp folder.</summary>
internal sealed class CliHarness : IDisposable
{
    private readonly Dictionary<string, string> _environment = new(StringComparer.Ordinal);

    public CliHarness()
    {
        Directory = Path.Combine(Path.GetTempPath(), "crm-cli-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    public string DatabasePath => Path.Combine(Directory, "crm.db");

    /// <summary>Sets an environment variable as the command line sees it (the process environment is not touched).</summary>
    public void SetEnvironment(string name, string value) => _environment[name] = value;

    /// <summary>Runs <c>crm</c> with the arguments exactly as given.</summary>
    public async Task<CliResult> RunRawAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var context = new CliContext(output, error, name => _environment.GetValueOrDefault(name));
        var exitCode = await CrmCli.InvokeAsync(args, context);
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }

    /// <summary>Runs <c>crm</c> on this harness's database (adds <c>--db</c>).</summary>
    public Task<CliResult> RunAsync(params string[] args) => RunRawAsync([.. args, "--db", DatabasePath]);

    /// <summary>Runs a command that must succeed, and returns its output.</summary>
    public async Task<string> RunOkAsync(params string[] args)
    {
        var result = await RunAsync(args);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(string.Empty, result.Error);
        return result.Output;
    }

    /// <summary>Initialises the database and creates tenants.</summary>
    public async Task InitAsync(params string[] tenantIds)
    {
        await RunOkAsync("init");
        foreach (var id in tenantIds)
        {
            await RunOkAsync("tenant", "create", id, "--name", $"Tenant {id}");
        }
    }

    /// <summary>Opens the engine on the same database, to seed records or check the stored state.</summary>
    public async Task<T> WithEngineAsync<T>(Func<ICrmEngine, Task<T>> action)
    {
        await using var session = await EngineSession.OpenAsync(DatabasePath, create: false, CancellationToken.None);
        return await action(session.Engine);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A handle still open: the OS temp cleaner will take it.
        }
    }
}
