using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Events;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Pipeline;
using Crm.Engine.Abstractions.Plugins;
using Crm.Engine.Abstractions.Work;
using Crm.Plugins.Commerce.Carts;
using Crm.Plugins.Commerce.Orders;
using Crm.Plugins.Commerce.Reports;
using Crm.Plugins.Commerce.Storefront;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Plugins.Commerce;

/// <summary>
/// The e-commerce module: products, orders and order lines with their shipments. Other modules use its records by the
/// API names in <see cref="CommerceEntities"/> (a complaint is filed against an order line).
/// </summary>
public sealed class CommercePlugin : ICrmPlugin
{
    /// <summary>The plugin id.</summary>
    public const string Id = "Crm.Plugins.Commerce";

    /// <inheritdoc />
    public void Configure(ICrmPluginBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        foreach (var entity in CommerceEntities.Definitions)
        {
            builder.AddEntity(entity);
        }

        builder.ExtendEntity(CoreEntities.Account, CommerceEntities.AccountExternalCustomerId);

        // Orders: defaults and status transitions before the write, events and the customer's lines after it.
        builder.AddPipelineHandler<OrderDefaultsHandler>(PipelineMessages.Create, CommerceEntities.Order, PipelineStage.PreOperation);
        builder.AddPipelineHandler<OrderStatusHandler>(PipelineMessages.Update, CommerceEntities.Order, PipelineStage.PreOperation);
        builder.AddPipelineHandler<OrderChangedHandler>(PipelineMessages.Create, CommerceEntities.Order, PipelineStage.PostOperation);
        builder.AddPipelineHandler<OrderChangedHandler>(PipelineMessages.Update, CommerceEntities.Order, PipelineStage.PostOperation);

        // Order lines: derived values before the write, the order's total after it (same transaction).
        builder.AddPipelineHandler<OrderLineValuesHandler>(PipelineMessages.Create, CommerceEntities.OrderLine, PipelineStage.PreOperation);
        builder.AddPipelineHandler<OrderLineValuesHandler>(PipelineMessages.Update, CommerceEntities.OrderLine, PipelineStage.PreOperation);
        builder.AddPipelineHandler<OrderTotalHandler>(PipelineMessages.Create, CommerceEntities.OrderLine, PipelineStage.PostOperation);
        builder.AddPipelineHandler<OrderTotalHandler>(PipelineMessages.Update, CommerceEntities.OrderLine, PipelineStage.PostOperation);
        builder.AddPipelineHandler<OrderTotalHandler>(PipelineMessages.Delete, CommerceEntities.OrderLine, PipelineStage.PostOperation);

        // Carts: activity stamp and total before the write, the abandonment timer and event after it.
        builder.AddPipelineHandler<CartValuesHandler>(PipelineMessages.Create, CommerceEntities.Cart, PipelineStage.PreOperation);
        builder.AddPipelineHandler<CartValuesHandler>(PipelineMessages.Update, CommerceEntities.Cart, PipelineStage.PreOperation);
        builder.AddPipelineHandler<CartTimerHandler>(PipelineMessages.Create, CommerceEntities.Cart, PipelineStage.PostOperation);
        builder.AddPipelineHandler<CartTimerHandler>(PipelineMessages.Update, CommerceEntities.Cart, PipelineStage.PostOperation);
        builder.AddPipelineHandler<CartTimerHandler>(PipelineMessages.Delete, CommerceEntities.Cart, PipelineStage.PostOperation);
        builder.Services.AddSingleton<CartAbandonment>();
        builder.Services.AddSingleton<IDomainEventConsumer<DeadlineReached>>(sp => sp.GetRequiredService<CartAbandonment>());

        // The storefront sync: its writes run in the transaction of its log record (see SyncTransactions).
        builder.Services.AddSingleton<SyncTransactions>();
        builder.AddPipelineHandler<StorefrontSyncHandler>(PipelineMessages.Create, CommerceEntities.StorefrontSync, PipelineStage.PostOperation);
        builder.Services.AddSingleton<ICommerce, CommerceService>();
        builder.AddReport<OrdersByStatusReport>();
        builder.AddReport<SalesByProductReport>();
        foreach (var action in CommerceRuleActions.All())
        {
            builder.AddRuleAction(action);
        }
    }
}

