using System.Text.Json.Nodes;
using System.Xml.Linq;
using Crm.Engine.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Engine.Plugins.Tests;

/// <summary>
/// What a third party does: a plugin built only against the packed SDK packages (from the template, and the
/// sample), then loaded from disk. Each test is a real `dotnet` build in a temp folder.
/// </summary>
[Collection(PackagesTestGroup.Name)]
public sealed class PackageTests(PackedPackages packages)
{
    [Fact]
    public void Template_SdkVersionDefault_IsTheEngineVersion()
    {
        var template = JsonNode.Parse(File.ReadAllText(Path.Combine(DotNetCli.RepositoryRoot, "templates", "Crm.Engine.Templates", "content", "CrmPlugin", ".template.config", "template.json")))!;
        Assert.Equal(CrmEngineInfo.Version.ToString(), (string?)template["symbols"]!["sdkVersion"]!["defaultValue"]);
    }

    [Fact]
    public async Task Template_NewCrmPlugin_BuildsAndPassesItsTestsAgainstThePackedPackages()
    {
        var work = NewWorkFolder();
        File.WriteAllText(Path.Combine(work, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="crm-engine-local" value="{packages.Directory}" />
              </packageSources>
              <config>
                <add key="globalPackagesFolder" value="{Path.Combine(work, "packages")}" />
              </config>
              <fallbackPackageFolders>
                <add key="machine" value="{DotNetCli.MachinePackages}" />
              </fallbackPackageFolders>
            </configuration>
            """);
        var hive = Path.Combine(work, "hive");
        var template = Path.Combine(DotNetCli.RepositoryRoot, "templates", "Crm.Engine.Templates", "content", "CrmPlugin");

        await DotNetCli.RunAsync(work, "new", "install", template, "--debug:custom-hive", hive);
        await DotNetCli.RunAsync(work, "new", "crmplugin", "-n", "Acme.Loyalty", "--entity", "loyaltyAccount", "--debug:custom-hive", hive);
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(work, "Acme.Loyalty", "Acme.Loyalty", "plugin.json")))!;
        Assert.Equal("Acme.Loyalty", (string?)manifest["id"]);
        Assert.Equal(CrmEngineInfo.Version.ToString(), (string?)manifest["minimumEngineVersion"]);
        var plugin = File.ReadAllText(Path.Combine(work, "Acme.Loyalty", "Acme.Loyalty", "Plugin.cs"));
        Assert.Contains("ApiName = Entity,", plugin, StringComparison.Ordinal);
        Assert.Contains("public const string Entity = \"loyaltyAccount\";", plugin, StringComparison.Ordinal);
        Assert.Contains("DisplayName = \"Loyalty Account\",", plugin, StringComparison.Ordinal);

        var output = await DotNetCli.RunAsync(work, "test", Path.Combine(work, "Acme.Loyalty", "Acme.Loyalty.Tests"), "-nodeReuse:false");
        Assert.Contains("Passed!", output, StringComparison.Ordinal);
        Assert.True(Directory.Exists(Path.Combine(work, "packages", "crm.engine.abstractions")), "the SDK came from the local package folder");
        Assert.False(File.Exists(Path.Combine(work, "Acme.Loyalty", "Acme.Loyalty", "bin", "Debug", "net10.0", "Crm.Engine.Abstractions.dll")), "the plugin must not carry the SDK");
        TryDelete(work);
    }

    [Fact]
    public async Task ThirdPartySample_BuiltAgainstThePackages_LoadsFromDiskAndRunsInTheSampleHost()
    {
        var work = NewWorkFolder();
        var plugins = Path.Combine(work, "plugins");
        await DotNetCli.RunAsync(
            DotNetCli.RepositoryRoot,
            "publish", Path.Combine("samples", "ThirdPartyPlugin", "Acme.Loyalty"), "-c", DotNetCli.Configuration,
            "-o", Path.Combine(plugins, "Acme.Loyalty"),
            $"-p:RestorePackagesPath={Path.Combine(work, "packages")}", $"-p:RestoreFallbackFolders={DotNetCli.MachinePackages}", "-nodeReuse:false");
        Assert.False(File.Exists(Path.Combine(plugins, "Acme.Loyalty", "Crm.Engine.Abstractions.dll")));

        await using (var host = await CrmTestHost.StartAsync(b => b.AddPluginsFrom(plugins)))
        {
            Assert.Equal(PluginLoadStatus.Loaded, host.Services.GetRequiredService<IPluginCatalog>().Find("Acme.Loyalty")!.Status);
            var crm = await host.CreateTenantAsync();
            var account = await crm.Records.CreateAsync("loyaltyAccount", new Dictionary<string, object?> { ["name"] = "Ada", ["points"] = 1200m });
            Assert.Equal("gold", account["tier"]);
        }

        var sampleHost = Path.Combine(DotNetCli.RepositoryRoot, "samples", "Crm.Samples.PluginHost", "bin", DotNetCli.Configuration, "net10.0", "Crm.Samples.PluginHost.dll");
        var output = await DotNetCli.RunAsync(work, sampleHost, plugins);
        Assert.Contains("Acme.Loyalty 1.0.0: Loaded", output, StringComparison.Ordinal);
        Assert.Contains("Created loyalty account 'Ada Lovelace': tier gold", output, StringComparison.Ordinal);
        TryDelete(work);
    }

    [Fact]
    public async Task Template_PackageSource_WritesANugetConfigWithItAndAPrivatePackagesFolder_OnlyWhenGiven()
    {
        var work = NewWorkFolder();
        var hive = Path.Combine(work, "hive");
        var template = Path.Combine(DotNetCli.RepositoryRoot, "templates", "Crm.Engine.Templates", "content", "CrmPlugin");
        await DotNetCli.RunAsync(work, "new", "install", template, "--debug:custom-hive", hive);

        await DotNetCli.RunAsync(work, "new", "crmplugin", "-n", "Acme.Fed", "--packageSource", packages.Directory, "--debug:custom-hive", hive);
        await DotNetCli.RunAsync(work, "new", "crmplugin", "-n", "Acme.Plain", "--debug:custom-hive", hive);

        var config = XDocument.Load(Path.Combine(work, "Acme.Fed", "nuget.config"));
        Assert.Equal(packages.Directory, config.Descendants("packageSources").Elements("add").Single().Attribute("value")?.Value);
        Assert.Equal(".packages", config.Descendants("config").Elements("add").Single(e => e.Attribute("key")?.Value == "globalPackagesFolder").Attribute("value")?.Value);
        Assert.False(File.Exists(Path.Combine(work, "Acme.Plain", "nuget.config")));
        TryDelete(work);
    }

    private static string NewWorkFolder()
    {
        var work = Path.Combine(Path.GetTempPath(), "crm-package-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        return work;
    }

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // Loaded plugin files stay mapped until the process ends; the OS temp cleaner takes them.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
