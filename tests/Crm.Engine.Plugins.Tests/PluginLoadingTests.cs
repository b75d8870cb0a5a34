using System.Runtime.Loader;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Plugins;
using Crm.Engine.Metadata;
using Crm.Engine.Testing;
using Crm.TestPlugins.Loyalty;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Engine.Plugins.Tests;

/// <summary>Real plugin assemblies, built by the test project's build and loaded from disk.</summary>
public sealed class PluginLoadingTests
{
    [Fact]
    public async Task Load_DependentFirstOnDisk_LoadsInDependencyOrder()
    {
        using var folders = new PluginFolders();
        folders.Add("Rewards", "A-Rewards"); // sorts before its dependency
        folders.Add("Loyalty", "B-Loyalty");
        await using var host = await CrmTestHost.StartAsync(b => b.AddPluginsFrom(folders.Root));

        var catalog = host.Services.GetRequiredService<IPluginCatalog>();
        Assert.Equal(["Test.Loyalty", "Test.Rewards"], catalog.Plugins.Select(p => p.Id));
        Assert.All(catalog.Plugins, p => Assert.Equal(PluginLoadStatus.Loaded, p.Status));
        Assert.Equal("1.2.0", catalog.Find("Test.Rewards")!.Version);
        Assert.Equal(Path.Combine(folders.Root, "A-Rewards"), catalog.Find("Test.Rewards")!.Directory);
        Assert.Equal(["core", "Test.Loyalty", "Test.Rewards"], host.Services.GetRequiredService<CrmRegistry>().Plugins);
    }

    [Fact]
    public async Task Load_PluginFromDisk_EngineUsesItsEntitiesHandlersAndMigrations()
    {
        using var folders = new PluginFolders();
        folders.Add("Loyalty");
        await using var host = await CrmTestHost.StartAsync(b => b.AddPluginsFrom(folders.Root));
        var crm = await host.CreateTenantAsync();

        var registry = host.Services.GetRequiredService<CrmRegistry>();
        var card = registry.FindEntity("loyaltyCard");
        Assert.NotNull(card);
        Assert.Equal("Test.Loyalty", card.Module);
        Assert.Contains(registry.FindEntity(CoreEntities.Account)!.Fields, f => f.ApiName == "loyaltyPoints");

        // The plugin's handler (a type from the plugin's load context) runs inside a real write.
        var created = await crm.Records.CreateAsync("loyaltyCard", new Dictionary<string, object?> { ["name"] = "Ada", ["points"] = 150m });
        Assert.Equal("silver", created["tier"]);
        Assert.Equal("Crm.TestPlugins.Loyalty", created["handledIn"]);
        var step = Assert.Single(registry.Steps, s => s.EntityType == "loyaltyCard");
        Assert.NotSame(AssemblyLoadContext.Default, AssemblyLoadContext.GetLoadContext(step.HandlerType.Assembly));
        Assert.True(typeof(Crm.Engine.Abstractions.Pipeline.IPipelineHandler).IsAssignableFrom(step.HandlerType));

        await using var db = new SqliteConnection($"Data Source={host.DatabasePath}");
        Assert.Equal(0, await db.ExecuteScalarAsync<long>("SELECT count(*) FROM test_loyalty_ledger"));
        Assert.Equal("1.0.0", await db.ExecuteScalarAsync<string>("SELECT version FROM crm_plugins WHERE plugin_id = 'Test.Loyalty'"));
    }

    [Fact]
    public async Task Load_DependentPlugin_UsesItsDependencysContractAcrossLoadContexts()
    {
        using var folders = new PluginFolders();
        folders.Add("Loyalty");
        folders.Add("Rewards");
        await using var host = await CrmTestHost.StartAsync(b => b.AddPluginsFrom(folders.Root));
        var crm = await host.CreateTenantAsync();

        // Test.Rewards' handler takes Test.Loyalty's ILoyaltyTiers from DI: both must see one and the same type.
        var reward = await crm.Records.CreateAsync("reward", new Dictionary<string, object?> { ["name"] = "Mug", ["points"] = 2000m });

        Assert.Equal("reward-gold", reward["tier"]);
    }

