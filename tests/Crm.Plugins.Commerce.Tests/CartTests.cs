using System.Collections.Concurrent;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Work;
using Crm.Engine.Testing;
using Microsoft.Extensions.DependencyInjection;
using static Crm.Plugins.Commerce.Tests.CommerceFixture;

namespace Crm.Plugins.Commerce.Tests;

public sealed class CartTests
{
    private const string Items = """[{"sku":"KET-1","quantity":2,"unitPrice":39.9},{"sku":"TOA-2","unitPrice":25}]""";

    [Fact]
    public async Task OpenCart_WithoutChangesFor24Hours_BecomesAbandoned_OnceAndWithAnEvent()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var abandoned = new ConcurrentQueue<CartAbandoned>();
        using var _ = host.Engine.Events.Subscribe<CartAbandoned>((e, _) => { abandoned.Enqueue(e); return Task.CompletedTask; });

        var cart = await crm.Records.CreateAsync(CommerceEntities.Cart, Values((CartFields.ExternalId, "cart-1"), (CartFields.Items, Items)));
        Assert.Equal((CartStatus.Open, CrmTestHost.DefaultStart, 104.8m), (cart[CartFields.Status], cart[CartFields.LastActivityAt], cart[CartFields.TotalAmount]));

        host.Clock.Advance(TimeSpan.FromHours(23));
        Assert.Equal(0, await host.FireTimersAsync());
        host.Clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(1, await host.FireTimersAsync());

        var stored = await crm.GetAsync(CommerceEntities.Cart, cart.Id);
        Assert.Equal((CartStatus.Abandoned, CrmTestHost.DefaultStart.AddHours(24)), (stored[CartFields.Status], stored[CartFields.AbandonedAt]));
        Assert.Equal(CrmTestHost.DefaultStart, stored[CartFields.LastActivityAt]);
        var e = Assert.Single(abandoned);
        Assert.Equal((cart.Id, 104.8m), (e.CartId, e.TotalAmount));
        host.Clock.Advance(TimeSpan.FromDays(3));
        Assert.Equal(0, await host.FireTimersAsync());
    }

    [Fact]
    public async Task ChangingTheCart_RestartsTheTimer()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var cart = await crm.Records.CreateAsync(CommerceEntities.Cart, Values((CartFields.Items, Items)));

        host.Clock.Advance(TimeSpan.FromHours(20));
        await crm.Records.UpdateAsync(CommerceEntities.Cart, cart.Id, null, Values((CartFields.Items, "[]")));
        host.Clock.Advance(TimeSpan.FromHours(10));
        await host.FireTimersAsync();
        Assert.Equal(CartStatus.Open, (await crm.GetAsync(CommerceEntities.Cart, cart.Id))[CartFields.Status]);

        host.Clock.Advance(TimeSpan.FromHours(14));
        Assert.Equal(1, await host.FireTimersAsync());
        Assert.Equal(CartStatus.Abandoned, (await crm.GetAsync(CommerceEntities.Cart, cart.Id))[CartFields.Status]);
    }

    [Fact]
    public async Task ConvertedCart_IsNeverAbandoned_AndStaysConverted()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var cart = await crm.Records.CreateAsync(CommerceEntities.Cart, Values((CartFields.Items, Items)));
        var order = await OrderAsync(crm);

        await crm.Records.UpdateAsync(CommerceEntities.Cart, cart.Id, null, Values((CartFields.Status, CartStatus.Converted), (CartFields.ConvertedOrderId, order.Id)));
        host.Clock.Advance(TimeSpan.FromDays(2));
        await host.FireTimersAsync();

        Assert.Equal(CartStatus.Converted, (await crm.GetAsync(CommerceEntities.Cart, cart.Id))[CartFields.Status]);
        var timer = await host.Services.GetRequiredService<IWorkServices>().ForTenant("test").Timers.GetAsync($"commerce:cart:{cart.Id}:abandon");
        Assert.Equal(WorkTimerState.Canceled, timer!.State);
        var error = await Assert.ThrowsAsync<CrmValidationException>(() =>
            crm.Records.UpdateAsync(CommerceEntities.Cart, cart.Id, null, Values((CartFields.Status, CartStatus.Open))));
        Assert.Equal(CartFields.Status, Assert.Single(error.Errors).Field);
    }

    [Fact]
    public async Task AbandonedCart_ReopensWhenTheCustomerChangesIt()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var cart = await crm.Records.CreateAsync(CommerceEntities.Cart, Values((CartFields.Items, Items)));
        host.Clock.Advance(TimeSpan.FromHours(24));
        await host.FireTimersAsync();

        var reopened = await crm.Records.UpdateAsync(CommerceEntities.Cart, cart.Id, null, Values((CartFields.Items, """[{"sku":"KET-1","quantity":1,"unitPrice":39.9}]""")));

        Assert.Equal((CartStatus.Open, null, host.Clock.GetUtcNow(), 39.9m),
            (reopened[CartFields.Status], reopened[CartFields.AbandonedAt], reopened[CartFields.LastActivityAt], reopened[CartFields.TotalAmount]));
    }

    [Fact]
    public async Task AbandonPeriod_IsPerTenant()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var other = await host.CreateTenantAsync("other");
        await host.Commerce(crm).SetCartAbandonAfterAsync(2);
        var quick = await crm.Records.CreateAsync(CommerceEntities.Cart, Values((CartFields.Items, Items)));
        var slow = await other.Records.CreateAsync(CommerceEntities.Cart, Values((CartFields.Items, Items)));

        host.Clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(1, await host.FireTimersAsync());

        Assert.Equal(CartStatus.Abandoned, (await crm.GetAsync(CommerceEntities.Cart, quick.Id))[CartFields.Status]);
        Assert.Equal(CartStatus.Open, (await other.GetAsync(CommerceEntities.Cart, slow.Id))[CartFields.Status]);
        Assert.Equal(TimeSpan.FromHours(2), await host.Commerce(crm).GetCartAbandonAfterAsync());
        Assert.Equal(TimeSpan.FromHours(24), await host.Commerce(other).GetCartAbandonAfterAsync());
        await Assert.ThrowsAsync<CrmValidationException>(() => host.Commerce(crm).SetCartAbandonAfterAsync(0));
    }

    [Theory]
    [InlineData("not json", "is not valid JSON")]
    [InlineData("""{"sku":"A"}""", "must be a JSON array")]
    [InlineData("""[{"sku":"A","quantity":-1}]""", "items[0].quantity is -1")]
    [InlineData("""[{"sku":"A"},{"sku":"B","unitPrice":"x"}]""", "items[1].unitPrice must be a number")]
    public async Task BadItems_AreRefusedNamingTheItem(string items, string expected)
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();

        var error = await Assert.ThrowsAsync<CrmValidationException>(() => crm.Records.CreateAsync(CommerceEntities.Cart, Values((CartFields.Items, items))));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal(CartFields.Items, Assert.Single(error.Errors).Field);
    }
}