/// <summary>The entity types of the commerce module and their fields' API names (the module's record contract).</summary>
public static class CommerceEntities
{
    /// <summary>A product (<see cref="ProductFields"/>).</summary>
    public const string Product = "product";

    /// <summary>A sales or shipping order of a customer (<see cref="OrderFields"/>).</summary>
    public const string Order = "order";

    /// <summary>A line of an order, with its shipment (<see cref="OrderLineFields"/>).</summary>
    public const string OrderLine = "orderLine";

    /// <summary>A price list (<see cref="PriceListFields"/>).</summary>
    public const string PriceList = "priceList";

    /// <summary>A product's price in a price list (<see cref="PriceListItemFields"/>).</summary>
    public const string PriceListItem = "priceListItem";

    /// <summary>A storefront shopping cart (<see cref="CartFields"/>).</summary>
    public const string Cart = "cart";

    /// <summary>The tenant's commerce settings (<see cref="CommerceSettingsFields"/>).</summary>
    public const string Settings = "commerceSettings";

    /// <summary>The log of storefront order syncs that changed something (<see cref="StorefrontSyncFields"/>).</summary>
    public const string StorefrontSync = "storefrontSync";

    /// <summary>The definitions the plugin registers.</summary>
    public static IReadOnlyList<EntityDefinition> Definitions { get; } =
    [
        new()
        {
            ApiName = Product,
            DisplayName = "Product",
            PluralName = "Products",
            Description = "Something the tenant sells, with its default price and warranty.",
            Fields =
            [
                new() { ApiName = ProductFields.Name, Type = FieldType.Text, Required = true, MaxLength = 200 },
                new() { ApiName = ProductFields.Sku, Type = FieldType.Text, MaxLength = 100, Indexed = true, Label = "SKU" },
                new() { ApiName = ProductFields.Barcode, Type = FieldType.Text, MaxLength = 100, Indexed = true, Description = "EAN/UPC of the product type." },
                new() { ApiName = ProductFields.Category, Type = FieldType.Text, MaxLength = 100 },
                new() { ApiName = ProductFields.UnitPrice, Type = FieldType.Money, MinValue = 0 },
                new() { ApiName = ProductFields.WarrantyMonths, Type = FieldType.Number, MinValue = 0, MaxValue = 600, Precision = 0 },
                new() { ApiName = ProductFields.Active, Type = FieldType.Bool },
                new() { ApiName = ProductFields.ExternalId, Type = FieldType.Text, MaxLength = 200, Indexed = true, Description = "The product's id in the storefront." },
            ],
        },
        new()
        {
            ApiName = Order,
            DisplayName = "Order",
            PluralName = "Orders",
            PrimaryField = OrderFields.OrderNumber,
            Description = "A customer's sales or shipping order.",
            Fields =
            [
                new() { ApiName = OrderFields.OrderNumber, Type = FieldType.Text, MaxLength = 50, Indexed = true, AutoNumber = "ORD-{yyyy}-{seq:000000}" },
                new() { ApiName = OrderFields.AccountId, Type = FieldType.Lookup, LookupTarget = CoreEntities.Account, Required = true, Label = "Customer" },
                new() { ApiName = OrderFields.ContactId, Type = FieldType.Lookup, LookupTarget = CoreEntities.Contact },
                new() { ApiName = OrderFields.OrderDate, Type = FieldType.DateTime },
                new()
                {
                    ApiName = OrderFields.Status,
                    Type = FieldType.Choice,
                    Options =
                    [
                        new(OrderStatus.Pending, "Pending"), new(OrderStatus.Confirmed, "Confirmed"), new(OrderStatus.Shipped, "Shipped"),
                        new(OrderStatus.Delivered, "Delivered"), new(OrderStatus.Cancelled, "Cancelled"), new(OrderStatus.Returned, "Returned"),
                    ],
                },
                new() { ApiName = OrderFields.TotalAmount, Type = FieldType.Money },
                new() { ApiName = OrderFields.Currency, Type = FieldType.Text, MaxLength = 3 },
                new() { ApiName = OrderFields.Channel, Type = FieldType.Text, MaxLength = 100, Description = "Where the order came from, e.g. the storefront's name." },
                new() { ApiName = OrderFields.ExternalId, Type = FieldType.Text, MaxLength = 200, Indexed = true, Description = "The order's id in the storefront (sync key)." },
                new() { ApiName = OrderFields.PriceListId, Type = FieldType.Lookup, LookupTarget = PriceList, Label = "Price list", Description = "The price list the lines are priced from (the tenant's default valid list when empty)." },
            ],
        },
        new()
        {
            ApiName = OrderLine,
            DisplayName = "Order line",
            PluralName = "Order lines",
            PrimaryField = OrderLineFields.ProductName,
            Description = "One product of an order, with its shipment (serial number, ship date) and warranty.",
            Fields =
            [
                new() { ApiName = OrderLineFields.OrderId, Type = FieldType.Lookup, LookupTarget = Order, Required = true },
                new() { ApiName = OrderLineFields.AccountId, Type = FieldType.Lookup, LookupTarget = CoreEntities.Account, Label = "Customer", Description = "The order's customer (copied from the order)." },
                new() { ApiName = OrderLineFields.LineNumber, Type = FieldType.Number, Precision = 0, MinValue = 1 },
                new() { ApiName = OrderLineFields.ProductId, Type = FieldType.Lookup, LookupTarget = Product },
                new() { ApiName = OrderLineFields.ProductName, Type = FieldType.Text, MaxLength = 200 },
                new() { ApiName = OrderLineFields.Sku, Type = FieldType.Text, MaxLength = 100, Label = "SKU" },
                new() { ApiName = OrderLineFields.Quantity, Type = FieldType.Number, MinValue = 0 },
                new() { ApiName = OrderLineFields.UnitPrice, Type = FieldType.Money },
                new() { ApiName = OrderLineFields.Amount, Type = FieldType.Money },
                new() { ApiName = OrderLineFields.SerialNumber, Type = FieldType.Text, MaxLength = 100, Indexed = true },
                new() { ApiName = OrderLineFields.Barcode, Type = FieldType.Text, MaxLength = 100, Indexed = true },
                new() { ApiName = OrderLineFields.ShipDate, Type = FieldType.Date },
                new() { ApiName = OrderLineFields.Carrier, Type = FieldType.Text, MaxLength = 100 },
                new() { ApiName = OrderLineFields.TrackingNumber, Type = FieldType.Text, MaxLength = 100 },
                new() { ApiName = OrderLineFields.WarrantyMonths, Type = FieldType.Number, MinValue = 0, MaxValue = 600, Precision = 0 },
                new() { ApiName = OrderLineFields.WarrantyUntil, Type = FieldType.Date, Description = "Ship date plus the warranty months (set by the module)." },
                new() { ApiName = OrderLineFields.ExternalId, Type = FieldType.Text, MaxLength = 200, Indexed = true, Description = "The line's id in the storefront (sync key within the order)." },
            ],
        },
        new()
        {
            ApiName = PriceList,
            DisplayName = "Price list",
            PluralName = "Price lists",
            Description = "Prices of products in a currency for a period; the default valid list prices order lines without a unit price.",
            Fields =
            [
                new() { ApiName = PriceListFields.Name, Type = FieldType.Text, Required = true, MaxLength = 200 },
                new() { ApiName = PriceListFields.Currency, Type = FieldType.Text, MaxLength = 3 },
                new() { ApiName = PriceListFields.ValidFrom, Type = FieldType.Date, Description = "First day the list is valid (open when empty)." },
                new() { ApiName = PriceListFields.ValidTo, Type = FieldType.Date, Description = "Last day the list is valid (open when empty)." },
                new() { ApiName = PriceListFields.IsDefault, Type = FieldType.Bool, Label = "Default", Description = "Used for orders that name no price list." },
            ],
        },
        new()
        {
            ApiName = PriceListItem,
            DisplayName = "Price list item",
            PrimaryField = PriceListItemFields.ProductId,
            PluralName = "Price list items",
            Description = "The unit price of a product in a price list, from a minimum quantity.",
            Fields =
            [
                new() { ApiName = PriceListItemFields.PriceListId, Type = FieldType.Lookup, LookupTarget = PriceList, Required = true },
                new() { ApiName = PriceListItemFields.ProductId, Type = FieldType.Lookup, LookupTarget = Product, Required = true },
                new() { ApiName = PriceListItemFields.UnitPrice, Type = FieldType.Money, Required = true, MinValue = 0 },
                new() { ApiName = PriceListItemFields.MinQuantity, Type = FieldType.Number, MinValue = 0, Description = "The price applies from this quantity on (0 or empty: any quantity)." },
            ],
        },
        new()
        {
            ApiName = Cart,
            DisplayName = "Cart",
            PrimaryField = CartFields.ExternalId,
            PluralName = "Carts",
            Description = "A storefront shopping cart; an open cart without changes for the tenant's abandonment period becomes abandoned.",
            Fields =
            [
                new() { ApiName = CartFields.AccountId, Type = FieldType.Lookup, LookupTarget = CoreEntities.Account, Label = "Customer" },
                new() { ApiName = CartFields.ContactId, Type = FieldType.Lookup, LookupTarget = CoreEntities.Contact },
                new() { ApiName = CartFields.ExternalId, Type = FieldType.Text, MaxLength = 200, Indexed = true, Description = "The cart's id in the storefront." },
                new()
                {
                    ApiName = CartFields.Status,
                    Type = FieldType.Choice,
                    Options = [new(CartStatus.Open, "Open"), new(CartStatus.Converted, "Converted"), new(CartStatus.Abandoned, "Abandoned")],
                },
                new() { ApiName = CartFields.LastActivityAt, Type = FieldType.DateTime, Description = "When the cart last changed (set by the module)." },
                new() { ApiName = CartFields.AbandonedAt, Type = FieldType.DateTime, Description = "When the cart became abandoned (set by the module)." },
                new() { ApiName = CartFields.TotalAmount, Type = FieldType.Money, Description = "Sum of the items' quantity times unit price (set by the module when items are given)." },
                new() { ApiName = CartFields.Currency, Type = FieldType.Text, MaxLength = 3 },
                new() { ApiName = CartFields.ConvertedOrderId, Type = FieldType.Lookup, LookupTarget = Order, Label = "Order" },
                new() { ApiName = CartFields.Items, Type = FieldType.Text, MaxLength = 100_000, Description = "The items as a JSON array: [{\"sku\", \"productId\", \"productName\", \"quantity\", \"unitPrice\"}]." },
            ],
        },
        new()
        {
            ApiName = Settings,
            DisplayName = "Commerce settings",
            PluralName = "Commerce settings",
            Description = "The tenant's commerce configuration (one record; defaults apply without one).",
            Fields =
            [
                new() { ApiName = CommerceSettingsFields.Name, Type = FieldType.Text, MaxLength = 100 },
                new() { ApiName = CommerceSettingsFields.CartAbandonAfterHours, Type = FieldType.Number, MinValue = 1, MaxValue = 8760, Description = "Wall-clock hours after its last change an open cart becomes abandoned (24 when empty)." },
            ],
        },
        new()
        {
            ApiName = StorefrontSync,
            DisplayName = "Storefront sync",
            PluralName = "Storefront syncs",
            PrimaryField = StorefrontSyncFields.ExternalId,
            Description = "One storefront order sync that changed something; its writes ran in the transaction that created this record.",
            Fields =
            [
                new() { ApiName = StorefrontSyncFields.Channel, Type = FieldType.Text, Required = true, MaxLength = 100 },
                new() { ApiName = StorefrontSyncFields.ExternalId, Type = FieldType.Text, Required = true, MaxLength = 200, Indexed = true },
                new() { ApiName = StorefrontSyncFields.SyncToken, Type = FieldType.Text, MaxLength = 40, Description = "The one-time token that ties the log record to the sync running it." },
            ],
        },
    ];

