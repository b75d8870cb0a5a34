using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Work;
using Crm.Engine.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Plugins.Commerce.Tests;

/// <summary>Shortcuts over the real engine with the commerce plugin.</summary>
internal static class CommerceFixture
{
    public static Task<CrmTestHost> StartAsync() => CrmTestHost.StartAsync(b => b.AddPlugin<CommercePlugin>(CommercePlugin.Id));

    public static ICommerceTenant Commerce(this CrmTestHost host, ICrmTenant tenant) =>
        host.Services.GetRequiredService<ICommerce>().ForTenant(tenant);

    public static Task<int> FireTimersAsync(this CrmTestHost host) => host.Services.GetRequiredService<ITimerProcessor>().FireDueAsync();

    public static Dictionary<string, object?> Values(params (string Field, object? Value)[] values) =>
        values.ToDictionary(v => v.Field, v => v.Value, StringComparer.Ordinal);

    public static async Task<CrmRecord> OrderAsync(ICrmTenant crm, Guid? accountId = null, params (string Field, object? Value)[] more)
    {
        accountId ??= (await crm.Accounts.CreateAsync(new NewAccount("Müller Handels AG"))).Id;
        var values = Values(more);
        values[OrderFields.AccountId] = accountId;
        return await crm.Records.CreateAsync(CommerceEntities.Order, values);
    }

    public static Task<CrmRecord> ProductAsync(ICrmTenant crm, string name, string sku, decimal? price = null, int? warrantyMonths = null) =>
        crm.Records.CreateAsync(CommerceEntities.Product, Values(
            (ProductFields.Name, name), (ProductFields.Sku, sku), (ProductFields.UnitPrice, price), (ProductFields.WarrantyMonths, warrantyMonths is { } m ? (decimal)m : null)));

    public static Task<CrmRecord> LineAsync(ICrmTenant crm, Guid orderId, params (string Field, object? Value)[] values)
    {
        var all = Values(values);
        all[OrderLineFields.OrderId] = orderId;
        return crm.Records.CreateAsync(CommerceEntities.OrderLine, all);
    }

    public static async Task<CrmRecord> GetAsync(this ICrmTenant crm, string entityType, Guid id) =>
        await crm.Records.GetAsync(entityType, id) ?? throw new InvalidOperationException($"{entityType} {id} not found");

    public static StorefrontOrder Order(string externalId = "WEB-1001", params StorefrontOrderLine[] lines) => new()
    {
        Channel = "webshop",
        ExternalId = externalId,
        OrderDate = new DateTimeOffset(2026, 1, 3, 10, 0, 0, TimeSpan.Zero),
        Currency = "EUR",
        Customer = new StorefrontCustomer { ExternalId = "C-77", Email = "anna@example.com", FirstName = "Anna", LastName = "Schmidt" },
        Lines = lines.Length > 0 ? lines :
        [
            new StorefrontOrderLine { ExternalId = "L1", Sku = "KET-1", ProductName = "Kettle", Quantity = 2, UnitPrice = 39.90m, SerialNumber = "SN-1", Barcode = "4006381333931", ShipDate = new DateOnly(2026, 1, 4), WarrantyMonths = 24 },
            new StorefrontOrderLine { ExternalId = "L2", Sku = "TOA-2", ProductName = "Toaster", Quantity = 1, UnitPrice = 25m },
        ],
    };
}
