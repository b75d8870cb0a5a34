using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Organization;
using static Crm.Plugins.Commerce.Tests.CommerceFixture;

namespace Crm.Plugins.Commerce.Tests;

public sealed class SelfServiceTests
{
    [Fact]
    public async Task GetOrderStatus_WithTheCustomersEmail_ShowsStatusAndShipments()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var commerce = host.Commerce(crm);
        var synced = await commerce.SyncOrderAsync(Order() with { Status = OrderStatus.Shipped });

        var status = await commerce.GetOrderStatusAsync(synced.OrderNumber!, " ANNA@example.com ");

        Assert.NotNull(status);
        Assert.Equal((synced.OrderNumber, OrderStatus.Shipped, new DateTimeOffset(2026, 1, 3, 10, 0, 0, TimeSpan.Zero)), (status.OrderNumber, status.Status, status.OrderDate));
        Assert.Equal([1, 2], status.Lines.Select(l => l.LineNumber));
        Assert.Equal((new DateOnly(2026, 1, 4), new DateOnly(2028, 1, 4)), (status.Lines[0].ShipDate, status.Lines[0].WarrantyUntil));
    }

    [Fact]
    public async Task GetOrderStatus_WrongEmailAndMissingOrder_LookTheSame()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var commerce = host.Commerce(crm);
        var synced = await commerce.SyncOrderAsync(Order());

        Assert.Null(await commerce.GetOrderStatusAsync(synced.OrderNumber!, "mallory@example.com"));
        Assert.Null(await commerce.GetOrderStatusAsync("ORD-1999-000001", "anna@example.com"));
        Assert.Null(await commerce.GetOrderStatusAsync(synced.OrderNumber!, ""));
    }

    [Fact]
    public async Task GetOrderStatus_AccountEmail_AlsoOpensTheOrder()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var account = await crm.Accounts.CreateAsync(new NewAccount("Kitchen Ltd") { Email = "orders@kitchen.example" });
        var order = await OrderAsync(crm, account.Id);

        var status = await host.Commerce(crm).GetOrderStatusAsync((string)order[OrderFields.OrderNumber]!, "orders@kitchen.example");

        Assert.Equal(OrderStatus.Pending, status?.Status);
    }

    [Fact]
    public async Task RecentOrders_AreNewestFirstWithTheirLines_AndOnlyTheCustomers()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var account = await crm.Accounts.CreateAsync(new NewAccount("Müller"));
        var other = await crm.Accounts.CreateAsync(new NewAccount("Other"));
        var old = await OrderAsync(crm, account.Id, (OrderFields.OrderDate, new DateTimeOffset(2025, 6, 1, 0, 0, 0, TimeSpan.Zero)));
        var mid = await OrderAsync(crm, account.Id, (OrderFields.OrderDate, new DateTimeOffset(2025, 9, 1, 0, 0, 0, TimeSpan.Zero)));
        var latest = await OrderAsync(crm, account.Id, (OrderFields.OrderDate, new DateTimeOffset(2025, 12, 1, 0, 0, 0, TimeSpan.Zero)));
        await OrderAsync(crm, other.Id);
        await LineAsync(crm, latest.Id, (OrderLineFields.ProductName, "B"), (OrderLineFields.LineNumber, 2m));
        await LineAsync(crm, latest.Id, (OrderLineFields.ProductName, "A"), (OrderLineFields.LineNumber, 1m));

        var recent = await host.Commerce(crm).RecentOrdersAsync(account.Id, 2);

        Assert.Equal([latest.Id, mid.Id], recent.Select(o => o.Order.Id));
        Assert.Equal(["A", "B"], recent[0].Lines.Select(l => l[OrderLineFields.ProductName]));
        Assert.Empty(recent[1].Lines);
        Assert.DoesNotContain(old.Id, recent.Select(o => o.Order.Id));
        var error = await Assert.ThrowsAsync<CrmValidationException>(() => host.Commerce(crm).RecentOrdersAsync(account.Id, 0));
        Assert.Equal("count", Assert.Single(error.Errors).Field);
    }

    [Fact]
    public async Task RecentOrders_UserWithoutRights_SeesNothing()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var synced = await host.Commerce(crm).SyncOrderAsync(Order());
        var user = await crm.Organization.CreateUserAsync(new NewUser("guest", "Guest"));
        var guest = host.Commerce(crm.AsUser(user.Id));

        Assert.Empty(await guest.RecentOrdersAsync(synced.AccountId));
        Assert.Null(await guest.GetOrderStatusAsync(synced.OrderNumber!, "anna@example.com"));
    }
}
