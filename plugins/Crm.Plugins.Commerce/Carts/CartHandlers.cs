using System.Globalization;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Pipeline;
using Crm.Engine.Abstractions.Work;

namespace Crm.Plugins.Commerce.Carts;

/// <summary>
/// Before a cart is written: a new cart is open; a change to its content stamps <c>lastActivityAt</c> (and reopens an
/// abandoned cart: the customer came back); items given as JSON are checked and totalled; a converted cart stays converted.
/// </summary>
internal sealed class CartValuesHandler(TimeProvider clock) : IPipelineHandler
{
    /// <summary>Fields whose change is not the customer's activity.</summary>
    private static readonly HashSet<string> Bookkeeping = new(StringComparer.Ordinal)
    {
        CartFields.Status, CartFields.LastActivityAt, CartFields.AbandonedAt, CartFields.ConvertedOrderId, CartFields.TotalAmount,
    };

    public Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
    {
        var target = context.Target;
        var before = context.PreImage;
        var now = clock.GetUtcNow();
        var oldStatus = before?.Get<string>(CartFields.Status);
        if (before is null && target.ValueOf(CartFields.Status) is null)
        {
            target[CartFields.Status] = CartStatus.Open;
        }

        if (target.TryGetValue(CartFields.Status, out var given) && oldStatus == CartStatus.Converted && given as string != CartStatus.Converted)
        {
            throw new CrmValidationException(new CrmValidationError(CommerceEntities.Cart, CartFields.Status, given, "status_transition",
                $"cart {context.RecordId} was converted into an order; its status cannot change to '{given}'."));
        }

        var activity = before is null || target.Keys.Any(k => !Bookkeeping.Contains(k));
        if (activity && before is not null && oldStatus == CartStatus.Abandoned && !target.ContainsKey(CartFields.Status))
        {
            target[CartFields.Status] = CartStatus.Open;
            target[CartFields.AbandonedAt] = null;
        }

        var status = target.TryGetValue(CartFields.Status, out var s) ? s as string : oldStatus;
        if (activity && status == CartStatus.Open && target.ValueOf(CartFields.LastActivityAt) is null)
        {
            target[CartFields.LastActivityAt] = now;
        }

        if (status == CartStatus.Abandoned && oldStatus != CartStatus.Abandoned && target.ValueOf(CartFields.AbandonedAt) is null)
        {
            target[CartFields.AbandonedAt] = now;
        }

        if (target.TryGetValue(CartFields.Items, out var items) && !target.ContainsKey(CartFields.TotalAmount))
        {
            target[CartFields.TotalAmount] = CartItems.Total(items as string);
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// After a cart is written: (re)starts its abandonment timer while it is open and changed, cancels it otherwise, and
/// raises <see cref="CartAbandoned"/> when it became abandoned.
/// </summary>
internal sealed class CartTimerHandler(IWorkServices work, TimeProvider clock) : IPipelineHandler
{
    public const string EventName = "commerce.cartAbandonTimeout";

    public const string ActivityPayload = "lastActivityAt";

    public static string TimerKey(Guid cartId) => $"commerce:cart:{cartId}:abandon";

    public async Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
    {
        var timers = work.ForContext(context).Timers;
        var after = context.PostImage;
        if (after is null)
        {
            await timers.CancelAsync(TimerKey(context.RecordId), cancellationToken).ConfigureAwait(false);
            return;
        }

        var status = after.Get<string>(CartFields.Status);
        var oldStatus = context.PreImage?.Get<string>(CartFields.Status);
        var lastActivity = after.Get<DateTimeOffset?>(CartFields.LastActivityAt);
        if (status == CartStatus.Open && lastActivity is { } last
            && (context.PreImage is null || oldStatus != CartStatus.Open || context.PreImage.Get<DateTimeOffset?>(CartFields.LastActivityAt) != last))
        {
            var period = await CommerceSettings.AbandonAfterAsync(context.Records, cancellationToken).ConfigureAwait(false);
            await timers.ScheduleAsync(
                new TimerRequest
                {
                    Key = TimerKey(after.Id),
                    DueAt = last + period,
                    EventName = EventName,
                    RecordId = after.Id,
                    Payload = new Dictionary<string, string?> { [ActivityPayload] = last.ToString("O", CultureInfo.InvariantCulture) },
                },
                cancellationToken).ConfigureAwait(false);
        }
        else if (status != CartStatus.Open && oldStatus == CartStatus.Open)
        {
            await timers.CancelAsync(TimerKey(after.Id), cancellationToken).ConfigureAwait(false);
        }

        if (status == CartStatus.Abandoned && oldStatus != CartStatus.Abandoned)
        {
            context.QueueEvent(new CartAbandoned(context.Caller.TenantId, clock.GetUtcNow(), after.Id, after.Get<Guid?>(CartFields.AccountId),
                after.Get<Guid?>(CartFields.ContactId), after.Get<decimal?>(CartFields.TotalAmount), lastActivity));
        }
    }
}