    [Fact]
    public async Task Load_HostSharingThePluginsOwnAssembly_ResolvesThePluginsServicesWithItsTypes_AndDependentsToo()
    {
        using var folders = new PluginFolders();
        folders.Add("Loyalty");
        folders.Add("Rewards");
        await using var unshared = await CrmTestHost.StartAsync(b => b.AddPluginsFrom(folders.Root));
        await using var host = await CrmTestHost.StartAsync(b => b.AddPluginsFrom(folders.Root, o => o.SharedTypes.Add(typeof(Crm.TestPlugins.Loyalty.ILoyaltyTiers))));
        var crm = await host.CreateTenantAsync();

        // The host calls the plugin's typed API with its own compile-time type: only a shared assembly makes it the same type.
        var tiers = host.Services.GetRequiredService<Crm.TestPlugins.Loyalty.ILoyaltyTiers>();
        var reward = await crm.Records.CreateAsync("reward", new Dictionary<string, object?> { ["name"] = "Mug", ["points"] = 2000m });

        Assert.Null(unshared.Services.GetService<Crm.TestPlugins.Loyalty.ILoyaltyTiers>());
        Assert.Equal("gold", tiers.TierFor(1500));
        Assert.Equal("reward-gold", reward["tier"]);
        Assert.Equal(PluginLoadStatus.Loaded, host.Services.GetRequiredService<IPluginCatalog>().Find("Test.Loyalty")!.Status);
    }

    [Fact]
    public async Task Load_PluginWithOwnPackages_SeesItsOwnDapperAndPackagesTheHostLacks()
    {
        using var folders = new PluginFolders();
        folders.Add("Isolated");
        await using var host = await CrmTestHost.StartAsync(b => b.AddPluginsFrom(folders.Root));
        var crm = await host.CreateTenantAsync();

        var probe = await crm.Records.CreateAsync("probe", new Dictionary<string, object?> { ["name"] = "p" });

        Assert.Equal("2.1.86 (2 parameters)", probe["dapperVersion"]);
        Assert.StartsWith("2.1.66", typeof(SqlMapper).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .Cast<System.Reflection.AssemblyInformationalVersionAttribute>().Single().InformationalVersion, StringComparison.Ordinal);
        Assert.Equal("2026-01-05 09:00", probe["nextRun"]);
        Assert.DoesNotContain(AssemblyLoadContext.Default.Assemblies, a => a.GetName().Name == "Cronos");
    }

    [Fact]
    public async Task Load_PluginCarryingItsOwnSdkCopy_UsesTheHostsAndWarns()
    {
        using var folders = new PluginFolders();
        var folder = folders.Add("Loyalty");
        File.Copy(typeof(ICrmPlugin).Assembly.Location, Path.Combine(folder, "Crm.Engine.Abstractions.dll"));
        await using var host = await CrmTestHost.StartAsync(b => b.AddPluginsFrom(folders.Root));

        var plugin = host.Services.GetRequiredService<IPluginCatalog>().Find("Test.Loyalty")!;
        Assert.Equal(PluginLoadStatus.Loaded, plugin.Status);
        var warning = Assert.Single(plugin.Warnings);
        Assert.Contains("its own Crm.Engine.Abstractions.dll, which is ignored", warning, StringComparison.Ordinal);
        var crm = await host.CreateTenantAsync();
        Assert.Equal("bronze", (await crm.Records.CreateAsync("loyaltyCard", new Dictionary<string, object?> { ["name"] = "A" }))["tier"]);
    }

