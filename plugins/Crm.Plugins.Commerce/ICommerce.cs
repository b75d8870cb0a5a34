using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Records;

namespace Crm.Plugins.Commerce;

/// <summary>
/// The commerce module's typed API (a singleton in the engine's services). Everything goes through the caller's
/// <see cref="ICrmTenant.Records"/>, so the caller's access rights and the audit trail apply.
/// </summary>
public interface ICommerce
{
    /// <summary>The commerce API of a tenant, acting as the tenant view's caller.</summary>
    /// <param name="tenant">The caller's view of the tenant.</param>
    /// <returns>The tenant's commerce API.</returns>
    ICommerceTenant ForTenant(ICrmTenant tenant);
}

/// <summary>The commerce API of one tenant for one caller.</summary>
public interface ICommerceTenant
{
    /// <summary>
    /// Creates or updates an order from the storefront, keyed by (<see cref="StorefrontOrder.Channel"/>,
    /// <see cref="StorefrontOrder.ExternalId"/>), with its customer and lines. Idempotent: the same payload again writes
    /// nothing and returns <see cref="SyncOutcome.Unchanged"/>; a changed payload changes only what differs. The whole
    /// payload is checked before anything is written, and the writes (customer, order, lines) run in one transaction
    /// with a <see cref="CommerceEntities.StorefrontSync"/> log record: if one fails, nothing of the sync is kept.
    /// </summary>
    /// <param name="order">The storefront's order.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>What was done and the ids.</returns>
    /// <exception cref="Crm.Engine.Abstractions.Errors.CrmValidationException">The payload is invalid; each error names the field (and line index, <c>lines[i].field</c>).</exception>
    Task<OrderSyncResult> SyncOrderAsync(StorefrontOrder order, CancellationToken cancellationToken = default);

    /// <summary>Creates or updates a product from the storefront, keyed by its external id, else its SKU. Idempotent.</summary>
    /// <param name="product">The storefront's product.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>What was done and the product's id.</returns>
    Task<ProductSyncResult> SyncProductAsync(StorefrontProduct product, CancellationToken cancellationToken = default);

    /// <summary>
    /// Customer self-service: an order's status, dates and shipments, only when <paramref name="email"/> is the e-mail
    /// of the order's contact or account. A wrong e-mail and a missing order give the same answer (<see langword="null"/>).
    /// </summary>
    /// <param name="orderNumber">The order number.</param>
    /// <param name="email">The customer's e-mail (case-insensitive).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The status, or <see langword="null"/> when there is no such order for that e-mail.</returns>
    Task<OrderStatusInfo?> GetOrderStatusAsync(string orderNumber, string email, CancellationToken cancellationToken = default);

    /// <summary>A customer's most recent orders with their lines, newest order date first (screen pop, timelines).</summary>
    /// <param name="accountId">The customer.</param>
    /// <param name="count">How many orders (1 to 100).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The orders the caller may read, each with the lines the caller may read, by line number.</returns>
    Task<IReadOnlyList<OrderWithLines>> RecentOrdersAsync(Guid accountId, int count = 5, CancellationToken cancellationToken = default);

    /// <summary>The tenant's cart abandonment period (wall-clock; <see cref="CommerceSettingsFields.CartAbandonAfterHours"/>, default 24 hours).</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The period.</returns>
    Task<TimeSpan> GetCartAbandonAfterAsync(CancellationToken cancellationToken = default);

    /// <summary>Sets the tenant's cart abandonment period (stored in the <see cref="CommerceEntities.Settings"/> record). Applies to carts changed from now on.</summary>
    /// <param name="hours">Wall-clock hours, 1 to 8760.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the setting is stored.</returns>
    Task SetCartAbandonAfterAsync(int hours, CancellationToken cancellationToken = default);
}

/// <summary>What a sync did.</summary>
public enum SyncOutcome
{
    /// <summary>Nothing differed; nothing was written.</summary>
    Unchanged = 0,

    /// <summary>The record was created.</summary>
    Created = 1,

    /// <summary>An existing record (or one of its lines) was changed.</summary>
    Updated = 2,
}

/// <summary>An order as the storefront sends it.</summary>
public sealed record StorefrontOrder
{
    /// <summary>The storefront's name (with <see cref="ExternalId"/> the sync key), e.g. <c>webshop</c>.</summary>
    public required string Channel { get; init; }

    /// <summary>The order's id in the storefront.</summary>
    public required string ExternalId { get; init; }

    /// <summary>The order number to use; numbered by the engine when empty.</summary>
    public string? OrderNumber { get; init; }

    /// <summary>When the order was placed.</summary>
    public DateTimeOffset? OrderDate { get; init; }

    /// <summary>The status (<see cref="OrderStatus"/>); <c>pending</c> for a new order when empty.</summary>
    public string? Status { get; init; }

    /// <summary>ISO 4217 currency code (three capital letters).</summary>
    public string? Currency { get; init; }

    /// <summary>The customer.</summary>
    public required StorefrontCustomer Customer { get; init; }

    /// <summary>The lines.</summary>
    public IReadOnlyList<StorefrontOrderLine> Lines { get; init; } = [];
}

/// <summary>The customer of a storefront order.</summary>
public sealed record StorefrontCustomer
{
    /// <summary>The customer's id in the storefront (found through <see cref="CommerceAccountFields.ExternalCustomerId"/>).</summary>
    public string? ExternalId { get; init; }

    /// <summary>The customer's e-mail (found through the contacts' and accounts' e-mail fields).</summary>
    public string? Email { get; init; }

