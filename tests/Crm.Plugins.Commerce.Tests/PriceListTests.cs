using static Crm.Plugins.Commerce.Tests.CommerceFixture;

namespace Crm.Plugins.Commerce.Tests;

public sealed class PriceListTests
{
    [Fact]
    public async Task LineWithoutPrice_TakesTheDefaultValidPriceList_WithTheBestQuantityTier()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var product = await ProductAsync(crm, "Kettle", "KET-1", 40m);
        var expired = await crm.Records.CreateAsync(CommerceEntities.PriceList, Values(
            (PriceListFields.Name, "2025"), (PriceListFields.IsDefault, true), (PriceListFields.ValidTo, new DateOnly(2025, 12, 31))));
        var current = await crm.Records.CreateAsync(CommerceEntities.PriceList, Values(
            (PriceListFields.Name, "2026"), (PriceListFields.IsDefault, true), (PriceListFields.ValidFrom, new DateOnly(2026, 1, 1))));
        await Item(expired.Id, 30m, null);
        await Item(current.Id, 35m, null);
        await Item(current.Id, 32m, 10m);
        var order = await OrderAsync(crm);

        var one = await LineAsync(crm, order.Id, (OrderLineFields.ProductId, product.Id), (OrderLineFields.Quantity, 1m));
        var many = await LineAsync(crm, order.Id, (OrderLineFields.ProductId, product.Id), (OrderLineFields.Quantity, 10m));

        Assert.Equal(35m, one[OrderLineFields.UnitPrice]);
        Assert.Equal((32m, 320m), (many[OrderLineFields.UnitPrice], many[OrderLineFields.Amount]));

        Task Item(Guid list, decimal price, decimal? min) => crm.Records.CreateAsync(CommerceEntities.PriceListItem, Values(
            (PriceListItemFields.PriceListId, list), (PriceListItemFields.ProductId, product.Id), (PriceListItemFields.UnitPrice, price), (PriceListItemFields.MinQuantity, min)));
    }

    [Fact]
    public async Task OrderNamingAPriceList_IsPricedFromIt_AndAProductWithoutListPriceFallsBackToItsOwnPrice()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var kettle = await ProductAsync(crm, "Kettle", "KET-1", 40m);
        var toaster = await ProductAsync(crm, "Toaster", "TOA-2", 25m);
        var dealer = await crm.Records.CreateAsync(CommerceEntities.PriceList, Values((PriceListFields.Name, "Dealers")));
        await crm.Records.CreateAsync(CommerceEntities.PriceListItem, Values(
            (PriceListItemFields.PriceListId, dealer.Id), (PriceListItemFields.ProductId, kettle.Id), (PriceListItemFields.UnitPrice, 28m)));
        var order = await OrderAsync(crm, null, (OrderFields.PriceListId, dealer.Id));

        var kettleLine = await LineAsync(crm, order.Id, (OrderLineFields.ProductId, kettle.Id), (OrderLineFields.Quantity, 1m));
        var toasterLine = await LineAsync(crm, order.Id, (OrderLineFields.ProductId, toaster.Id), (OrderLineFields.Quantity, 1m));

        Assert.Equal(28m, kettleLine[OrderLineFields.UnitPrice]);
        Assert.Equal(25m, toasterLine[OrderLineFields.UnitPrice]);
    }
}
