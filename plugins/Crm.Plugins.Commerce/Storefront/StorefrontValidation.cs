using System.Globalization;
using System.Text.RegularExpressions;
using Crm.Engine.Abstractions.Errors;

namespace Crm.Plugins.Commerce.Storefront;

/// <summary>Checks a storefront payload completely before anything is written; every error names its field and line.</summary>
internal static partial class StorefrontValidation
{
    private const string Payload = "storefrontOrder";

    [GeneratedRegex("^[A-Z]{3}$", RegexOptions.CultureInvariant)]
    private static partial Regex CurrencyCode();

    public static bool IsCurrency(string? value) => value is not null && CurrencyCode().IsMatch(value);

    public static void Check(StorefrontOrder order)
    {
        ArgumentNullException.ThrowIfNull(order);
        var errors = new List<CrmValidationError>();
        void Error(string field, object? value, string rule, string message) => errors.Add(new CrmValidationError(Payload, field, value, rule, message));

        if (string.IsNullOrWhiteSpace(order.Channel))
        {
            Error("channel", order.Channel, "required", "the channel (the storefront's name) is required: it is half of the order's sync key.");
        }

        if (string.IsNullOrWhiteSpace(order.ExternalId))
        {
            Error("externalId", order.ExternalId, "required", "the order's externalId (its id in the storefront) is required: it is the order's sync key.");
        }

        if (order.Currency is not null && !IsCurrency(order.Currency))
        {
            Error("currency", order.Currency, "format", $"'{order.Currency}' is not an ISO 4217 currency code; give three capital letters, e.g. EUR.");
        }

        if (order.Status is not null && !OrderStatuses.Contains(order.Status))
        {
            Error("status", order.Status, "option", $"'{order.Status}' is not an order status; use one of {string.Join(", ", OrderStatuses)}.");
        }

        if (order.Customer is null)
        {
            Error("customer", null, "required", "the customer is required.");
        }
        else if (string.IsNullOrWhiteSpace(order.Customer.ExternalId) && string.IsNullOrWhiteSpace(order.Customer.Email)
                 && string.IsNullOrWhiteSpace(order.Customer.LastName) && string.IsNullOrWhiteSpace(order.Customer.CompanyName))
        {
            Error("customer", null, "required", "the customer needs an externalId, an email, a lastName or a companyName to be found or created.");
        }

        var externalIds = new HashSet<string>(StringComparer.Ordinal);
        var numbers = new HashSet<int>();
        for (var i = 0; i < (order.Lines?.Count ?? 0); i++)
        {
            var line = order.Lines![i];
            var at = string.Create(CultureInfo.InvariantCulture, $"lines[{i}]");
            if (line is null)
            {
                Error(at, null, "required", $"{at} is empty.");
                continue;
            }

            if (string.IsNullOrWhiteSpace(line.ProductName) && string.IsNullOrWhiteSpace(line.Sku))
            {
                Error($"{at}.productName", line.ProductName, "required", $"{at} (line {i + 1}) has neither a productName nor a sku; give at least one.");
            }

            if (line.Quantity < 0)
            {
                Error($"{at}.quantity", line.Quantity, "range", string.Create(CultureInfo.InvariantCulture, $"{at} (line {i + 1}) has quantity {line.Quantity}; it cannot be negative."));
            }

            if (line.UnitPrice < 0)
            {
                Error($"{at}.unitPrice", line.UnitPrice, "range", string.Create(CultureInfo.InvariantCulture, $"{at} (line {i + 1}) has unitPrice {line.UnitPrice}; it cannot be negative."));
            }

            if (line.WarrantyMonths is < 0 or > 600)
            {
                Error($"{at}.warrantyMonths", line.WarrantyMonths, "range", string.Create(CultureInfo.InvariantCulture, $"{at} (line {i + 1}) has warrantyMonths {line.WarrantyMonths}; give 0 to 600."));
            }

            var number = line.LineNumber ?? i + 1;
            if (number < 1)
            {
                Error($"{at}.lineNumber", line.LineNumber, "range", string.Create(CultureInfo.InvariantCulture, $"{at} (line {i + 1}) has lineNumber {number}; line numbers start at 1."));
            }
            else if (!numbers.Add(number))
            {
                Error($"{at}.lineNumber", number, "duplicate", string.Create(CultureInfo.InvariantCulture, $"{at} (line {i + 1}) repeats lineNumber {number}."));
            }

            if (line.ExternalId is { Length: > 0 } id && !externalIds.Add(id))
            {
                Error($"{at}.externalId", id, "duplicate", $"{at} (line {i + 1}) repeats the line externalId '{id}'.");
            }
        }

        if (errors.Count > 0)
        {
            throw new CrmValidationException(errors);
        }
    }

    public static void CheckProduct(StorefrontProduct product)
    {
        ArgumentNullException.ThrowIfNull(product);
        var errors = new List<CrmValidationError>();
        if (string.IsNullOrWhiteSpace(product.ExternalId) && string.IsNullOrWhiteSpace(product.Sku))
        {
            errors.Add(new("storefrontProduct", "externalId", null, "required", "a product needs an externalId or a sku: it is the product's sync key."));
        }

        if (string.IsNullOrWhiteSpace(product.Name))
        {
            errors.Add(new("storefrontProduct", "name", product.Name, "required", "the product's name is required."));
        }

        if (product.UnitPrice < 0)
        {
            errors.Add(new("storefrontProduct", "unitPrice", product.UnitPrice, "range", string.Create(CultureInfo.InvariantCulture, $"unitPrice {product.UnitPrice} cannot be negative.")));
        }

        if (errors.Count > 0)
        {
            throw new CrmValidationException(errors);
        }
    }

    private static readonly string[] OrderStatuses =
        [OrderStatus.Pending, OrderStatus.Confirmed, OrderStatus.Shipped, OrderStatus.Delivered, OrderStatus.Cancelled, OrderStatus.Returned];
}
