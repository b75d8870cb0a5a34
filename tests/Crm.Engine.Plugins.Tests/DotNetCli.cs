using System.Diagnostics;
using System.Text;

namespace Crm.Engine.Plugins.Tests;

/// <summary>Runs the dotnet CLI as a developer would, isolated from the test run's own MSBuild environment.</summary>
internal static class DotNetCli
{
    public static readonly string RepositoryRoot = FindRepositoryRoot();

    /// <summary>The configuration the tests were built with (bin/&lt;Configuration&gt;/net10.0).</summary>
    public static readonly string Configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    /// <summary>The machine's NuGet cache: a read-only fallback for restores that use their own packages folder.</summary>
    public static readonly string MachinePackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    public static async Task<string> RunAsync(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The test host runs under MSBuild/VSTest: its variables would steer the child build. Worker nodes and the
        // compiler server must not outlive the command (they would hold the output pipes open).
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["UseSharedCompilation"] = "false";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";

        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        output.Append(await stdout).Append(await stderr);
        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', arguments)} exited with {process.ExitCode}:{Environment.NewLine}{output}");
        return output.ToString();
    }

    private static string FindRepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Crm.Engine.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("The repository root (Crm.Engine.sln) was not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>Packs the SDK packages into artifacts/packages once (from what the test build already compiled).</summary>
public sealed class PackedPackages : IAsyncLifetime
{
    public string Directory { get; } = Path.Combine(DotNetCli.RepositoryRoot, "artifacts", "packages");

    public async Task InitializeAsync() =>
        await DotNetCli.RunAsync(DotNetCli.RepositoryRoot, "msbuild", "build/Crm.Packages.proj", "-t:Pack", "-p:NoBuild=true", $"-p:Configuration={DotNetCli.Configuration}", "-nodeReuse:false", "-nologo");

    public Task DisposeAsync() => Task.CompletedTask;
}

[CollectionDefinition(Name)]
public sealed class PackagesTestGroup : ICollectionFixture<PackedPackages>
{
    /// <summary>The tests that build against the packed packages: run one at a time (each is a full build).</summary>
    public const string Name = "Packed SDK packages";
}
