using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Testing;

namespace Crm.Plugins.Commerce.Tests;

public sealed class CommerceEntityTests
{
    [Fact]
    public async Task CreateOrder_WithoutNumber_IsNumberedByTheEngine_AndALineNeedsItsOrder()
    {
        await using var host = await CrmTestHost.StartAsync(b => b.AddPlugin<CommercePlugin>(CommercePlugin.Id));
        var crm = await host.CreateTenantAsync();
        var account = await crm.Accounts.CreateAsync(new NewAccount("Müller Handels AG"));

        var order = await crm.Records.CreateAsync(CommerceEntities.Order, new Dictionary<string, object?> { [OrderFields.AccountId] = account.Id });

        Assert.Equal($"ORD-{CrmTestHost.DefaultStart.Year}-000001", order[OrderFields.OrderNumber]);
        var error = await Assert.ThrowsAsync<CrmValidationException>(() =>
            crm.Records.CreateAsync(CommerceEntities.OrderLine, new Dictionary<string, object?> { [OrderLineFields.ProductName] = "Pump" }));
        Assert.Contains(OrderLineFields.OrderId, error.Message, StringComparison.Ordinal);
    }
}
