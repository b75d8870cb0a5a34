using System.Globalization;
using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Records;
using Crm.Plugins.Commerce.Carts;
using Crm.Plugins.Commerce.Orders;

namespace Crm.Plugins.Commerce.Storefront;

/// <summary>
/// The commerce API of one tenant. Every read and write goes through the caller's <see cref="ICrmTenant.Records"/>.
/// A storefront order sync reads and checks everything first, then writes only what differs, in one transaction
/// (<see cref="SyncTransactions"/>).
/// </summary>
internal sealed class CommerceTenant(ICrmTenant tenant, SyncTransactions transactions) : ICommerceTenant
{
    private const int MaxRecentOrders = 100;

    private IRecordService Records => tenant.Records;

    public async Task<OrderSyncResult> SyncOrderAsync(StorefrontOrder order, CancellationToken cancellationToken = default)
    {
        // Everything is read and checked first; the writes then run in one transaction (see SyncTransactions).
        StorefrontValidation.Check(order);
        var existing = await FindOneAsync(RecordQuery.For(CommerceEntities.Order)
            .Where(OrderFields.Channel, order.Channel).Where(OrderFields.ExternalId, order.ExternalId), cancellationToken).ConfigureAwait(false);
        if (existing is not null && order.Status is not null)
        {
            OrderStatusRules.Ensure(existing.Get<string>(OrderFields.OrderNumber), existing.Get<string>(OrderFields.Status), order.Status);
        }

        var existingLines = existing is null ? [] : await OrderLines.ListAsync(Records, existing.Id, cancellationToken).ConfigureAwait(false);
        var products = new Dictionary<string, Guid?>(StringComparer.Ordinal);
        var lines = new List<(Dictionary<string, object?> Desired, CrmRecord? Stored)>(order.Lines.Count);
        var matched = new HashSet<Guid>();
        for (var i = 0; i < order.Lines.Count; i++)
        {
            var desired = await LineValuesAsync(order.Lines[i], i, products, cancellationToken).ConfigureAwait(false);
            var stored = MatchLine(existingLines, desired, matched);
            if (stored is not null)
            {
                matched.Add(stored.Id);
            }

            lines.Add((desired, stored));
        }

        var customer = await FindCustomerAsync(order.Customer, cancellationToken).ConfigureAwait(false);
        var values = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            [OrderFields.Channel] = order.Channel,
            [OrderFields.ExternalId] = order.ExternalId,
        };
        Put(values, OrderFields.OrderNumber, order.OrderNumber);
        Put(values, OrderFields.OrderDate, order.OrderDate);
        Put(values, OrderFields.Status, order.Status);
        Put(values, OrderFields.Currency, order.Currency);
        var unmatched = existingLines.Where(l => !matched.Contains(l.Id)).Select(l => l.Id).ToList();

        if (existing is not null && customer.Account is not null && !customer.NeedsWrites
            && Differences(existing, WithCustomer(values, customer.Account.Id, customer.Contact?.Id)).Count == 0
            && lines.All(l => l.Stored is not null && Differences(l.Stored, l.Desired).Count == 0))
        {
            // Nothing differs: nothing is written (no new versions, no sync log record).
            return new OrderSyncResult(SyncOutcome.Unchanged, existing.Id, existing.Get<string>(OrderFields.OrderNumber), customer.Account.Id,
                customer.Contact?.Id, false, [.. lines.Select(l => l.Stored!.Id)], unmatched);
        }

