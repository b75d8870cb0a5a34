using Crm.Engine.Abstractions.Pipeline;
using Crm.Engine.Abstractions.Records;

namespace Crm.Plugins.Commerce.Orders;

/// <summary>A new order is pending and dated now unless told otherwise.</summary>
internal sealed class OrderDefaultsHandler(TimeProvider clock) : IPipelineHandler
{
    public Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
    {
        if (context.Target.ValueOf(OrderFields.Status) is null)
        {
            context.Target[OrderFields.Status] = OrderStatus.Pending;
        }

        if (context.Target.ValueOf(OrderFields.OrderDate) is null)
        {
            context.Target[OrderFields.OrderDate] = clock.GetUtcNow();
        }

        return Task.CompletedTask;
    }
}

/// <summary>Checks an order's status change against <see cref="OrderStatusRules"/> (e.g. a cancelled order cannot ship).</summary>
internal sealed class OrderStatusHandler : IPipelineHandler
{
    public Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
    {
        if (context.Target.TryGetValue(OrderFields.Status, out var value))
        {
            var before = context.PreImage!;
            OrderStatusRules.Ensure(before.Get<string>(OrderFields.OrderNumber), before.Get<string>(OrderFields.Status), value as string);
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// After an order is written: raises <see cref="OrderPlaced"/> and <see cref="OrderStatusChanged"/>, and keeps the
/// lines' customer in step when the order's customer changes.
/// </summary>
internal sealed class OrderChangedHandler(TimeProvider clock) : IPipelineHandler
{
    public async Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
    {
        var after = context.PostImage!;
        var number = after.Get<string>(OrderFields.OrderNumber);
        if (context.PreImage is not { } before)
        {
            context.QueueEvent(new OrderPlaced(context.Caller.TenantId, clock.GetUtcNow(), after.Id, number, after.Get<Guid?>(OrderFields.AccountId), after));
            return;
        }

        var oldStatus = before.Get<string>(OrderFields.Status);
        var newStatus = after.Get<string>(OrderFields.Status);
        if (!string.Equals(oldStatus, newStatus, StringComparison.Ordinal))
        {
            context.QueueEvent(new OrderStatusChanged(context.Caller.TenantId, clock.GetUtcNow(), after.Id, number, oldStatus, newStatus));
        }

        var account = after.Get<Guid?>(OrderFields.AccountId);
        if (account != before.Get<Guid?>(OrderFields.AccountId))
        {
            foreach (var line in await OrderLines.ListAsync(context.Records, after.Id, cancellationToken).ConfigureAwait(false))
            {
                if (line.Get<Guid?>(OrderLineFields.AccountId) != account)
                {
                    await context.Records.UpdateAsync(CommerceEntities.OrderLine, line.Id, null,
                        new Dictionary<string, object?> { [OrderLineFields.AccountId] = account }, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }
}

/// <summary>Reads an order's lines.</summary>
internal static class OrderLines
{
    public static async Task<IReadOnlyList<CrmRecord>> ListAsync(IRecordService records, Guid orderId, CancellationToken cancellationToken)
    {
        var lines = await records.ReadAllAsync(RecordQuery.For(CommerceEntities.OrderLine).Where(OrderLineFields.OrderId, orderId).OrderBy(OrderLineFields.LineNumber), cancellationToken).ConfigureAwait(false);

        return lines;
    }
}