    /// <summary>The field the module adds to the core's account: the customer's id in the storefront.</summary>
    public static FieldDefinition AccountExternalCustomerId { get; } = new()
    {
        ApiName = CommerceAccountFields.ExternalCustomerId,
        Type = FieldType.Text,
        MaxLength = 200,
        Indexed = true,
        Label = "Storefront customer id",
        Description = "The customer's id in the storefront (set by the storefront sync).",
    };
}

/// <summary>API names of the <see cref="CommerceEntities.Product"/> fields.</summary>
public static class ProductFields
{
    /// <summary>Name (required, primary).</summary>
    public const string Name = "name";

    /// <summary>Stock keeping unit.</summary>
    public const string Sku = "sku";

    /// <summary>EAN/UPC barcode of the product type.</summary>
    public const string Barcode = "barcode";

    /// <summary>Category.</summary>
    public const string Category = "category";

    /// <summary>Default unit price.</summary>
    public const string UnitPrice = "unitPrice";

    /// <summary>Warranty period in months.</summary>
    public const string WarrantyMonths = "warrantyMonths";

    /// <summary>Whether the product is sold.</summary>
    public const string Active = "active";

    /// <summary>The storefront's id.</summary>
    public const string ExternalId = "externalId";
}

/// <summary>API names of the <see cref="CommerceEntities.Order"/> fields.</summary>
public static class OrderFields
{
    /// <summary>Order number (numbered by the engine when not given).</summary>
    public const string OrderNumber = "orderNumber";

