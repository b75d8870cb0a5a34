// Crm.Engine plugin host: loads every plugin folder under a plugins directory and shows what each brought.
// Run: dotnet run --project samples/Crm.Samples.PluginHost [-- <plugins directory>]
// Without an argument it loads bin/.../plugins, where the build lays out the five built-in modules of plugins/.
using Crm.Engine.Abstractions;
using Crm.Engine.Plugins;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

var pluginsDirectory = args.Length > 0 ? Path.GetFullPath(args[0]) : Path.Combine(AppContext.BaseDirectory, "plugins");
var databasePath = Path.Combine(Path.GetTempPath(), $"crm-pluginhost-{Guid.NewGuid():N}.db");
Directory.CreateDirectory(pluginsDirectory);

var builder = Host.CreateApplicationBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddCrmEngine()
    .UseSqlite($"Data Source={databasePath}")
    .AddPluginsFrom(pluginsDirectory, options => options.FailOnError = false); // show broken plugins instead of stopping
using var host = builder.Build();
await host.StartAsync();

var catalog = host.Services.GetRequiredService<IPluginCatalog>();
Console.WriteLine(catalog.Plugins.Count == 0
    ? $"No plugins found in {pluginsDirectory} (each plugin is a folder with its plugin.json)."
    : $"Plugins in {pluginsDirectory}:");
foreach (var plugin in catalog.Plugins)
{
    Console.WriteLine($"  {plugin.Id} {plugin.Version}: {plugin.Status}{(plugin.Error is null ? string.Empty : " - " + plugin.Error)}");
}

var engine = host.Services.GetRequiredService<ICrmEngine>();
await engine.Tenants.CreateAsync("demo", "Demo tenant");
var crm = engine.ForTenant("demo");
Console.WriteLine("Entity types:");
foreach (var entity in await crm.Metadata.ListEntitiesAsync())
{
    Console.WriteLine($"  {entity.ApiName} ({entity.Definition.Module}): {string.Join(", ", entity.Fields.Select(f => f.ApiName))}");
}

if ((await crm.Metadata.ListEntitiesAsync()).Any(e => e.ApiName == "loyaltyAccount"))
{
    var account = await crm.Records.CreateAsync("loyaltyAccount", new Dictionary<string, object?> { ["name"] = "Ada Lovelace", ["points"] = 1200m });
    Console.WriteLine($"Created loyalty account '{account["name"]}': tier {account["tier"]}");
}

await host.StopAsync();
File.Delete(databasePath);
