using BenchmarkDotNet.Attributes;
using Crm.Engine.Abstractions.Plugins;
using Crm.Engine.Plugins;
using Microsoft.Extensions.DependencyInjection;
using Crm.Engine.Testing;

namespace Crm.Engine.Benchmarks.Storage;

/// <summary>
/// Cold start: building the engine and migrating a new database, with the core only and with plugins loaded from
/// disk (each in its own load context, manifests checked, dependencies ordered, their migrations run). Goal (with the
/// five built-in plugins): under 1 s.
/// </summary>
public class ColdStartBenchmarks
{
    // Laid out by build/Crm.Plugins.targets next to the assembly that runs (the benchmark program or its test project).
    private static readonly string Plugins = Path.Combine(AppContext.BaseDirectory, "plugins");

    private int _starts;

    [Benchmark(Baseline = true, Description = "start engine + migrate new database")]
    public async Task<int> StartAndMigrate()
    {
        await using var host = await CrmTestHost.StartAsync();
        return ++_starts;
    }

    [Benchmark(Description = "the same + the 5 built-in modules loaded from disk")]
    public async Task<int> StartWithPlugins()
    {
        if (!Directory.Exists(Plugins))
        {
            throw new InvalidOperationException($"No plugins laid out at {Plugins}: build the project (build/Crm.Plugins.targets lays them out).");
        }

        await using var host = await CrmTestHost.StartAsync(b => b.AddPluginsFrom(Plugins));
        var loaded = host.Services.GetRequiredService<IPluginCatalog>().Plugins.Count(p => p.Status == PluginLoadStatus.Loaded);
        return loaded == 5 ? ++_starts : throw new InvalidOperationException($"{loaded} of 5 plugins loaded from {Plugins}.");
    }
}
