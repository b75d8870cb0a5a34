using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Tenancy;
using Crm.Engine.Testing;
using Crm.Plugins.Commerce;

namespace Crm.Plugins.Service.Tests;

public sealed class CaseOpeningTests
{
    [Fact]
    public async Task OpenFromOrderLine_FillsCustomerContactOrderAndItem_AndIsInWarranty()
    {
        await using var f = await ServiceFixture.StartAsync();
        var account = await f.AccountAsync();
        var (product, order, line, contact) = await f.OrderLineAsync(account.Id, new DateOnly(2025, 6, 2), 24);
        var opened = new List<CaseOpened>();
        using var _ = f.Host.Engine.Events.Subscribe<CaseOpened>((e, _) => { opened.Add(e); return Task.CompletedTask; });

        var @case = await f.Desk.OpenFromOrderLineAsync(line.Id, new NewCase { Subject = "Pump leaks", Category = CaseCategory.Complaint, Priority = CasePriority.Urgent });

        Assert.Equal(account.Id, @case[CaseFields.AccountId]);
        Assert.Equal(contact.Id, @case[CaseFields.ContactId]);
        Assert.Equal(order.Id, @case[CaseFields.OrderId]);
        Assert.Equal(line.Id, @case[CaseFields.OrderLineId]);
        Assert.Equal(product.Id, @case[CaseFields.ProductId]);
        Assert.Equal("Espresso machine X2", @case[CaseFields.ProductName]);
        Assert.Equal("SN-1001", @case[CaseFields.SerialNumber]);
        Assert.Equal("4006381333931", @case[CaseFields.Barcode]);
        Assert.Equal(new DateOnly(2025, 6, 2), @case[CaseFields.ShipDate]);
        Assert.Equal(new DateOnly(2027, 6, 2), @case[CaseFields.WarrantyUntil]);
        Assert.Equal(WarrantyStatus.InWarranty, @case[CaseFields.WarrantyStatus]);
        Assert.Equal(CaseStatus.New, @case[CaseFields.Status]);
        Assert.Equal(ServiceFixture.FridayAfternoon, @case[CaseFields.OpenedAt]);
        Assert.Equal("CAS-2026-00001", @case[CaseFields.CaseNumber]);
        var e = Assert.Single(opened);
        Assert.Equal((@case.Id, "CAS-2026-00001", (Guid?)account.Id, CasePriority.Urgent), (e.CaseId, e.CaseNumber, e.AccountId, e.Priority));
    }

    [Fact]
    public async Task OpenFromOrderLine_WarrantyEndedYesterdayInBerlin_IsExpiredAlthoughItIsStillThatDayInUtc()
    {
        // 23:30 UTC on 31 March is 1 April 01:30 in Berlin; the warranty ran until 31 March.
        await using var f = await ServiceFixture.StartAsync(new DateTimeOffset(2026, 3, 31, 23, 30, 0, TimeSpan.Zero));
        var account = await f.AccountAsync();
        var (_, _, line, _) = await f.OrderLineAsync(account.Id, new DateOnly(2024, 3, 31), 24);

        var @case = await f.Desk.OpenFromOrderLineAsync(line.Id, new NewCase { Subject = "Grinder broken" });

        Assert.Equal(new DateOnly(2026, 3, 31), @case[CaseFields.WarrantyUntil]);
        Assert.Equal(WarrantyStatus.Expired, @case[CaseFields.WarrantyStatus]);
    }

    [Fact]
    public async Task OpenFromOrderLine_WithoutShipDate_WarrantyUnknown()
    {
        await using var f = await ServiceFixture.StartAsync();
        var account = await f.AccountAsync();
        var order = await f.Tenant.Records.CreateAsync(CommerceEntities.Order, new Dictionary<string, object?> { [OrderFields.AccountId] = account.Id });
        var line = await f.Tenant.Records.CreateAsync(CommerceEntities.OrderLine, new Dictionary<string, object?> { [OrderLineFields.OrderId] = order.Id, [OrderLineFields.ProductName] = "Mug" });

        var @case = await f.Desk.OpenFromOrderLineAsync(line.Id, new NewCase { Subject = "Chipped" });

        Assert.Equal(WarrantyStatus.Unknown, @case[CaseFields.WarrantyStatus]);
        Assert.Equal(account.Id, @case[CaseFields.AccountId]); // from the order, as the line has none
    }

