using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Organization;
using Crm.Engine.Abstractions.Reports;
using Crm.Engine.Testing;
using Microsoft.Extensions.DependencyInjection;
using static Crm.Plugins.Commerce.Tests.CommerceFixture;

namespace Crm.Plugins.Commerce.Tests;

public sealed class ReportTests
{
    private static async Task<ReportResult> RunAsync(CrmTestHost host, ICrmTenant tenant, string name, DateOnly? from = null, DateOnly? to = null)
    {
        var type = typeof(CommercePlugin).Assembly.GetTypes().Single(t => typeof(IReport).IsAssignableFrom(t) && !t.IsAbstract
            && ((IReport)ActivatorUtilities.CreateInstance(host.Services, t)).Definition.Name == name);
        var report = (IReport)ActivatorUtilities.CreateInstance(host.Services, type);
        var parameters = new Dictionary<string, object?>();
        if (from is { } f)
        {
            parameters["from"] = f;
        }

        if (to is { } t2)
        {
            parameters["to"] = t2;
        }

        return await report.RunAsync(new ReportContext(tenant, parameters, host.Clock.GetUtcNow()), CancellationToken.None);
    }

    private static async Task SeedAsync(CrmTestHost host, ICrmTenant crm)
    {
        var commerce = host.Commerce(crm);
        await commerce.SyncOrderAsync(Order("A"));
        await commerce.SyncOrderAsync(Order("B", new StorefrontOrderLine { Sku = "KET-1", ProductName = "Kettle", Quantity = 1, UnitPrice = 39.90m }) with { Status = OrderStatus.Shipped });
        await commerce.SyncOrderAsync(Order("C", new StorefrontOrderLine { Sku = "KET-1", ProductName = "Kettle", Quantity = 3, UnitPrice = 39.90m }) with { Status = OrderStatus.Cancelled });
        await commerce.SyncOrderAsync(Order("D", new StorefrontOrderLine { Sku = "KET-1", ProductName = "Kettle", Quantity = 7, UnitPrice = 39.90m }) with { OrderDate = new DateTimeOffset(2025, 12, 31, 23, 0, 0, TimeSpan.Zero) });
    }

    [Fact]
    public async Task BothReports_AreRegisteredByThePlugin_WithTheirParameters()
    {
        await using var host = await StartAsync();

        var registered = host.Services.GetServices<ReportRegistration>().Where(r => r.PluginId == CommercePlugin.Id)
            .Select(r => ((IReport)ActivatorUtilities.CreateInstance(host.Services, r.ReportType)).Definition)
            .OrderBy(d => d.Name, StringComparer.Ordinal)
            .ToList();

        Assert.Equal(["commerce.ordersByStatus", "commerce.salesByProduct"], registered.Select(d => d.Name));
        Assert.All(registered, d => Assert.Equal(["from", "to"], d.Parameters.Select(p => p.Name)));
    }

    [Fact]
    public async Task OrdersByStatus_CountsAndSumsPerStatus_InThePeriod()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        await SeedAsync(host, crm);

        var result = await RunAsync(host, crm, "commerce.ordersByStatus", new DateOnly(2026, 1, 1), new DateOnly(2026, 1, 3));

        Assert.Equal(["status", "orders", "totalAmount"], result.Columns.Select(c => c.Name));
        Assert.Equal(
            [[OrderStatus.Cancelled, 1L, 119.70m], [OrderStatus.Pending, 1L, 104.80m], [OrderStatus.Shipped, 1L, 39.90m]],
            result.Rows.Select(r => r.ToArray()).OrderBy(r => (string)r[0]!, StringComparer.Ordinal));
        Assert.Equal(3L, result.Summary[0].Value);
        var all = await RunAsync(host, crm, "commerce.ordersByStatus");
        Assert.Equal(4L, all.Summary[0].Value);
    }

    [Fact]
    public async Task SalesByProduct_SumsLinesOfNonCancelledOrdersInThePeriod_HighestAmountFirst()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        await SeedAsync(host, crm);

        var result = await RunAsync(host, crm, "commerce.salesByProduct", new DateOnly(2026, 1, 1), new DateOnly(2026, 1, 31));

        Assert.Equal(["productName", "sku", "quantity", "amount", "lines"], result.Columns.Select(c => c.Name));
        Assert.Equal([["Kettle", "KET-1", 3m, 119.70m, 2L], ["Toaster", "TOA-2", 1m, 25m, 1L]], result.Rows.Select(r => r.ToArray()));
    }

    [Fact]
    public async Task Reports_ToBeforeFrom_IsRefused_AndAUserWithoutRightsSeesNothing()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        await SeedAsync(host, crm);
        var user = await crm.Organization.CreateUserAsync(new NewUser("guest", "Guest"));

        var error = await Assert.ThrowsAsync<CrmValidationException>(() => RunAsync(host, crm, "commerce.salesByProduct", new DateOnly(2026, 2, 1), new DateOnly(2026, 1, 1)));
        Assert.Equal("to", Assert.Single(error.Errors).Field);
        Assert.Empty((await RunAsync(host, crm.AsUser(user.Id), "commerce.ordersByStatus")).Rows);
        Assert.Empty((await RunAsync(host, crm.AsUser(user.Id), "commerce.salesByProduct")).Rows);
    }
}
