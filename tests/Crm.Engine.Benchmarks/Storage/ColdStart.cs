using System.Diagnostics;
using System.Globalization;
using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Plugins;
using Crm.Engine.Plugins;
using Crm.Engine.RulePacks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Crm.Engine.Benchmarks.Storage;

/// <summary>
/// The first start of the engine in a new process, JIT included, which <see cref="ColdStartBenchmarks"/> (warmed up,
/// many starts per process) does not show: the services a host registers (<c>AddCrmEngine().UseSqlite(...)</c>, rule
/// packs, plugins from disk), its hosted services started (which migrate a new SQLite file), and a first tenant and
/// record. <c>--cold-start plugins</c> loads the plugins laid out next to the benchmark program, <c>--cold-start core</c>
/// none. Run it once per process, several times (docs/benchmarks.md). Goal (with the five built-in plugins): under 1 s.
/// </summary>
public static class ColdStart
{
    // Laid out by build/Crm.Plugins.targets next to the benchmark program.
    private static readonly string Plugins = Path.Combine(AppContext.BaseDirectory, "plugins");

    /// <summary>Starts the engine twice in this process (the first start is the cold one) and writes the times.</summary>
    public static async Task RunAsync(string kind, TextWriter output)
    {
        var sinceStart = DateTime.Now - Process.GetCurrentProcess().StartTime;
        var withPlugins = kind switch
        {
            "plugins" => true,
            "core" => false,
            _ => throw new ArgumentException($"--cold-start takes 'plugins' or 'core', not '{kind}'.", nameof(kind)),
        };

        var first = await StartOnceAsync(withPlugins);
        var second = await StartOnceAsync(withPlugins);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"cold start, {(withPlugins ? $"{first.Plugins} plugins from disk" : "core only")}: {Ms(first.Ready)} ms to ready (services {Ms(first.Services)} ms, start + migrate {Ms(first.Started - first.Services)} ms, first tenant and record {Ms(first.Ready - first.Started)} ms); runtime start before it: {Ms(sinceStart)} ms; a second start in the same process: {Ms(second.Ready)} ms"));
    }

    private static async Task<(TimeSpan Services, TimeSpan Started, TimeSpan Ready, int Plugins)> StartOnceAsync(bool withPlugins)
    {
        var directory = Path.Combine(Path.GetTempPath(), "crm-cold-start", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            var clock = Stopwatch.StartNew();
            var services = new ServiceCollection();
            services.AddLogging();
            var engineBuilder = services.AddCrmEngine().UseSqlite($"Data Source={Path.Combine(directory, "crm.db")}").AddRulePacks();
            if (withPlugins)
            {
                if (!Directory.Exists(Plugins))
                {
                    throw new InvalidOperationException($"No plugins laid out at {Plugins}: build the project (build/Crm.Plugins.targets lays them out).");
                }

                engineBuilder.AddPluginsFrom(Plugins);
            }

            await using var provider = services.BuildServiceProvider();
            var hosted = provider.GetServices<IHostedService>().ToList();
            var built = clock.Elapsed;
            foreach (var service in hosted)
            {
                await service.StartAsync(CancellationToken.None);
            }

            var started = clock.Elapsed;
            var engine = provider.GetRequiredService<ICrmEngine>();
            await engine.Tenants.CreateAsync("cold", "Cold start");
            var account = await engine.ForTenant("cold").Accounts.CreateAsync(new NewAccount("Contoso"));
            var ready = clock.Elapsed;

            var loaded = provider.GetService<IPluginCatalog>()?.Plugins.Count(p => p.Status == PluginLoadStatus.Loaded) ?? 0;
            if (account.Id == Guid.Empty || (withPlugins && loaded == 0))
            {
                throw new InvalidOperationException($"cold start went wrong: {loaded} plugins loaded, account {account.Id}.");
            }

            for (var i = hosted.Count - 1; i >= 0; i--)
            {
                await hosted[i].StopAsync(CancellationToken.None);
            }

            return (built, started, ready, loaded);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture);
}
