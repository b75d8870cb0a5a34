using System.Collections.Concurrent;
using Crm.Engine.Abstractions.Errors;
using static Crm.Plugins.Commerce.Tests.CommerceFixture;

namespace Crm.Plugins.Commerce.Tests;

public sealed class EventTests
{
    [Fact]
    public async Task OrderPlacedAndStatusChanged_ArePublishedAfterCommit_AndNotForARefusedChange()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var placed = new ConcurrentQueue<OrderPlaced>();
        var changed = new ConcurrentQueue<OrderStatusChanged>();
        using var a = host.Engine.Events.Subscribe<OrderPlaced>((e, _) => { placed.Enqueue(e); return Task.CompletedTask; });
        using var b = host.Engine.Events.Subscribe<OrderStatusChanged>((e, _) => { changed.Enqueue(e); return Task.CompletedTask; });

        var order = await OrderAsync(crm);
        await crm.Records.UpdateAsync(CommerceEntities.Order, order.Id, null, Values((OrderFields.Status, OrderStatus.Cancelled)));
        await Assert.ThrowsAsync<CrmValidationException>(() =>
            crm.Records.UpdateAsync(CommerceEntities.Order, order.Id, null, Values((OrderFields.Status, OrderStatus.Shipped))));
        await crm.Records.UpdateAsync(CommerceEntities.Order, order.Id, null, Values((OrderFields.Currency, "EUR")));

        var p = Assert.Single(placed);
        Assert.Equal(("test", order.Id, order[OrderFields.OrderNumber], order[OrderFields.AccountId]), (p.TenantId, p.OrderId, (object?)p.OrderNumber, (object?)p.AccountId));
        var c = Assert.Single(changed);
        Assert.Equal((order.Id, OrderStatus.Pending, OrderStatus.Cancelled), (c.OrderId, c.OldStatus, c.NewStatus));
    }
}
