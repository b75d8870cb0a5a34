using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Testing;
using static Crm.Plugins.Commerce.Tests.CommerceFixture;

namespace Crm.Plugins.Commerce.Tests;

public sealed class OrderLineTests
{
    [Fact]
    public async Task CreateLine_WithProductOnly_FillsNameSkuWarrantyPriceAmountNumberAndCustomer()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var product = await ProductAsync(crm, "Kettle", "KET-1", 39.90m, 24);
        var order = await OrderAsync(crm);

        var line = await LineAsync(crm, order.Id, (OrderLineFields.ProductId, product.Id), (OrderLineFields.Quantity, 2m), (OrderLineFields.ShipDate, new DateOnly(2026, 1, 10)));

        Assert.Equal("Kettle", line[OrderLineFields.ProductName]);
        Assert.Equal("KET-1", line[OrderLineFields.Sku]);
        Assert.Equal(24m, line[OrderLineFields.WarrantyMonths]);
        Assert.Equal(39.90m, line[OrderLineFields.UnitPrice]);
        Assert.Equal(79.80m, line[OrderLineFields.Amount]);
        Assert.Equal(1m, line[OrderLineFields.LineNumber]);
        Assert.Equal(order[OrderFields.AccountId], line[OrderLineFields.AccountId]);
        Assert.Equal(new DateOnly(2028, 1, 10), line[OrderLineFields.WarrantyUntil]);
    }

    [Fact]
    public async Task CreateLine_GivenValues_AreKept_AndNumbersContinueAfterTheHighest()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var product = await ProductAsync(crm, "Kettle", "KET-1", 39.90m, 24);
        var order = await OrderAsync(crm);
        await LineAsync(crm, order.Id, (OrderLineFields.ProductName, "Other"), (OrderLineFields.LineNumber, 5m));

        var line = await LineAsync(crm, order.Id,
            (OrderLineFields.ProductId, product.Id), (OrderLineFields.ProductName, "Kettle deluxe"), (OrderLineFields.UnitPrice, 30m), (OrderLineFields.Quantity, 2m), (OrderLineFields.Amount, 50m));

        Assert.Equal("Kettle deluxe", line[OrderLineFields.ProductName]);
        Assert.Equal(30m, line[OrderLineFields.UnitPrice]);
        Assert.Equal(50m, line[OrderLineFields.Amount]);
        Assert.Equal(6m, line[OrderLineFields.LineNumber]);
    }

    [Fact]
    public async Task LineNumber_AlreadyUsedInTheOrder_IsRefused_ButFreeInAnotherOrder()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var order = await OrderAsync(crm);
        var other = await OrderAsync(crm);
        await LineAsync(crm, order.Id, (OrderLineFields.ProductName, "A"), (OrderLineFields.LineNumber, 1m));
        var second = await LineAsync(crm, order.Id, (OrderLineFields.ProductName, "B"));

        var error = await Assert.ThrowsAsync<CrmValidationException>(() => LineAsync(crm, order.Id, (OrderLineFields.ProductName, "C"), (OrderLineFields.LineNumber, 2m)));
        await Assert.ThrowsAsync<CrmValidationException>(() => crm.Records.UpdateAsync(CommerceEntities.OrderLine, second.Id, null, Values((OrderLineFields.LineNumber, 1m))));
        var elsewhere = await LineAsync(crm, other.Id, (OrderLineFields.ProductName, "C"), (OrderLineFields.LineNumber, 2m));

        Assert.Equal(OrderLineFields.LineNumber, Assert.Single(error.Errors).Field);
        Assert.Contains("already has a line 2", error.Message, StringComparison.Ordinal);
        Assert.Equal(2m, elsewhere[OrderLineFields.LineNumber]);
        Assert.Equal(2m, (await crm.Records.UpdateAsync(CommerceEntities.OrderLine, second.Id, null, Values((OrderLineFields.LineNumber, 2m), (OrderLineFields.Quantity, 3m))))[OrderLineFields.LineNumber]);
    }

    [Fact]
    public async Task OrderTotal_FollowsLinesOnCreateUpdateAndDelete()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var order = await OrderAsync(crm);
        var first = await LineAsync(crm, order.Id, (OrderLineFields.ProductName, "A"), (OrderLineFields.Quantity, 2m), (OrderLineFields.UnitPrice, 10m));
        var second = await LineAsync(crm, order.Id, (OrderLineFields.ProductName, "B"), (OrderLineFields.Quantity, 1m), (OrderLineFields.UnitPrice, 5.5m));
        Assert.Equal(25.5m, (await crm.GetAsync(CommerceEntities.Order, order.Id))[OrderFields.TotalAmount]);

        var changed = await crm.Records.UpdateAsync(CommerceEntities.OrderLine, first.Id, null, Values((OrderLineFields.Quantity, 3m)));
        Assert.Equal(30m, changed[OrderLineFields.Amount]);
        Assert.Equal(35.5m, (await crm.GetAsync(CommerceEntities.Order, order.Id))[OrderFields.TotalAmount]);

        await crm.Records.DeleteAsync(CommerceEntities.OrderLine, second.Id);
        Assert.Equal(30m, (await crm.GetAsync(CommerceEntities.Order, order.Id))[OrderFields.TotalAmount]);
    }

    [Fact]
    public async Task LineThatFails_LeavesTheOrderTotalUnchanged()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var order = await OrderAsync(crm);
        await LineAsync(crm, order.Id, (OrderLineFields.ProductName, "A"), (OrderLineFields.Quantity, 1m), (OrderLineFields.UnitPrice, 10m));
        var before = await crm.GetAsync(CommerceEntities.Order, order.Id);

        await Assert.ThrowsAsync<CrmValidationException>(() =>
            LineAsync(crm, order.Id, (OrderLineFields.ProductName, new string('x', 201)), (OrderLineFields.Quantity, 1m), (OrderLineFields.UnitPrice, 10m)));

        var after = await crm.GetAsync(CommerceEntities.Order, order.Id);
        Assert.Equal((10m, before.Version), (after[OrderFields.TotalAmount], after.Version));
    }

    [Fact]
    public async Task WarrantyUntil_IsRecomputedWhenShipDateOrMonthsChange_AndClearedWhenOneIsCleared()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var order = await OrderAsync(crm);
        var line = await LineAsync(crm, order.Id, (OrderLineFields.ProductName, "Pump"), (OrderLineFields.WarrantyMonths, 12m));
        Assert.Null(line[OrderLineFields.WarrantyUntil]);

        line = await crm.Records.UpdateAsync(CommerceEntities.OrderLine, line.Id, null, Values((OrderLineFields.ShipDate, new DateOnly(2026, 1, 31))));
        Assert.Equal(new DateOnly(2027, 1, 31), line[OrderLineFields.WarrantyUntil]);

        line = await crm.Records.UpdateAsync(CommerceEntities.OrderLine, line.Id, null, Values((OrderLineFields.WarrantyMonths, 1m)));
        Assert.Equal(new DateOnly(2026, 2, 28), line[OrderLineFields.WarrantyUntil]);

        line = await crm.Records.UpdateAsync(CommerceEntities.OrderLine, line.Id, null, Values((OrderLineFields.ShipDate, null)));
        Assert.Null(line[OrderLineFields.WarrantyUntil]);
    }

    [Fact]
    public async Task ChangingTheOrdersCustomer_MovesItsLinesToTheNewCustomer_AndALineCannotHaveAnotherCustomer()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var order = await OrderAsync(crm);
        var line = await LineAsync(crm, order.Id, (OrderLineFields.ProductName, "Pump"));
        var other = await crm.Accounts.CreateAsync(new NewAccount("Other GmbH"));

        await crm.Records.UpdateAsync(CommerceEntities.Order, order.Id, null, Values((OrderFields.AccountId, other.Id)));
        Assert.Equal(other.Id, (await crm.GetAsync(CommerceEntities.OrderLine, line.Id))[OrderLineFields.AccountId]);

        var third = await crm.Accounts.CreateAsync(new NewAccount("Third KG"));
        var forced = await crm.Records.UpdateAsync(CommerceEntities.OrderLine, line.Id, null, Values((OrderLineFields.AccountId, third.Id)));
        Assert.Equal(other.Id, forced[OrderLineFields.AccountId]);
    }

    [Fact]
    public async Task ChangingTheProduct_RefillsNameAndPrice_UnlessGiven()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var kettle = await ProductAsync(crm, "Kettle", "KET-1", 40m, 24);
        var toaster = await ProductAsync(crm, "Toaster", "TOA-2", 25m, 12);
        var order = await OrderAsync(crm);
        var line = await LineAsync(crm, order.Id, (OrderLineFields.ProductId, kettle.Id), (OrderLineFields.Quantity, 2m));

        line = await crm.Records.UpdateAsync(CommerceEntities.OrderLine, line.Id, null, Values((OrderLineFields.ProductId, toaster.Id)));

        Assert.Equal(("Toaster", "TOA-2", 12m, 25m, 50m), (line[OrderLineFields.ProductName], line[OrderLineFields.Sku], line[OrderLineFields.WarrantyMonths], line[OrderLineFields.UnitPrice], line[OrderLineFields.Amount]));
        Assert.Equal(50m, (await crm.GetAsync(CommerceEntities.Order, order.Id))[OrderFields.TotalAmount]);
    }

    [Fact]
    public async Task NewOrder_IsPendingAndDatedNow()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();

        var order = await OrderAsync(crm);

        Assert.Equal(OrderStatus.Pending, order[OrderFields.Status]);
        Assert.Equal(CrmTestHost.DefaultStart, order[OrderFields.OrderDate]);
    }

    [Theory]
    [InlineData(OrderStatus.Cancelled, OrderStatus.Shipped)]
    [InlineData(OrderStatus.Shipped, OrderStatus.Pending)]
    [InlineData(OrderStatus.Returned, OrderStatus.Delivered)]
    public async Task StatusChange_NotAllowed_IsRefusedNamingOrderAndStatuses(string from, string to)
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var order = await OrderAsync(crm, null, (OrderFields.Status, from));

        var error = await Assert.ThrowsAsync<CrmValidationException>(() =>
            crm.Records.UpdateAsync(CommerceEntities.Order, order.Id, null, Values((OrderFields.Status, to))));

        Assert.Contains($"order {order[OrderFields.OrderNumber]} cannot go from '{from}' to '{to}'", error.Message, StringComparison.Ordinal);
        Assert.Equal(OrderFields.Status, Assert.Single(error.Errors).Field);
        Assert.Equal(from, (await crm.GetAsync(CommerceEntities.Order, order.Id))[OrderFields.Status]);
    }

    [Fact]
    public async Task StatusChange_Allowed_GoesThrough()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var order = await OrderAsync(crm);

        order = await crm.Records.UpdateAsync(CommerceEntities.Order, order.Id, null, Values((OrderFields.Status, OrderStatus.Shipped)));
        order = await crm.Records.UpdateAsync(CommerceEntities.Order, order.Id, null, Values((OrderFields.Status, OrderStatus.Delivered)));

        Assert.Equal(OrderStatus.Delivered, order[OrderFields.Status]);
    }
}