    [Fact]
    public async Task ActiveServiceContract_MakesAnExpiredItemInWarranty_ContractForAnotherProductDoesNot()
    {
        await using var f = await ServiceFixture.StartAsync();
        var account = await f.AccountAsync();
        var (product, _, line, _) = await f.OrderLineAsync(account.Id, new DateOnly(2022, 1, 10), 12);
        var other = await f.Tenant.Records.CreateAsync(CommerceEntities.Product, new Dictionary<string, object?> { [ProductFields.Name] = "Kettle" });
        await f.Tenant.Records.CreateAsync(ServiceEntities.Entitlement, new Dictionary<string, object?>
        {
            [EntitlementFields.Name] = "Kettle care", [EntitlementFields.AccountId] = account.Id, [EntitlementFields.ProductId] = other.Id,
            [EntitlementFields.StartDate] = new DateOnly(2026, 1, 1), [EntitlementFields.EndDate] = new DateOnly(2026, 12, 31), [EntitlementFields.Type] = EntitlementType.Contract,
        });

        var before = await f.Desk.OpenFromOrderLineAsync(line.Id, new NewCase { Subject = "No steam" });
        Assert.Equal(WarrantyStatus.Expired, before[CaseFields.WarrantyStatus]);

        var contract = await f.Tenant.Records.CreateAsync(ServiceEntities.Entitlement, new Dictionary<string, object?>
        {
            [EntitlementFields.Name] = "Espresso care", [EntitlementFields.AccountId] = account.Id, [EntitlementFields.ProductId] = product.Id,
            [EntitlementFields.StartDate] = new DateOnly(2026, 1, 1), [EntitlementFields.EndDate] = new DateOnly(2026, 12, 31), [EntitlementFields.Type] = EntitlementType.Contract,
        });
        var after = await f.Desk.OpenFromOrderLineAsync(line.Id, new NewCase { Subject = "No steam again" });

        Assert.Equal(WarrantyStatus.InWarranty, after[CaseFields.WarrantyStatus]);
        Assert.Equal(contract.Id, after[CaseFields.EntitlementId]);
    }

    [Fact]
    public async Task OpenCase_ForCustomerWithContractForAllProducts_IsInWarranty_WithoutContractUnknown()
    {
        await using var f = await ServiceFixture.StartAsync();
        var covered = await f.AccountAsync("Covered AG");
        var plain = await f.AccountAsync("Plain KG");
        await f.Tenant.Records.CreateAsync(ServiceEntities.Entitlement, new Dictionary<string, object?>
        {
            [EntitlementFields.Name] = "Full service", [EntitlementFields.AccountId] = covered.Id,
            [EntitlementFields.StartDate] = new DateOnly(2026, 3, 1), [EntitlementFields.EndDate] = new DateOnly(2026, 3, 27),
        });

        Assert.Equal(WarrantyStatus.InWarranty, (await f.Desk.OpenCaseAsync(new NewCase { Subject = "Help", AccountId = covered.Id }))[CaseFields.WarrantyStatus]);
        Assert.Equal(WarrantyStatus.Unknown, (await f.Desk.OpenCaseAsync(new NewCase { Subject = "Help", AccountId = plain.Id }))[CaseFields.WarrantyStatus]);
    }

    [Fact]
    public async Task OpenFromOrderLine_UnknownLine_IsNotFoundNamingTheId()
    {
        await using var f = await ServiceFixture.StartAsync();
        var id = Guid.NewGuid();

        var error = await Assert.ThrowsAsync<CrmNotFoundException>(() => f.Desk.OpenFromOrderLineAsync(id, new NewCase { Subject = "x" }));

        Assert.Contains(id.ToString(), error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("orderLine", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenCase_BadChoiceValue_IsAValidationErrorNamingTheField()
    {
        await using var f = await ServiceFixture.StartAsync();

        var error = await Assert.ThrowsAsync<CrmValidationException>(() => f.Desk.OpenCaseAsync(new NewCase { Subject = "x", Priority = "asap" }));

        Assert.Contains(error.Errors, e => e.Field == CaseFields.Priority);
    }

    [Fact]
    public async Task OpenFromOrderLine_LineTheAgentMayNotRead_IsNotFound()
    {
        await using var f = await ServiceFixture.StartAsync();
        var account = await f.AccountAsync();
        var (_, _, line, _) = await f.OrderLineAsync(account.Id, new DateOnly(2025, 6, 2), 24);
        var north = await f.Tenant.Organization.CreateUnitAsync("North");
        var agent = await f.UserAsync("agent", Engine.Abstractions.Security.SystemRoles.ServiceAgent, north.Id);

        await Assert.ThrowsAsync<CrmNotFoundException>(() => f.DeskFor(f.Tenant.AsUser(agent.Id)).OpenFromOrderLineAsync(line.Id, new NewCase { Subject = "x" }));
    }

    [Fact]
    public async Task CaseCreatedThroughTheRecordApi_GetsStatusNewAndOpenedAt()
    {
        await using var host = await CrmTestHost.StartAsync(b => b.AddPlugin<CommercePlugin>(CommercePlugin.Id).AddPlugin<ServicePlugin>(ServicePlugin.Id));
        var crm = await host.CreateTenantAsync("t1", new TenantSettings("UTC"));

        var @case = await crm.Records.CreateAsync(ServiceEntities.Case, new Dictionary<string, object?> { [CaseFields.Subject] = "Question" });

        Assert.Equal((CaseStatus.New, (object?)CrmTestHost.DefaultStart), (@case[CaseFields.Status], @case[CaseFields.OpenedAt]));
    }
}