    /// <summary>The customer (account).</summary>
    public const string AccountId = "accountId";

    /// <summary>The ordering contact.</summary>
    public const string ContactId = "contactId";

    /// <summary>When the order was placed.</summary>
    public const string OrderDate = "orderDate";

    /// <summary>Status (<see cref="OrderStatus"/>).</summary>
    public const string Status = "status";

    /// <summary>Total amount.</summary>
    public const string TotalAmount = "totalAmount";

    /// <summary>ISO currency code.</summary>
    public const string Currency = "currency";

    /// <summary>Sales channel, e.g. the storefront's name.</summary>
    public const string Channel = "channel";

    /// <summary>The storefront's id (sync key).</summary>
    public const string ExternalId = "externalId";

    /// <summary>The price list the lines are priced from.</summary>
    public const string PriceListId = "priceListId";
}

/// <summary>Values of <see cref="OrderFields.Status"/>.</summary>
public static class OrderStatus
{
    /// <summary>Placed, not confirmed.</summary>
    public const string Pending = "pending";

    /// <summary>Confirmed.</summary>
    public const string Confirmed = "confirmed";

    /// <summary>Shipped.</summary>
    public const string Shipped = "shipped";

    /// <summary>Delivered.</summary>
    public const string Delivered = "delivered";