        OrderSyncResult? result = null;
        await transactions.RunAsync(Records, order.Channel, order.ExternalId, async (records, ct) =>
        {
            var (accountId, contactId) = await WriteCustomerAsync(records, order.Customer, customer, ct).ConfigureAwait(false);
            var orderValues = WithCustomer(values, accountId, contactId);
            CrmRecord stored;
            if (existing is null)
            {
                stored = await records.CreateAsync(CommerceEntities.Order, orderValues, cancellationToken: ct).ConfigureAwait(false);
            }
            else
            {
                var changes = Differences(existing, orderValues);
                stored = changes.Count == 0 ? existing : await records.UpdateAsync(CommerceEntities.Order, existing.Id, existing.Version, changes, ct).ConfigureAwait(false);
            }

            var lineIds = new List<Guid>(lines.Count);
            foreach (var (desired, line) in lines)
            {
                if (line is null)
                {
                    desired[OrderLineFields.OrderId] = stored.Id;
                    lineIds.Add((await records.CreateAsync(CommerceEntities.OrderLine, desired, cancellationToken: ct).ConfigureAwait(false)).Id);
                    continue;
                }

                var changes = Differences(line, desired);
                if (changes.Count > 0)
                {
                    await records.UpdateAsync(CommerceEntities.OrderLine, line.Id, line.Version, changes, ct).ConfigureAwait(false);
                }

                lineIds.Add(line.Id);
            }

            result = new OrderSyncResult(existing is null ? SyncOutcome.Created : SyncOutcome.Updated, stored.Id, stored.Get<string>(OrderFields.OrderNumber),
                accountId, contactId, customer.Account is null || customer.CreateContact, lineIds, unmatched);
        }, cancellationToken).ConfigureAwait(false);

