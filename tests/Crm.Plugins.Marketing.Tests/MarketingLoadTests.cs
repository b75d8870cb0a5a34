using Crm.Engine.Testing;
using Crm.Plugins.Commerce;
using Crm.Plugins.Sales;

namespace Crm.Plugins.Marketing.Tests;

public sealed class MarketingLoadTests
{
    [Fact]
    public async Task Engine_WithMarketingAndItsDependencies_Starts()
    {
        await using var host = await CrmTestHost.StartAsync(b => b
            .AddPlugin<CommercePlugin>(CommercePlugin.Id).AddPlugin<SalesPlugin>(SalesPlugin.Id).AddPlugin<MarketingPlugin>(MarketingPlugin.Id));
        var crm = await host.CreateTenantAsync();

        var entities = (await crm.Metadata.ListEntitiesAsync()).Select(e => e.ApiName).ToList();

        Assert.Contains(SalesEntities.Lead, entities);
        Assert.Contains(CommerceEntities.Order, entities);
    }
}
