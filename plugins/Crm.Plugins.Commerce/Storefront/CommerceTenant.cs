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
/// The record API offers plugins no transaction spanning several top-level writes, so a sync checks the whole payload
/// (and the order's status change) before its first write, and writes only what differs.
/// </summary>
internal sealed class CommerceTenant(ICrmTenant tenant) : ICommerceTenant
{
    private const int MaxRecentOrders = 100;

    private IRecordService Records => tenant.Records;

    public async Task<OrderSyncResult> SyncOrderAsync(StorefrontOrder order, CancellationToken cancellationToken = default)
    {
        StorefrontValidation.Check(order);
        var existing = await FindOneAsync(RecordQuery.For(CommerceEntities.Order)
            .Where(OrderFields.Channel, order.Channel).Where(OrderFields.ExternalId, order.ExternalId), cancellationToken).ConfigureAwait(false);
        if (existing is not null && order.Status is not null)
        {
            // Checked before any write, so a refused status change leaves the whole order as it was.
            OrderStatusRules.Ensure(existing.Get<string>(OrderFields.OrderNumber), existing.Get<string>(OrderFields.Status), order.Status);
        }

        var existingLines = existing is null ? [] : await OrderLines.ListAsync(Records, existing.Id, cancellationToken).ConfigureAwait(false);
        var products = new Dictionary<string, Guid?>(StringComparer.Ordinal);
        var desiredLines = new List<Dictionary<string, object?>>(order.Lines.Count);
        for (var i = 0; i < order.Lines.Count; i++)
        {
            desiredLines.Add(await LineValuesAsync(order.Lines[i], i, products, cancellationToken).ConfigureAwait(false));
        }

        var (accountId, contactId, customerCreated) = await ResolveCustomerAsync(order.Customer, cancellationToken).ConfigureAwait(false);
        var values = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            [OrderFields.Channel] = order.Channel,
            [OrderFields.ExternalId] = order.ExternalId,
            [OrderFields.AccountId] = accountId,
        };
        Put(values, OrderFields.ContactId, contactId);
        Put(values, OrderFields.OrderNumber, order.OrderNumber);
        Put(values, OrderFields.OrderDate, order.OrderDate);
        Put(values, OrderFields.Status, order.Status);
        Put(values, OrderFields.Currency, order.Currency);

        var written = customerCreated;
        var outcome = SyncOutcome.Unchanged;
        CrmRecord stored;
        if (existing is null)
        {
            stored = await Records.CreateAsync(CommerceEntities.Order, values, cancellationToken: cancellationToken).ConfigureAwait(false);
            outcome = SyncOutcome.Created;
        }
        else
        {
            var changes = Differences(existing, values);
            stored = changes.Count == 0 ? existing : await Records.UpdateAsync(CommerceEntities.Order, existing.Id, existing.Version, changes, cancellationToken).ConfigureAwait(false);
            written |= changes.Count > 0;
        }

        var lineIds = new List<Guid>(desiredLines.Count);
        var matched = new HashSet<Guid>();
        foreach (var desired in desiredLines)
        {
            var line = MatchLine(existingLines, desired, matched);
            if (line is null)
            {
                desired[OrderLineFields.OrderId] = stored.Id;
                line = await Records.CreateAsync(CommerceEntities.OrderLine, desired, cancellationToken: cancellationToken).ConfigureAwait(false);
                written = true;
            }
            else
            {
                var changes = Differences(line, desired);
                if (changes.Count > 0)
                {
                    line = await Records.UpdateAsync(CommerceEntities.OrderLine, line.Id, line.Version, changes, cancellationToken).ConfigureAwait(false);
                    written = true;
                }
            }

            matched.Add(line.Id);
            lineIds.Add(line.Id);
        }

        if (outcome != SyncOutcome.Created && written)
        {
            outcome = SyncOutcome.Updated;
        }

        var unmatched = existingLines.Where(l => !matched.Contains(l.Id)).Select(l => l.Id).ToList();
        return new OrderSyncResult(outcome, stored.Id, stored.Get<string>(OrderFields.OrderNumber), accountId, contactId, customerCreated, lineIds, unmatched);
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

    private async Task<(Guid AccountId, Guid? ContactId, bool Created)> ResolveCustomerAsync(StorefrontCustomer customer, CancellationToken cancellationToken)
    {
        CrmRecord? account = null;
        CrmRecord? contact = null;
        var email = string.IsNullOrWhiteSpace(customer.Email) ? null : customer.Email.Trim();
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

        var created = false;
        if (account is null)
        {
            var person = string.Join(' ', new[] { customer.FirstName, customer.LastName }.Where(n => !string.IsNullOrWhiteSpace(n)));
            var name = customer.CompanyName ?? (person.Length > 0 ? person : email ?? customer.ExternalId!);
            var fields = new Dictionary<string, object?>(StringComparer.Ordinal);
            Put(fields, CommerceAccountFields.ExternalCustomerId, string.IsNullOrWhiteSpace(customer.ExternalId) ? null : customer.ExternalId);
            account = await tenant.Accounts.CreateAsync(new NewAccount(name) { Email = email, Phone = customer.Phone, Fields = fields }, cancellationToken).ConfigureAwait(false);
            created = true;
        }
        else if (!string.IsNullOrWhiteSpace(customer.ExternalId) && account.Get<string>(CommerceAccountFields.ExternalCustomerId) is null)
        {
            // Found by e-mail: remember the storefront's id so the next order finds the account directly.
            account = await Records.UpdateAsync(CoreEntities.Account, account.Id, account.Version,
                new Dictionary<string, object?> { [CommerceAccountFields.ExternalCustomerId] = customer.ExternalId }, cancellationToken).ConfigureAwait(false);
        }

        if (contact is null && (email is not null || !string.IsNullOrWhiteSpace(customer.LastName)))
        {
            var lastName = !string.IsNullOrWhiteSpace(customer.LastName) ? customer.LastName : LocalPart(email!);
            contact = await tenant.Contacts.CreateAsync(new NewContact(customer.FirstName, lastName) { AccountId = account.Id, Email = email, Phone = customer.Phone }, cancellationToken).ConfigureAwait(false);
            created = true;
        }

        return (account.Id, contact?.Id, created);
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