    /// <summary>Cancelled.</summary>
    public const string Cancelled = "cancelled";

    /// <summary>Returned.</summary>
    public const string Returned = "returned";
}

/// <summary>API names of the <see cref="CommerceEntities.OrderLine"/> fields.</summary>
public static class OrderLineFields
{
    /// <summary>The order.</summary>
    public const string OrderId = "orderId";

    /// <summary>The order's customer (copied from the order).</summary>
    public const string AccountId = "accountId";

    /// <summary>Line number within the order.</summary>
    public const string LineNumber = "lineNumber";

    /// <summary>The product.</summary>
    public const string ProductId = "productId";

    /// <summary>The product's name as ordered.</summary>
    public const string ProductName = "productName";

    /// <summary>The product's SKU as ordered.</summary>
    public const string Sku = "sku";

    /// <summary>Quantity.</summary>
    public const string Quantity = "quantity";

    /// <summary>Unit price.</summary>
    public const string UnitPrice = "unitPrice";

    /// <summary>Line amount.</summary>
    public const string Amount = "amount";

    /// <summary>Serial number of the shipped item.</summary>
    public const string SerialNumber = "serialNumber";

    /// <summary>Barcode of the shipped item.</summary>
    public const string Barcode = "barcode";

    /// <summary>Ship date.</summary>
    public const string ShipDate = "shipDate";

    /// <summary>Carrier.</summary>
    public const string Carrier = "carrier";