        return result!;
    }

    public async Task<ProductSyncResult> SyncProductAsync(StorefrontProduct product, CancellationToken cancellationToken = default)
    {
        StorefrontValidation.CheckProduct(product);
        var existing = await FindProductAsync(product.ExternalId, product.Sku, cancellationToken).ConfigureAwait(false);
        var values = new Dictionary<string, object?>(StringComparer.Ordinal) { [ProductFields.Name] = product.Name };
        Put(values, ProductFields.ExternalId, product.ExternalId);
        Put(values, ProductFields.Sku, product.Sku);
        Put(values, ProductFields.Barcode, product.Barcode);
        Put(values, ProductFields.Category, product.Category);
        Put(values, ProductFields.UnitPrice, product.UnitPrice);
        Put(values, ProductFields.WarrantyMonths, product.WarrantyMonths is { } months ? (decimal)months : null);
        Put(values, ProductFields.Active, product.Active);
        if (existing is null)
        {
            var created = await Records.CreateAsync(CommerceEntities.Product, values, cancellationToken: cancellationToken).ConfigureAwait(false);
            return new ProductSyncResult(SyncOutcome.Created, created.Id);
        }

        var changes = Differences(existing, values);
        if (changes.Count == 0)
        {
            return new ProductSyncResult(SyncOutcome.Unchanged, existing.Id);
        }

        await Records.UpdateAsync(CommerceEntities.Product, existing.Id, existing.Version, changes, cancellationToken).ConfigureAwait(false);
        return new ProductSyncResult(SyncOutcome.Updated, existing.Id);
    }

    public async Task<OrderStatusInfo?> GetOrderStatusAsync(string orderNumber, string email, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(orderNumber) || string.IsNullOrWhiteSpace(email))
        {
            return null;
        }

        var order = await FindOneAsync(RecordQuery.For(CommerceEntities.Order).Where(OrderFields.OrderNumber, orderNumber.Trim()), cancellationToken).ConfigureAwait(false);
        if (order is null || !await BelongsToAsync(order, email.Trim(), cancellationToken).ConfigureAwait(false))
        {
            // A wrong e-mail looks exactly like a missing order: order numbers cannot be probed.
            return null;
        }

        var lines = await OrderLines.ListAsync(Records, order.Id, cancellationToken).ConfigureAwait(false);
        return new OrderStatusInfo(
            order.Get<string>(OrderFields.OrderNumber),
            order.Get<string>(OrderFields.Status),
            order.Get<DateTimeOffset?>(OrderFields.OrderDate),
            order.Stamps.ModifiedAt,
            lines.Select(l => new ShipmentInfo(
                l.Get<decimal?>(OrderLineFields.LineNumber) is { } n ? (int)n : null,
                l.Get<string>(OrderLineFields.ProductName),
                l.Get<decimal?>(OrderLineFields.Quantity),
                l.Get<DateOnly?>(OrderLineFields.ShipDate),
                l.Get<string>(OrderLineFields.Carrier),
                l.Get<string>(OrderLineFields.TrackingNumber),
                l.Get<DateOnly?>(OrderLineFields.WarrantyUntil))).ToList());
    }

    public async Task<IReadOnlyList<OrderWithLines>> RecentOrdersAsync(Guid accountId, int count = 5, CancellationToken cancellationToken = default)
    {
        if (count is < 1 or > MaxRecentOrders)
        {
            throw new CrmValidationException(new CrmValidationError(CommerceEntities.Order, "count", count, "range",
                string.Create(CultureInfo.InvariantCulture, $"count must be 1 to {MaxRecentOrders}; {count} was given.")));
        }

        var orders = await Records.QueryAsync(
            RecordQuery.For(CommerceEntities.Order).Where(OrderFields.AccountId, accountId).OrderByDescending(OrderFields.OrderDate).Take(count),
            cancellationToken).ConfigureAwait(false);
        var result = new List<OrderWithLines>(orders.Records.Count);
        foreach (var order in orders.Records)
        {
            result.Add(new OrderWithLines(order, await OrderLines.ListAsync(Records, order.Id, cancellationToken).ConfigureAwait(false)));
        }

        return result;
    }

    public Task<TimeSpan> GetCartAbandonAfterAsync(CancellationToken cancellationToken = default) =>
        CommerceSettings.AbandonAfterAsync(Records, cancellationToken);

    public async Task SetCartAbandonAfterAsync(int hours, CancellationToken cancellationToken = default)
    {
        if (hours is < 1 or > 8760)
        {
            throw new CrmValidationException(new CrmValidationError(CommerceEntities.Settings, CommerceSettingsFields.CartAbandonAfterHours, hours, "range",
                string.Create(CultureInfo.InvariantCulture, $"the cart abandonment period must be 1 to 8760 hours; {hours} was given.")));
        }

        var settings = await CommerceSettings.GetAsync(Records, cancellationToken).ConfigureAwait(false);
        var values = new Dictionary<string, object?> { [CommerceSettingsFields.CartAbandonAfterHours] = (decimal)hours };
        if (settings is null)
        {
            values[CommerceSettingsFields.Name] = "default";
            await Records.CreateAsync(CommerceEntities.Settings, values, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await Records.UpdateAsync(CommerceEntities.Settings, settings.Id, settings.Version, values, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<Dictionary<string, object?>> LineValuesAsync(StorefrontOrderLine line, int index, Dictionary<string, Guid?> products, CancellationToken cancellationToken)
    {
        var values = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            [OrderLineFields.LineNumber] = (decimal)(line.LineNumber ?? index + 1),
            [OrderLineFields.Quantity] = line.Quantity,
        };
        Put(values, OrderLineFields.ExternalId, line.ExternalId);
        Put(values, OrderLineFields.ProductName, line.ProductName);
        Put(values, OrderLineFields.Sku, line.Sku);
        Put(values, OrderLineFields.UnitPrice, line.UnitPrice);
        Put(values, OrderLineFields.SerialNumber, line.SerialNumber);
        Put(values, OrderLineFields.Barcode, line.Barcode);
        Put(values, OrderLineFields.ShipDate, line.ShipDate);
        Put(values, OrderLineFields.Carrier, line.Carrier);
        Put(values, OrderLineFields.TrackingNumber, line.TrackingNumber);
        Put(values, OrderLineFields.WarrantyMonths, line.WarrantyMonths is { } months ? (decimal)months : null);
        var key = $"{line.ProductExternalId}\u001f{line.Sku}";
        if (!products.TryGetValue(key, out var productId))
        {
            productId = (await FindProductAsync(line.ProductExternalId, line.Sku, cancellationToken).ConfigureAwait(false))?.Id;
            products[key] = productId;
        }

        Put(values, OrderLineFields.ProductId, productId);
        return values;
    }

    private static CrmRecord? MatchLine(IReadOnlyList<CrmRecord> lines, Dictionary<string, object?> desired, HashSet<Guid> taken)
    {
        if (desired.GetValueOrDefault(OrderLineFields.ExternalId) is string externalId)
        {
            var byId = lines.FirstOrDefault(l => !taken.Contains(l.Id) && l.Get<string>(OrderLineFields.ExternalId) == externalId);
            if (byId is not null)
            {
                return byId;
            }
        }

        var number = desired[OrderLineFields.LineNumber] as decimal?;
        return lines.FirstOrDefault(l => !taken.Contains(l.Id)
            && l.Get<decimal?>(OrderLineFields.LineNumber) == number
            && (l.Get<string>(OrderLineFields.ExternalId) is null || desired.GetValueOrDefault(OrderLineFields.ExternalId) is null));
    }

    /// <summary>What was found of a storefront customer, and what must be written.</summary>
    private sealed record FoundCustomer(CrmRecord? Account, CrmRecord? Contact, bool SetExternalId, bool CreateContact)
    {
        public bool NeedsWrites => Account is null || SetExternalId || CreateContact;
    }

    private async Task<FoundCustomer> FindCustomerAsync(StorefrontCustomer customer, CancellationToken cancellationToken)
    {
        CrmRecord? account = null;
        CrmRecord? contact = null;
        var email = EmailOf(customer);
        if (!string.IsNullOrWhiteSpace(customer.ExternalId))
        {
            account = await FindOneAsync(RecordQuery.For(CoreEntities.Account).Where(CommerceAccountFields.ExternalCustomerId, customer.ExternalId), cancellationToken).ConfigureAwait(false);
        }

        if (email is not null)
        {
            var found = await tenant.Contacts.FindByEmailAsync(email, cancellationToken).ConfigureAwait(false);
            contact = found.FirstOrDefault(r => r.EntityType == CoreEntities.Contact && (account is null || r.Get<Guid?>(ContactFields.AccountId) == account.Id));
            if (account is null && contact?.Get<Guid?>(ContactFields.AccountId) is { } contactAccount)
            {
                account = await Records.GetAsync(CoreEntities.Account, contactAccount, cancellationToken).ConfigureAwait(false);
            }

            account ??= found.FirstOrDefault(r => r.EntityType == CoreEntities.Account);
        }

        // Found by e-mail: remember the storefront's id so the next order finds the account directly.
        var setExternalId = account is not null && !string.IsNullOrWhiteSpace(customer.ExternalId) && account.Get<string>(CommerceAccountFields.ExternalCustomerId) is null;
        var createContact = contact is null && (email is not null || !string.IsNullOrWhiteSpace(customer.LastName));
        return new FoundCustomer(account, contact, setExternalId, createContact);
    }

    private static async Task<(Guid AccountId, Guid? ContactId)> WriteCustomerAsync(IRecordService records, StorefrontCustomer customer, FoundCustomer found, CancellationToken cancellationToken)
    {
        var email = EmailOf(customer);
        var accountId = found.Account?.Id ?? Guid.Empty;
        if (found.Account is null)
        {
            var person = string.Join(' ', new[] { customer.FirstName, customer.LastName }.Where(n => !string.IsNullOrWhiteSpace(n)));
            var values = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                [AccountFields.Name] = customer.CompanyName ?? (person.Length > 0 ? person : email ?? customer.ExternalId!),
            };
            Put(values, AccountFields.Email, email);
            Put(values, AccountFields.Phone, customer.Phone);
            Put(values, CommerceAccountFields.ExternalCustomerId, string.IsNullOrWhiteSpace(customer.ExternalId) ? null : customer.ExternalId);
            accountId = (await records.CreateAsync(CoreEntities.Account, values, cancellationToken: cancellationToken).ConfigureAwait(false)).Id;
        }
        else if (found.SetExternalId)
        {
            await records.UpdateAsync(CoreEntities.Account, accountId, found.Account.Version,
                new Dictionary<string, object?> { [CommerceAccountFields.ExternalCustomerId] = customer.ExternalId }, cancellationToken).ConfigureAwait(false);
        }

        var contactId = found.Contact?.Id;
        if (found.CreateContact)
        {
            var values = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                [ContactFields.LastName] = !string.IsNullOrWhiteSpace(customer.LastName) ? customer.LastName : LocalPart(email!),
                [ContactFields.AccountId] = accountId,
            };
            Put(values, ContactFields.FirstName, customer.FirstName);
            Put(values, ContactFields.Email, email);
            Put(values, ContactFields.Phone, customer.Phone);
            contactId = (await records.CreateAsync(CoreEntities.Contact, values, cancellationToken: cancellationToken).ConfigureAwait(false)).Id;
        }

        return (accountId, contactId);
    }

    private static string? EmailOf(StorefrontCustomer customer) => string.IsNullOrWhiteSpace(customer.Email) ? null : customer.Email.Trim();

    private static Dictionary<string, object?> WithCustomer(Dictionary<string, object?> values, Guid accountId, Guid? contactId)
    {
        var all = new Dictionary<string, object?>(values, StringComparer.Ordinal) { [OrderFields.AccountId] = accountId };
        Put(all, OrderFields.ContactId, contactId);
        return all;
    }

    private async Task<bool> BelongsToAsync(CrmRecord order, string email, CancellationToken cancellationToken)
    {
        if (order.Get<Guid?>(OrderFields.ContactId) is { } contactId
            && await Records.GetAsync(CoreEntities.Contact, contactId, cancellationToken).ConfigureAwait(false) is { } contact
            && (SameEmail(contact.Get<string>(ContactFields.Email), email) || SameEmail(contact.Get<string>(ContactFields.Email2), email)))
        {
            return true;
        }

        return order.Get<Guid?>(OrderFields.AccountId) is { } accountId
            && await Records.GetAsync(CoreEntities.Account, accountId, cancellationToken).ConfigureAwait(false) is { } account
            && SameEmail(account.Get<string>(AccountFields.Email), email);
    }

    private static bool SameEmail(string? stored, string given) => stored is not null && string.Equals(stored.Trim(), given, StringComparison.OrdinalIgnoreCase);

    private async Task<CrmRecord?> FindProductAsync(string? externalId, string? sku, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrWhiteSpace(externalId)
            && await FindOneAsync(RecordQuery.For(CommerceEntities.Product).Where(ProductFields.ExternalId, externalId), cancellationToken).ConfigureAwait(false) is { } byId)
        {
            return byId;
        }

        return string.IsNullOrWhiteSpace(sku)
            ? null
            : await FindOneAsync(RecordQuery.For(CommerceEntities.Product).Where(ProductFields.Sku, sku), cancellationToken).ConfigureAwait(false);
    }

    private async Task<CrmRecord?> FindOneAsync(RecordQuery query, CancellationToken cancellationToken)
    {
        var page = await Records.QueryAsync(query.OrderBy("createdAt").Take(1), cancellationToken).ConfigureAwait(false);
        return page.Records.Count > 0 ? page.Records[0] : null;
    }

    private static string LocalPart(string email)
    {
        var at = email.IndexOf('@', StringComparison.Ordinal);
        return at > 0 ? email[..at] : email;
    }

    /// <summary>The given values that differ from the record's (values the payload leaves empty are not compared: they are not cleared).</summary>
    private static Dictionary<string, object?> Differences(CrmRecord record, Dictionary<string, object?> values) =>
        values.Where(p => !Equals(record[p.Key], p.Value)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    private static void Put(Dictionary<string, object?> values, string field, object? value)
    {
        if (value is not null)
        {
            values[field] = value;
        }
    }
}
