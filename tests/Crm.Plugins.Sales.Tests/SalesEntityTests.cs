using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Testing;

namespace Crm.Plugins.Sales.Tests;

public sealed class SalesEntityTests
{
    [Fact]
    public async Task CreateLead_WithoutLastName_IsRejectedNamingTheField()
    {
        await using var host = await CrmTestHost.StartAsync(b => b.AddPlugin<SalesPlugin>(SalesPlugin.Id));
        var crm = await host.CreateTenantAsync();

        var error = await Assert.ThrowsAsync<CrmValidationException>(() =>
            crm.Records.CreateAsync(SalesEntities.Lead, new Dictionary<string, object?> { [LeadFields.Company] = "Globex" }));

        Assert.Contains(LeadFields.LastName, error.Message, StringComparison.Ordinal);
    }
}
