using Crm.Engine.Testing;
using Crm.Plugins.Commerce;
using Crm.Plugins.Service;

namespace Crm.Plugins.CallCenter.Tests;

public sealed class CallCenterLoadTests
{
    [Fact]
    public async Task Engine_WithCallCenterAndItsDependencies_Starts()
    {
        await using var host = await CrmTestHost.StartAsync(b => b
            .AddPlugin<CommercePlugin>(CommercePlugin.Id).AddPlugin<ServicePlugin>(ServicePlugin.Id).AddPlugin<CallCenterPlugin>(CallCenterPlugin.Id));
        var crm = await host.CreateTenantAsync();

        var entities = (await crm.Metadata.ListEntitiesAsync()).Select(e => e.ApiName).ToList();

        Assert.Contains(ServiceEntities.Case, entities);
        Assert.Contains(CommerceEntities.Order, entities);
    }
}
