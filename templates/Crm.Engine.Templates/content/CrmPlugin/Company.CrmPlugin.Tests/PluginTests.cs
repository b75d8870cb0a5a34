using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Testing;

namespace Company.CrmPlugin.Tests;

public class PluginTests
{
    [Fact]
    public async Task Create_WithPoints_SetsLevel()
    {
        await using var host = await CrmTestHost.StartAsync(engine => engine.AddPlugin<Plugin>(Plugin.Id));
        var crm = await host.CreateTenantAsync();

        var item = await crm.Records.CreateAsync(Plugin.Entity, new Dictionary<string, object?> { ["name"] = "First", ["points"] = 150m });

        Assert.Equal("silver", item["level"]);
    }

    [Fact]
    public async Task Create_NegativePoints_Rejected()
    {
        await using var host = await CrmTestHost.StartAsync(engine => engine.AddPlugin<Plugin>(Plugin.Id));
        var crm = await host.CreateTenantAsync();

        await Assert.ThrowsAsync<CrmOperationRejectedException>(() =>
            crm.Records.CreateAsync(Plugin.Entity, new Dictionary<string, object?> { ["name"] = "Bad", ["points"] = -1m }));
    }
}