    [Fact]
    public async Task AddPlugin_InCode_BehavesLikeLoadingFromDisk()
    {
        using var folders = new PluginFolders();
        folders.Add("Loyalty");
        await using var fromDisk = await CrmTestHost.StartAsync(b => b.AddPluginsFrom(folders.Root));
        await using var inCode = await CrmTestHost.StartAsync(b => b.AddPlugin<LoyaltyPlugin>(LoyaltyPlugin.Id));

        var diskRegistry = fromDisk.Services.GetRequiredService<CrmRegistry>();
        var codeRegistry = inCode.Services.GetRequiredService<CrmRegistry>();
        Assert.Equal(diskRegistry.Plugins, codeRegistry.Plugins);
        Assert.Equal(
            diskRegistry.Entities.Select(e => $"{e.ApiName}/{e.Module}:{string.Join(",", e.Fields.Select(f => f.ApiName + f.Type))}").Order(),
            codeRegistry.Entities.Select(e => $"{e.ApiName}/{e.Module}:{string.Join(",", e.Fields.Select(f => f.ApiName + f.Type))}").Order());
        Assert.Equal(
            diskRegistry.Steps.Select(s => $"{s.Message}/{s.EntityType}/{s.Stage}/{s.Order}/{s.HandlerType.FullName}"),
            codeRegistry.Steps.Select(s => $"{s.Message}/{s.EntityType}/{s.Stage}/{s.Order}/{s.HandlerType.FullName}"));

        var fromDiskCard = await (await fromDisk.CreateTenantAsync()).Records.CreateAsync("loyaltyCard", new Dictionary<string, object?> { ["name"] = "A", ["points"] = 5m });
        var inCodeCard = await (await inCode.CreateTenantAsync()).Records.CreateAsync("loyaltyCard", new Dictionary<string, object?> { ["name"] = "A", ["points"] = 5m });
        Assert.Equal(fromDiskCard["tier"], inCodeCard["tier"]);
        Assert.Equal("Default", inCodeCard["handledIn"]);
        Assert.Equal("Crm.TestPlugins.Loyalty", fromDiskCard["handledIn"]);

        foreach (var host in new[] { fromDisk, inCode })
        {
            await using var db = new SqliteConnection($"Data Source={host.DatabasePath}");
            Assert.Equal(1, await db.ExecuteScalarAsync<long>("SELECT count(*) FROM crm_schema_migrations WHERE module = 'Test.Loyalty'"));
            Assert.NotNull(await db.ExecuteScalarAsync<string>("SELECT version FROM crm_plugins WHERE plugin_id = 'Test.Loyalty'"));
        }
    }

    [Fact]
    public async Task AddPluginsFrom_RelativePath_ResolvedFromTheApplicationBaseDirectory()
    {
        await using var host = await CrmTestHost.StartAsync(b => b.AddPluginsFrom("plugins", o => o.FailOnError = false));

        var catalog = host.Services.GetRequiredService<IPluginCatalog>();
        Assert.Equal(PluginLoadStatus.Loaded, catalog.Find("Test.Isolated")!.Status);
        Assert.Equal(PluginLoadStatus.Failed, catalog.Find("Test.Throwing")!.Status);
        Assert.All(catalog.Plugins, p => Assert.StartsWith(PluginFolders.BuiltPlugins, p.Directory, StringComparison.Ordinal));
    }

    [Fact]
    public void SharedTypes_Default_CoverTheSdkAndTheExtensionsAbstractions()
    {
        var names = new PluginLoadOptions().SharedTypes.Select(t => t.Assembly.GetName().Name).ToList();

        Assert.Contains(typeof(ICrmPlugin).Assembly.GetName().Name, names);
        Assert.Contains("Microsoft.Extensions.DependencyInjection.Abstractions", names);
        Assert.Contains("Microsoft.Extensions.Logging.Abstractions", names);
        Assert.Contains("Microsoft.Extensions.Options", names);
        Assert.Contains("Microsoft.Extensions.Configuration.Abstractions", names);
    }
}