    /// <summary>First name of the contact.</summary>
    public string? FirstName { get; init; }

    /// <summary>Last name of the contact.</summary>
    public string? LastName { get; init; }

    /// <summary>The company's name; the account is named after the person when empty.</summary>
    public string? CompanyName { get; init; }

    /// <summary>Telephone number.</summary>
    public string? Phone { get; init; }
}

/// <summary>A line of a storefront order.</summary>
public sealed record StorefrontOrderLine
{
    /// <summary>The line's id in the storefront (the line's sync key; the line number is used when empty).</summary>
    public string? ExternalId { get; init; }

    /// <summary>The line number (1, 2, ...); the position in the payload when empty.</summary>
    public int? LineNumber { get; init; }

    /// <summary>The product's id in the storefront (links the line to a synced product).</summary>
    public string? ProductExternalId { get; init; }

    /// <summary>The SKU (links the line to a product with that SKU). A line needs a SKU or a product name.</summary>
    public string? Sku { get; init; }

    /// <summary>The product's name as ordered.</summary>
    public string? ProductName { get; init; }

    /// <summary>Quantity (not negative).</summary>
    public decimal Quantity { get; init; } = 1;

    /// <summary>Unit price; from the price list or product when empty.</summary>
    public decimal? UnitPrice { get; init; }

    /// <summary>Serial number of the shipped item.</summary>
    public string? SerialNumber { get; init; }

    /// <summary>Barcode of the shipped item.</summary>
    public string? Barcode { get; init; }

    /// <summary>Ship date.</summary>
    public DateOnly? ShipDate { get; init; }

    /// <summary>Carrier.</summary>
    public string? Carrier { get; init; }

    /// <summary>Tracking number.</summary>
    public string? TrackingNumber { get; init; }

    /// <summary>Warranty months; from the product when empty.</summary>
    public int? WarrantyMonths { get; init; }
}

/// <summary>What <see cref="ICommerceTenant.SyncOrderAsync"/> did.</summary>
/// <param name="Outcome">Created, updated or unchanged (lines included).</param>
/// <param name="OrderId">The order.</param>
/// <param name="OrderNumber">Its number.</param>
/// <param name="AccountId">The customer's account.</param>
/// <param name="ContactId">The customer's contact, if any.</param>
/// <param name="CustomerCreated">Whether the account (and contact) were created by this sync.</param>
/// <param name="LineIds">The lines' ids, in payload order.</param>
/// <param name="UnmatchedLineIds">Lines of the stored order the payload no longer has (kept, not deleted: a complaint may refer to them).</param>
public sealed record OrderSyncResult(SyncOutcome Outcome, Guid OrderId, string? OrderNumber, Guid AccountId, Guid? ContactId, bool CustomerCreated, IReadOnlyList<Guid> LineIds, IReadOnlyList<Guid> UnmatchedLineIds);

/// <summary>A product as the storefront sends it.</summary>
public sealed record StorefrontProduct
{
    /// <summary>The product's id in the storefront (the sync key; the SKU is used when empty).</summary>
    public string? ExternalId { get; init; }

    /// <summary>The SKU.</summary>
    public string? Sku { get; init; }

    /// <summary>The name (required).</summary>
    public required string Name { get; init; }

    /// <summary>Barcode (EAN/UPC).</summary>
    public string? Barcode { get; init; }

    /// <summary>Category.</summary>
    public string? Category { get; init; }

    /// <summary>Default unit price.</summary>
    public decimal? UnitPrice { get; init; }

    /// <summary>Warranty months.</summary>
    public int? WarrantyMonths { get; init; }

    /// <summary>Whether it is sold.</summary>
    public bool? Active { get; init; }
}

/// <summary>What <see cref="ICommerceTenant.SyncProductAsync"/> did.</summary>
/// <param name="Outcome">Created, updated or unchanged.</param>
/// <param name="ProductId">The product.</param>
public sealed record ProductSyncResult(SyncOutcome Outcome, Guid ProductId);

/// <summary>An order with its lines.</summary>
/// <param name="Order">The order.</param>
/// <param name="Lines">Its lines, by line number.</param>
public sealed record OrderWithLines(CrmRecord Order, IReadOnlyList<CrmRecord> Lines);

/// <summary>What customer self-service shows of an order.</summary>
/// <param name="OrderNumber">The order number.</param>
/// <param name="Status">The status (<see cref="OrderStatus"/>).</param>
/// <param name="OrderDate">When it was placed.</param>
/// <param name="LastChangedAt">When it last changed.</param>
/// <param name="Lines">The lines' shipment information.</param>
public sealed record OrderStatusInfo(string? OrderNumber, string? Status, DateTimeOffset? OrderDate, DateTimeOffset LastChangedAt, IReadOnlyList<ShipmentInfo> Lines);

/// <summary>The shipment of one order line, as customer self-service shows it.</summary>
/// <param name="LineNumber">The line number.</param>
/// <param name="ProductName">The product.</param>
/// <param name="Quantity">The quantity.</param>
/// <param name="ShipDate">When it shipped, if it did.</param>
/// <param name="Carrier">The carrier.</param>
/// <param name="TrackingNumber">The tracking number.</param>
/// <param name="WarrantyUntil">End of the warranty.</param>
public sealed record ShipmentInfo(int? LineNumber, string? ProductName, decimal? Quantity, DateOnly? ShipDate, string? Carrier, string? TrackingNumber, DateOnly? WarrantyUntil);
