using System.Globalization;
using System.Text.Json;
using Crm.Engine.Abstractions.Errors;

namespace Crm.Plugins.Commerce.Carts;

/// <summary>Reads a cart's items (a JSON array of objects with <c>quantity</c> and <c>unitPrice</c>) and totals them.</summary>
internal static class CartItems
{
    public static decimal Total(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return 0m;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw Invalid(json, $"is not valid JSON ({ex.Message}); give a JSON array of items such as [{{\"sku\":\"P-1\",\"quantity\":2,\"unitPrice\":9.5}}].");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw Invalid(json, "must be a JSON array of items.");
            }

            var total = 0m;
            var index = 0;
            foreach (var item in document.RootElement.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object)
                {
                    throw Invalid(json, string.Create(CultureInfo.InvariantCulture, $"items[{index}] must be an object."));
                }

                var quantity = Number(item, "quantity", index, json) ?? 1m;
                var price = Number(item, "unitPrice", index, json) ?? 0m;
                if (quantity < 0)
                {
                    throw Invalid(json, string.Create(CultureInfo.InvariantCulture, $"items[{index}].quantity is {quantity}; it cannot be negative."));
                }

                total += quantity * price;
                index++;
            }

            return Math.Round(total, 2, MidpointRounding.AwayFromZero);
        }
    }

    private static decimal? Number(JsonElement item, string name, int index, string json)
    {
        if (!item.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out var number)
            ? number
            : throw Invalid(json, string.Create(CultureInfo.InvariantCulture, $"items[{index}].{name} must be a number."));
    }

    private static CrmValidationException Invalid(string json, string message) =>
        new(new CrmValidationError(CommerceEntities.Cart, CartFields.Items, json, "items", $"{CommerceEntities.Cart}.{CartFields.Items} {message}"));
}
