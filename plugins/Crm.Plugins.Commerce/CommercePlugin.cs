using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Plugins;

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
            ],
        },
    ];
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
}
