using Crm.Engine.Testing;
using Crm.Plugins.Commerce;

namespace Crm.Plugins.Service.Tests;

public sealed class ServiceEntityTests
{
    [Fact]
    public async Task CreateCase_WithoutNumber_IsNumberedByTheEngine()
    {
        await using var host = await CrmTestHost.StartAsync(b => b.AddPlugin<CommercePlugin>(CommercePlugin.Id).AddPlugin<ServicePlugin>(ServicePlugin.Id));
        var crm = await host.CreateTenantAsync();

        var @case = await crm.Records.CreateAsync(ServiceEntities.Case, new Dictionary<string, object?> { [CaseFields.Subject] = "Pump leaks" });

        Assert.Equal($"CAS-{CrmTestHost.DefaultStart.Year}-00001", @case[CaseFields.CaseNumber]);
    }
}
