using Crm.Engine.Abstractions.Errors;

namespace Crm.Plugins.Commerce.Orders;

/// <summary>Which order status may follow which: forward only; cancelled and returned are final.</summary>
internal static class OrderStatusRules
{
    private static readonly Dictionary<string, string[]> Next = new(StringComparer.Ordinal)
    {
        [OrderStatus.Pending] = [OrderStatus.Confirmed, OrderStatus.Shipped, OrderStatus.Delivered, OrderStatus.Cancelled],
        [OrderStatus.Confirmed] = [OrderStatus.Shipped, OrderStatus.Delivered, OrderStatus.Cancelled],
        [OrderStatus.Shipped] = [OrderStatus.Delivered, OrderStatus.Returned],
        [OrderStatus.Delivered] = [OrderStatus.Returned],
        [OrderStatus.Cancelled] = [],
        [OrderStatus.Returned] = [],
    };

    public static bool IsAllowed(string? from, string? to) =>
        string.Equals(from, to, StringComparison.Ordinal)
        || from is null
        || (to is not null && Next.TryGetValue(from, out var allowed) && allowed.Contains(to, StringComparer.Ordinal));

    public static string Describe(string from) =>
        Next.TryGetValue(from, out var allowed) && allowed.Length > 0 ? $"it can go to {string.Join(", ", allowed)}" : "it is final";

    /// <summary>Throws a validation error naming the order and both statuses when the transition is not allowed.</summary>
    public static void Ensure(string? orderNumber, string? from, string? to, string field = OrderFields.Status)
    {
        if (!IsAllowed(from, to))
        {
            throw new CrmValidationException(new CrmValidationError(CommerceEntities.Order, field, to, "status_transition",
                $"order {orderNumber ?? "(no number)"} cannot go from '{from}' to '{(to ?? "(empty)")}': {Describe(from!)}."));
        }
    }
}
