using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Organization;
using Crm.Engine.Abstractions.Records;
using static Crm.Plugins.Commerce.Tests.CommerceFixture;

namespace Crm.Plugins.Commerce.Tests;

public sealed class StorefrontSyncTests
{
    [Fact]
    public async Task SyncOrder_New_CreatesCustomerOrderAndLines()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();

        var result = await host.Commerce(crm).SyncOrderAsync(Order());

        Assert.Equal(SyncOutcome.Created, result.Outcome);
        Assert.True(result.CustomerCreated);
        var order = await crm.GetAsync(CommerceEntities.Order, result.OrderId);
        Assert.Equal(("webshop", "WEB-1001", result.AccountId, result.ContactId, 104.80m, "EUR", OrderStatus.Pending),
            (order[OrderFields.Channel], order[OrderFields.ExternalId], order[OrderFields.AccountId], order[OrderFields.ContactId], order[OrderFields.TotalAmount], order[OrderFields.Currency], order[OrderFields.Status]));
        var account = await crm.GetAsync(CoreEntities.Account, result.AccountId);
        Assert.Equal(("Anna Schmidt", "C-77"), (account[AccountFields.Name], account[CommerceAccountFields.ExternalCustomerId]));
        var contact = await crm.GetAsync(CoreEntities.Contact, result.ContactId!.Value);
        Assert.Equal(("anna@example.com", result.AccountId), (contact[ContactFields.Email], contact[ContactFields.AccountId]));
        Assert.Equal(2, result.LineIds.Count);
        var kettle = await crm.GetAsync(CommerceEntities.OrderLine, result.LineIds[0]);
        Assert.Equal(("Kettle", "KET-1", "SN-1", 79.80m, 1m, result.AccountId, new DateOnly(2028, 1, 4)),
            (kettle[OrderLineFields.ProductName], kettle[OrderLineFields.Sku], kettle[OrderLineFields.SerialNumber], kettle[OrderLineFields.Amount], kettle[OrderLineFields.LineNumber], kettle[OrderLineFields.AccountId], kettle[OrderLineFields.WarrantyUntil]));
    }

    [Fact]
    public async Task SyncOrder_SamePayloadTwice_IsUnchanged_AndWritesNoNewVersions()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var commerce = host.Commerce(crm);
        var first = await commerce.SyncOrderAsync(Order());
        var before = await VersionsAsync(crm, first);

        var second = await commerce.SyncOrderAsync(Order());

        Assert.Equal(SyncOutcome.Unchanged, second.Outcome);
        Assert.False(second.CustomerCreated);
        Assert.Equal((first.OrderId, first.AccountId, first.ContactId), (second.OrderId, second.AccountId, second.ContactId));
        Assert.Equal(first.LineIds, second.LineIds);
        Assert.Equal(before, await VersionsAsync(crm, first));
        Assert.Equal(1, await crm.Records.CountAsync(RecordQuery.For(CommerceEntities.Order)));
        Assert.Equal(1, await crm.Records.CountAsync(RecordQuery.For(CoreEntities.Account)));
        Assert.Equal(1, await crm.Records.CountAsync(RecordQuery.For(CoreEntities.Contact)));
    }

    [Fact]
    public async Task SyncOrder_ChangedPayload_UpdatesOnlyWhatChanged()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var commerce = host.Commerce(crm);
        var first = await commerce.SyncOrderAsync(Order());
        var lineVersions = await Task.WhenAll(first.LineIds.Select(async id => (await crm.GetAsync(CommerceEntities.OrderLine, id)).Version));
        var payload = Order();
        payload = payload with
        {
            Status = OrderStatus.Shipped,
            Lines = [payload.Lines[0], payload.Lines[1] with { TrackingNumber = "1Z999", Carrier = "UPS" }],
        };

        var second = await commerce.SyncOrderAsync(payload);

        Assert.Equal(SyncOutcome.Updated, second.Outcome);
        Assert.Equal(OrderStatus.Shipped, (await crm.GetAsync(CommerceEntities.Order, first.OrderId))[OrderFields.Status]);
        Assert.Equal(lineVersions[0], (await crm.GetAsync(CommerceEntities.OrderLine, first.LineIds[0])).Version);
        var toaster = await crm.GetAsync(CommerceEntities.OrderLine, first.LineIds[1]);
        Assert.Equal((lineVersions[1] + 1, "1Z999", "UPS"), (toaster.Version, toaster[OrderLineFields.TrackingNumber], toaster[OrderLineFields.Carrier]));
    }

    [Fact]
    public async Task SyncOrder_NewLineInPayload_IsAdded_AndLinesMissingFromThePayloadAreReportedNotDeleted()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var commerce = host.Commerce(crm);
        var first = await commerce.SyncOrderAsync(Order());

        var second = await commerce.SyncOrderAsync(Order("WEB-1001",
            new StorefrontOrderLine { ExternalId = "L1", Sku = "KET-1", ProductName = "Kettle", Quantity = 2, UnitPrice = 39.90m, SerialNumber = "SN-1", Barcode = "4006381333931", ShipDate = new DateOnly(2026, 1, 4), WarrantyMonths = 24 },
            new StorefrontOrderLine { ExternalId = "L3", LineNumber = 3, Sku = "MUG-3", ProductName = "Mug", Quantity = 4, UnitPrice = 5m }));

        Assert.Equal(SyncOutcome.Updated, second.Outcome);
        Assert.Equal(first.LineIds[0], second.LineIds[0]);
        Assert.DoesNotContain(second.LineIds[1], first.LineIds);
        Assert.Equal([first.LineIds[1]], second.UnmatchedLineIds);
        Assert.Equal(124.80m, (await crm.GetAsync(CommerceEntities.Order, first.OrderId))[OrderFields.TotalAmount]);
    }

    [Fact]
    public async Task SyncOrder_KnownCustomer_IsFoundByExternalIdOrByEmail()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var account = await crm.Accounts.CreateAsync(new NewAccount("Schmidt Küchen GmbH"));
        var contact = await crm.Contacts.CreateAsync(new NewContact("Anna", "Schmidt") { AccountId = account.Id, Email = "Anna@Example.com" });
        var commerce = host.Commerce(crm);

        var byEmail = await commerce.SyncOrderAsync(Order());
        var byExternalId = await commerce.SyncOrderAsync(Order("WEB-1002") with { Customer = new StorefrontCustomer { ExternalId = "C-77", LastName = "Somebody" } });

        Assert.Equal((account.Id, contact.Id, false), (byEmail.AccountId, byEmail.ContactId, byEmail.CustomerCreated));
        Assert.Equal("C-77", (await crm.GetAsync(CoreEntities.Account, account.Id))[CommerceAccountFields.ExternalCustomerId]);
        Assert.Equal(account.Id, byExternalId.AccountId);
        Assert.Equal(1, await crm.Records.CountAsync(RecordQuery.For(CoreEntities.Account)));
    }

    [Fact]
    public async Task SyncOrder_LinesFindSyncedProducts_AndFillFromThem()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var commerce = host.Commerce(crm);
        var product = await commerce.SyncProductAsync(new StorefrontProduct { ExternalId = "P-9", Sku = "PMP-9", Name = "Pump", UnitPrice = 120m, WarrantyMonths = 36 });

        var result = await commerce.SyncOrderAsync(Order("WEB-2", new StorefrontOrderLine { ProductExternalId = "P-9", Sku = "PMP-9", Quantity = 1, ShipDate = new DateOnly(2026, 1, 4) }));

        var line = await crm.GetAsync(CommerceEntities.OrderLine, result.LineIds[0]);
        Assert.Equal((product.ProductId, "Pump", 120m, new DateOnly(2029, 1, 4)),
            (line[OrderLineFields.ProductId], line[OrderLineFields.ProductName], line[OrderLineFields.UnitPrice], line[OrderLineFields.WarrantyUntil]));
    }

    public static TheoryData<StorefrontOrder, string, string> BadPayloads() => new()
    {
        { Order() with { ExternalId = " " }, "externalId", "externalId" },
        { Order() with { Channel = "" }, "channel", "channel" },
        { Order() with { Currency = "euro" }, "currency", "'euro' is not an ISO 4217 currency code" },
        { Order() with { Status = "lost" }, "status", "'lost' is not an order status" },
        { Order("WEB-1", Order().Lines[0], Order().Lines[1] with { Quantity = -2 }), "lines[1].quantity", "lines[1] (line 2) has quantity -2" },
        { Order("WEB-1", Order().Lines[0] with { Sku = null, ProductName = null }), "lines[0].productName", "lines[0] (line 1) has neither a productName nor a sku" },
        { Order("WEB-1", Order().Lines[0], Order().Lines[1] with { ExternalId = "L1" }), "lines[1].externalId", "repeats the line externalId 'L1'" },
    };

    [Theory]
    [MemberData(nameof(BadPayloads))]
    public async Task SyncOrder_BadPayload_IsRefusedNamingFieldAndLine_AndWritesNothing(StorefrontOrder payload, string field, string message)
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();

        var error = await Assert.ThrowsAsync<CrmValidationException>(() => host.Commerce(crm).SyncOrderAsync(payload));

        Assert.Contains(error.Errors, e => e.Field == field && e.Message.Contains(message, StringComparison.Ordinal));
        foreach (var entity in new[] { CommerceEntities.Order, CommerceEntities.OrderLine, CoreEntities.Account, CoreEntities.Contact })
        {
            Assert.Equal(0, await crm.Records.CountAsync(RecordQuery.For(entity)));
        }
    }

    [Fact]
    public async Task SyncOrder_FailingInTheMiddle_RollsEverythingBack_CustomerIncluded()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var payload = Order();
        // Passes the payload checks, but the engine refuses the second line (productName is at most 200 characters)
        // after the customer, the order and the first line were written in the same transaction.
        payload = payload with { Lines = [payload.Lines[0], payload.Lines[1] with { ProductName = new string('x', 201) }] };

        var error = await Assert.ThrowsAsync<CrmValidationException>(() => host.Commerce(crm).SyncOrderAsync(payload));

        Assert.Equal(OrderLineFields.ProductName, Assert.Single(error.Errors).Field);
        foreach (var entity in new[] { CommerceEntities.Order, CommerceEntities.OrderLine, CommerceEntities.StorefrontSync, CoreEntities.Account, CoreEntities.Contact })
        {
            Assert.Equal(0, await crm.Records.CountAsync(RecordQuery.For(entity)));
        }
    }

    [Fact]
    public async Task SyncOrder_LeavesOneLogRecordPerSyncThatWrote_AndTheLogCannotBeWrittenDirectly()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var commerce = host.Commerce(crm);

        await commerce.SyncOrderAsync(Order());
        await commerce.SyncOrderAsync(Order());
        await commerce.SyncOrderAsync(Order() with { Status = OrderStatus.Confirmed });

        var log = (await crm.Records.QueryAsync(RecordQuery.For(CommerceEntities.StorefrontSync))).Records;
        Assert.Equal(2, log.Count);
        Assert.All(log, r => Assert.Equal(("webshop", "WEB-1001"), (r[StorefrontSyncFields.Channel], r[StorefrontSyncFields.ExternalId])));
        await Assert.ThrowsAsync<CrmOperationRejectedException>(() => crm.Records.CreateAsync(CommerceEntities.StorefrontSync,
            Values((StorefrontSyncFields.Channel, "webshop"), (StorefrontSyncFields.ExternalId, "X"))));
    }

    [Fact]
    public async Task SyncOrder_RefusedStatusChange_ChangesNothingOfTheOrder()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var commerce = host.Commerce(crm);
        var first = await commerce.SyncOrderAsync(Order() with { Status = OrderStatus.Cancelled });
        var before = await VersionsAsync(crm, first);
        var payload = Order() with { Status = OrderStatus.Shipped };
        payload = payload with { Lines = [payload.Lines[0] with { Quantity = 5 }, payload.Lines[1]] };

        var error = await Assert.ThrowsAsync<CrmValidationException>(() => commerce.SyncOrderAsync(payload));

        Assert.Contains("cannot go from 'cancelled' to 'shipped'", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await VersionsAsync(crm, first));
    }

    [Fact]
    public async Task SyncOrder_UserWithoutRights_IsRefused_AndNothingIsWritten()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var user = await crm.Organization.CreateUserAsync(new NewUser("guest", "Guest"));

        await Assert.ThrowsAsync<CrmAccessDeniedException>(() => host.Commerce(crm.AsUser(user.Id)).SyncOrderAsync(Order()));

        Assert.Equal(0, await crm.Records.CountAsync(RecordQuery.For(CommerceEntities.Order)));
        Assert.Equal(0, await crm.Records.CountAsync(RecordQuery.For(CoreEntities.Account)));
    }

    [Fact]
    public async Task SyncProduct_IsIdempotentByExternalId_AndUpdatesWhatChanged()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var commerce = host.Commerce(crm);
        var payload = new StorefrontProduct { ExternalId = "P-1", Sku = "KET-1", Name = "Kettle", UnitPrice = 39.90m, WarrantyMonths = 24, Active = true };

        var created = await commerce.SyncProductAsync(payload);
        var version = (await crm.GetAsync(CommerceEntities.Product, created.ProductId)).Version;
        var again = await commerce.SyncProductAsync(payload);
        var changed = await commerce.SyncProductAsync(payload with { UnitPrice = 34.90m });
        var bySku = await commerce.SyncProductAsync(new StorefrontProduct { Sku = "TOA-2", Name = "Toaster" });
        var bySkuAgain = await commerce.SyncProductAsync(new StorefrontProduct { Sku = "TOA-2", Name = "Toaster" });

        Assert.Equal((SyncOutcome.Created, SyncOutcome.Unchanged, SyncOutcome.Updated), (created.Outcome, again.Outcome, changed.Outcome));
        var stored = await crm.GetAsync(CommerceEntities.Product, created.ProductId);
        Assert.Equal((version + 1, 34.90m), (stored.Version, stored[ProductFields.UnitPrice]));
        Assert.Equal((SyncOutcome.Created, SyncOutcome.Unchanged, bySku.ProductId), (bySku.Outcome, bySkuAgain.Outcome, bySkuAgain.ProductId));
        var error = await Assert.ThrowsAsync<CrmValidationException>(() => commerce.SyncProductAsync(new StorefrontProduct { Name = "Nameless" }));
        Assert.Equal("externalId", Assert.Single(error.Errors).Field);
    }

    private static async Task<long[]> VersionsAsync(ICrmTenant crm, OrderSyncResult result)
    {
        var versions = new List<long>
        {
            (await crm.GetAsync(CommerceEntities.Order, result.OrderId)).Version,
            (await crm.GetAsync(CoreEntities.Account, result.AccountId)).Version,
        };
        if (result.ContactId is { } contact)
        {
            versions.Add((await crm.GetAsync(CoreEntities.Contact, contact)).Version);
        }

        foreach (var line in result.LineIds)
        {
            versions.Add((await crm.GetAsync(CommerceEntities.OrderLine, line)).Version);
        }

        return [.. versions];
    }
}