    /// <summary>Tracking number.</summary>
    public const string TrackingNumber = "trackingNumber";

    /// <summary>Warranty period in months.</summary>
    public const string WarrantyMonths = "warrantyMonths";

    /// <summary>End of the warranty (ship date plus warranty months).</summary>
    public const string WarrantyUntil = "warrantyUntil";

    /// <summary>The storefront's id of the line (sync key within the order).</summary>
    public const string ExternalId = "externalId";
}

/// <summary>API names of the <see cref="CommerceEntities.PriceList"/> fields.</summary>
public static class PriceListFields
{
    /// <summary>Name (required).</summary>
    public const string Name = "name";

    /// <summary>ISO currency code.</summary>
    public const string Currency = "currency";

    /// <summary>First valid day.</summary>
    public const string ValidFrom = "validFrom";

    /// <summary>Last valid day.</summary>
    public const string ValidTo = "validTo";

    /// <summary>Whether the list prices orders that name no list.</summary>
    public const string IsDefault = "isDefault";
}

/// <summary>API names of the <see cref="CommerceEntities.PriceListItem"/> fields.</summary>
public static class PriceListItemFields
{
    /// <summary>The price list.</summary>
    public const string PriceListId = "priceListId";

    /// <summary>The product.</summary>
    public const string ProductId = "productId";

    /// <summary>The unit price.</summary>
    public const string UnitPrice = "unitPrice";

    /// <summary>The smallest quantity the price applies to.</summary>
    public const string MinQuantity = "minQuantity";
}

/// <summary>API names of the <see cref="CommerceEntities.Cart"/> fields.</summary>
public static class CartFields
{
    /// <summary>The customer (account).</summary>
    public const string AccountId = "accountId";

    /// <summary>The shopping contact.</summary>
    public const string ContactId = "contactId";

    /// <summary>The storefront's id of the cart.</summary>
    public const string ExternalId = "externalId";

    /// <summary>Status (<see cref="CartStatus"/>).</summary>
    public const string Status = "status";

    /// <summary>When the cart last changed.</summary>
    public const string LastActivityAt = "lastActivityAt";

    /// <summary>When the cart became abandoned.</summary>
    public const string AbandonedAt = "abandonedAt";

    /// <summary>Total amount of the items.</summary>
    public const string TotalAmount = "totalAmount";

    /// <summary>ISO currency code.</summary>
    public const string Currency = "currency";

    /// <summary>The order the cart became.</summary>
    public const string ConvertedOrderId = "convertedOrderId";

    /// <summary>The items as a JSON array.</summary>
    public const string Items = "items";
}

/// <summary>Values of <see cref="CartFields.Status"/>.</summary>
public static class CartStatus
{
    /// <summary>Being filled.</summary>
    public const string Open = "open";

    /// <summary>Became an order.</summary>
    public const string Converted = "converted";

    /// <summary>Left without changes for the tenant's abandonment period.</summary>
    public const string Abandoned = "abandoned";
}

/// <summary>API names of the <see cref="CommerceEntities.Settings"/> fields.</summary>
public static class CommerceSettingsFields
{
    /// <summary>A name for the settings record.</summary>
    public const string Name = "name";

    /// <summary>Wall-clock hours after which an open cart without changes becomes abandoned (default 24).</summary>
    public const string CartAbandonAfterHours = "cartAbandonAfterHours";
}

/// <summary>API names of the <see cref="CommerceEntities.StorefrontSync"/> fields.</summary>
public static class StorefrontSyncFields
{
    /// <summary>The storefront's name.</summary>
    public const string Channel = "channel";

    /// <summary>The synced order's id in the storefront.</summary>
    public const string ExternalId = "externalId";

    /// <summary>The one-time token that ties the log record to the sync running it (set by the module).</summary>
    public const string SyncToken = "syncToken";
}

/// <summary>API names of the fields the module adds to the core's entity types.</summary>
public static class CommerceAccountFields
{
    /// <summary>On <c>account</c>: the customer's id in the storefront.</summary>
    public const string ExternalCustomerId = "externalCustomerId";
}
