using System.Text.Json.Nodes;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Metadata;
using Crm.Engine.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Crm.Engine.Plugins.Tests;

/// <summary>Every way a plugin can be broken gives one clear error naming it, and never corrupts the others.</summary>
public sealed class PluginErrorTests
{
    private static async Task<CrmConfigurationException> StartFails(PluginFolders folders, Action<PluginLoadOptions>? configure = null) =>
        await Assert.ThrowsAsync<CrmConfigurationException>(() => CrmTestHost.StartAsync(b => b.AddPluginsFrom(folders.Root, configure)));

    [Fact]
    public async Task Load_MissingDirectory_NamesIt()
    {
        var missing = Path.Combine(Path.GetTempPath(), "crm-no-such-plugins-" + Guid.NewGuid().ToString("N"));
        var ex = await Assert.ThrowsAsync<CrmConfigurationException>(() => CrmTestHost.StartAsync(b => b.AddPluginsFrom(missing)));
        Assert.Contains($"'{missing}' does not exist", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_RequiredPluginMissing_NamesThePlugin()
    {
        using var folders = new PluginFolders();
        folders.Add("Loyalty");
        var ex = await StartFails(folders, o => o.RequiredPlugins.Add("Acme.Billing"));
        Assert.Contains("Plugin 'Acme.Billing' is required", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_FolderWithoutManifest_NamesTheFolder()
    {
        using var folders = new PluginFolders();
        Directory.CreateDirectory(Path.Combine(folders.Root, "Stray"));
        var ex = await StartFails(folders);
        Assert.Contains("Plugin folder 'Stray'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("has no plugin.json", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_MissingAssembly_NamesThePluginAndFile()
    {
        using var folders = new PluginFolders();
        folders.Add("Loyalty");
        File.Delete(Path.Combine(folders.Root, "Loyalty", "Crm.TestPlugins.Loyalty.dll"));
        var ex = await StartFails(folders);
        Assert.Contains("Plugin 'Test.Loyalty': its assembly Crm.TestPlugins.Loyalty.dll is missing", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_InvalidJson_GivesTheLine()
    {
        using var folders = new PluginFolders();
        folders.Add("Loyalty");
        folders.WriteManifest("Loyalty", "{\n  \"id\": \"Test.Loyalty\",\n  \"version\": 1.0.0\n}");
        var ex = await StartFails(folders);
        Assert.Contains("Plugin folder 'Loyalty'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("line 3", ex.Message, StringComparison.Ordinal);
        Assert.Contains("`\"version\": 1.0.0`", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("version", "\"1.x\"", "property 'version' '1.x' is not a semantic version")]
    [InlineData("id", "\"9lives\"", "property 'id' '9lives' is not a valid plugin id")]
    [InlineData("minimumEngineVersion", "42", "property 'minimumEngineVersion' must be a non-empty string")]
    [InlineData("dependsOn", "{ \"Test.Rewards\": \"soon\" }", "property 'dependsOn.Test.Rewards' \"soon\" is not a version range")]
    [InlineData("dependOn", "{}", "property 'dependOn' is not a manifest property")]
    [InlineData("assembly", "\"../other/Plugin.dll\"", "property 'assembly' '../other/Plugin.dll' must be the file name")]
    public async Task Load_InvalidManifestProperty_NamesTheProperty(string property, string json, string expected)
    {
        using var folders = new PluginFolders();
        folders.Add("Loyalty");
        folders.EditManifest("Loyalty", m => m[property] = JsonNode.Parse(json));
        var ex = await StartFails(folders);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(folders.Root, "Loyalty", "plugin.json"), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_DuplicateId_NamesThePluginAndBothFolders()
    {
        using var folders = new PluginFolders();
        folders.Add("Loyalty");
        folders.Add("LoyaltyV2");
        var ex = await StartFails(folders);
        Assert.Contains("Plugin 'Test.Loyalty' is installed twice", ex.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(folders.Root, "LoyaltyV2"), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_IdAlreadyRegisteredInCode_Refused()
    {
        using var folders = new PluginFolders();
        folders.Add("Loyalty");
        var ex = await Assert.ThrowsAsync<CrmConfigurationException>(() => CrmTestHost.StartAsync(b =>
            b.AddPlugin<Crm.TestPlugins.Loyalty.LoyaltyPlugin>("Test.Loyalty").AddPluginsFrom(folders.Root)));
        Assert.Contains("Plugin 'Test.Loyalty'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("already registered", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_MissingDependency_NamesBoth()
    {
        using var folders = new PluginFolders();
        folders.Add("Rewards");
        var ex = await StartFails(folders);
        Assert.Contains("Plugin 'Test.Rewards' cannot load: it depends on 'Test.Loyalty' (>=1.0.0 <3.0.0), which is not installed", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_IncompatibleDependencyVersion_NamesRangeAndVersion()
    {
        using var folders = new PluginFolders();
        folders.Add("Loyalty");
        folders.Add("Rewards");
        folders.EditManifest("Rewards", m => m["dependsOn"] = new JsonObject { ["Test.Loyalty"] = "^2.1" });
        var ex = await StartFails(folders);
        Assert.Contains("Plugin 'Test.Rewards' cannot load: it depends on 'Test.Loyalty' ^2.1, but version 1.0.0 is installed", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_DependencyCycle_ListsTheCycle()
    {
        using var folders = new PluginFolders();
        folders.Add("Loyalty");
        folders.Add("Rewards");
        folders.EditManifest("Loyalty", m => m["dependsOn"] = new JsonObject { ["Test.Rewards"] = "*" });
        var ex = await StartFails(folders);
        Assert.Contains("Plugin 'Test.Loyalty' is part of a dependency cycle: Test.Loyalty -> Test.Rewards -> Test.Loyalty", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Plugin 'Test.Rewards' is part of a dependency cycle", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_EngineTooOld_NamesBothVersions()
    {
        using var folders = new PluginFolders();
        folders.Add("Loyalty");
        folders.EditManifest("Loyalty", m => m["minimumEngineVersion"] = "99.0.0");
        var ex = await StartFails(folders);
        Assert.Contains($"Plugin 'Test.Loyalty' 1.0.0 needs engine 99.0.0 or later; this engine is {CrmEngineInfo.Version}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_NoPluginType_NamesThePlugin()
    {
        using var folders = new PluginFolders();
        folders.Add("Isolated");
        folders.EditManifest("Isolated", m => m["assembly"] = "Cronos.dll");
        var ex = await StartFails(folders);
        Assert.Contains("Plugin 'Test.Isolated': Cronos.dll has no class implementing ICrmPlugin", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_TwoPluginTypes_NamesBoth()
    {
        using var folders = new PluginFolders();
        folders.Add("TwoPlugins");
        var ex = await StartFails(folders);
        Assert.Contains("Plugin 'Test.TwoPlugins'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Crm.TestPlugins.TwoPlugins.FirstPlugin, Crm.TestPlugins.TwoPlugins.SecondPlugin", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_PluginShippingItsOwnSdk_ReportedAsPackagingMistake()
    {
        using var folders = new PluginFolders();
        folders.Add("ForeignContract");
        var ex = await StartFails(folders);
        Assert.True(ex.Message.Contains("Plugin 'Test.ForeignContract' is packaged wrongly", StringComparison.Ordinal), ex.Message);
        Assert.Contains("Crm.TestPlugins.ForeignContract.ForeignPlugin implements Crm.Engine.Abstractions.Plugins.ICrmPlugin from its own copy (Crm.TestPlugins.ForeignContract 0.1.0.0)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Private=false, ExcludeAssets=runtime", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_PluginThrowingInConfigure_NamesThePluginAndTheReason()
    {
        using var folders = new PluginFolders();
        folders.Add("Throwing");
        var ex = await StartFails(folders);
        Assert.Contains("Plugin 'Test.Throwing' failed while configuring: InvalidOperationException: the licence file is missing", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_SeveralBrokenPlugins_ListsEveryError()
    {
        using var folders = new PluginFolders();
        folders.Add("Throwing");
        folders.Add("TwoPlugins");
        folders.Add("Rewards");
        var ex = await StartFails(folders);
        Assert.StartsWith("3 plugin(s) under", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'Test.Throwing'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'Test.TwoPlugins'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'Test.Rewards'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_FailOnErrorOff_SkipsBrokenPluginsAndDependentsAndLoadsTheRest()
    {
        using var folders = new PluginFolders();
        folders.Add("Loyalty");
        folders.Add("Rewards");
        folders.Add("Throwing");
        folders.Add("Isolated");
        folders.EditManifest("Loyalty", m => m["minimumEngineVersion"] = "99.0.0");
        var logs = new ListLoggerProvider();
        IServiceCollection? services = null;

        await using var host = await CrmTestHost.StartAsync(
            b =>
            {
                services = b.Services;
                b.AddPluginsFrom(folders.Root, o => o.FailOnError = false);
            },
            s => s.AddSingleton<ILoggerProvider>(logs));

        var catalog = host.Services.GetRequiredService<IPluginCatalog>();
        Assert.Equal(PluginLoadStatus.Loaded, catalog.Find("Test.Isolated")!.Status);
        Assert.Equal(PluginLoadStatus.Failed, catalog.Find("Test.Loyalty")!.Status);
        Assert.Equal(PluginLoadStatus.Failed, catalog.Find("Test.Throwing")!.Status);
        var skipped = catalog.Find("Test.Rewards")!;
        Assert.Equal(PluginLoadStatus.Skipped, skipped.Status);
        Assert.Contains("it depends on 'Test.Loyalty', which could not be loaded", skipped.Error, StringComparison.Ordinal);

        // Nothing the throwing plugin registered before it threw reached the engine.
        var registry = host.Services.GetRequiredService<CrmRegistry>();
        Assert.Null(registry.FindEntity("halfDone"));
        Assert.DoesNotContain(services!, d => d.ServiceType.Name == "ThrowingMarker");
        Assert.Equal(["core", "Test.Isolated"], registry.Plugins);
        var crm = await host.CreateTenantAsync();
        Assert.Equal("2.1.86 (2 parameters)", (await crm.Records.CreateAsync("probe", new Dictionary<string, object?> { ["name"] = "p" }))["dapperVersion"]);

        Assert.Contains(logs.Messages, m => m.Level == LogLevel.Error && m.Text.Contains("Plugin Test.Throwing was not loaded", StringComparison.Ordinal));
        Assert.Contains(logs.Messages, m => m.Level == LogLevel.Error && m.Text.Contains("Plugin Test.Rewards was not loaded (Skipped)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Load_RegistrationTheEngineRefuses_LeavesNothingBehind()
    {
        using var first = new PluginFolders();
        first.Add("Loyalty");
        first.Add("Rewards");
        first.EditManifest("Rewards", m => m["id"] = "Test.Rewards2");
        using var second = new PluginFolders();
        second.Add("Rewards");

        // The second directory loads Test.Rewards' code again: it defines entity 'reward' again, which the engine refuses.
        await using var host = await CrmTestHost.StartAsync(b => b
            .AddPluginsFrom(first.Root)
            .AddPluginsFrom(second.Root, o => o.FailOnError = false));

        var registry = host.Services.GetRequiredService<CrmRegistry>();
        Assert.Equal(["core", "Test.Loyalty", "Test.Rewards2"], registry.Plugins);
        Assert.Single(registry.Steps, s => s.EntityType == "reward");
        var catalog = host.Services.GetRequiredService<IPluginCatalog>();
        Assert.Equal(3, catalog.Plugins.Count);
        Assert.Contains("Plugin 'Test.Rewards' defines entity type 'reward', already defined by 'Test.Rewards2'", catalog.Find("Test.Rewards")!.Error, StringComparison.Ordinal);
    }

    private sealed class ListLoggerProvider : ILoggerProvider
    {
        public System.Collections.Concurrent.ConcurrentQueue<(LogLevel Level, string Text)> Messages { get; } = new();

        public ILogger CreateLogger(string categoryName) => new ListLogger(this);

        public void Dispose()
        {
        }

        private sealed class ListLogger(ListLoggerProvider owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner.Messages.Enqueue((logLevel, formatter(state, exception)));
        }
    }
}
