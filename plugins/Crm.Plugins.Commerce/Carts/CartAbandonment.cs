using System.Globalization;
using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Events;
using Crm.Engine.Abstractions.Tenancy;
using Crm.Engine.Abstractions.Work;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Plugins.Commerce.Carts;

/// <summary>
/// Marks a cart abandoned when its abandonment timer fires and the cart has not changed since the timer was set (a
/// timer delivered twice, or one overtaken by a later change, does nothing). The change goes through the record
/// pipeline as the commerce module, so <see cref="CartAbandoned"/> is raised and rule packs see the cart change.
/// </summary>
internal sealed class CartAbandonment(IServiceProvider services) : IDomainEventConsumer<DeadlineReached>
{
    public async Task HandleAsync(DeadlineReached domainEvent, CancellationToken cancellationToken)
    {
        if (domainEvent.EventName != CartTimerHandler.EventName || domainEvent.RecordId is not { } cartId)
        {
            return;
        }

        // Resolved here, not injected: the engine's consumers are built with the engine.
        var tenant = services.GetRequiredService<ICrmEngine>().ForTenant(new CallerContext(domainEvent.TenantId, null, OperationSource.Plugin, CommercePlugin.Id));
        var cart = await tenant.Records.GetAsync(CommerceEntities.Cart, cartId, cancellationToken).ConfigureAwait(false);
        if (cart is null || cart.Get<string>(CartFields.Status) != CartStatus.Open)
        {
            return;
        }

        var last = cart.Get<DateTimeOffset?>(CartFields.LastActivityAt);
        if (!domainEvent.Payload.TryGetValue(CartTimerHandler.ActivityPayload, out var stamp)
            || !DateTimeOffset.TryParse(stamp, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var scheduledFor)
            || last is not { } changed
            || Math.Abs((changed - scheduledFor).TotalMilliseconds) >= 1)
        {
            return;
        }

        try
        {
            await tenant.Records.UpdateAsync(CommerceEntities.Cart, cartId, cart.Version,
                new Dictionary<string, object?> { [CartFields.Status] = CartStatus.Abandoned }, cancellationToken).ConfigureAwait(false);
        }
        catch (CrmConcurrencyException)
        {
            // The customer changed the cart meanwhile: that change restarted the timer.
        }
    }
}
