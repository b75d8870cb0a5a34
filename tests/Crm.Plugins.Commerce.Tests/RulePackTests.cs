using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Organization;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.RulePacks;
using Crm.Engine.RulePacks.RuleBases;
using Crm.Engine.Testing;
using Microsoft.Extensions.DependencyInjection;
using static Crm.Plugins.Commerce.Tests.CommerceFixture;

namespace Crm.Plugins.Commerce.Tests;

public sealed class RulePackTests
{
    private static Task<CrmTestHost> StartWithRulesAsync() =>
        CrmTestHost.StartAsync(b => b.AddPlugin<CommercePlugin>(CommercePlugin.Id).AddRulePacks());

    [Fact]
    public async Task AbandonedCart_StartsTheTenantsFollowUpRule()
    {
        await using var host = await StartWithRulesAsync();
        var crm = await host.CreateTenantAsync();
        var marketer = await crm.Organization.CreateUserAsync(new NewUser("mia", "Mia"));
        await host.Services.GetRequiredService<IRuleBases>().ForTenant("test").ApplyAsync($$"""
            schemaVersion: 1
            rules:
              - name: Win back abandoned carts
                when:
                  - match: cart
                    where: "cart.status == 'abandoned' and changed(cart.status)"
                then:
                  - action: createTask
                    with: { record: cart, subject: "Win back the customer", dueIn: days(1), owner: "{{marketer.Id}}" }
            """, "carts.yaml");
        var cart = await crm.Records.CreateAsync(CommerceEntities.Cart, Values((CartFields.Items, """[{"sku":"KET-1","quantity":1,"unitPrice":39.9}]""")));
        Assert.Equal(0, await crm.Records.CountAsync(RecordQuery.For(CoreEntities.Activity)));

        host.Clock.Advance(TimeSpan.FromHours(24));
        await host.FireTimersAsync();

        var task = Assert.Single((await crm.Records.QueryAsync(RecordQuery.For(CoreEntities.Activity))).Records);
        Assert.Equal(("Win back the customer", new RecordRef(CommerceEntities.Cart, cart.Id), marketer.Id),
            (task[ActivityFields.Subject], task[ActivityFields.Regarding], task.OwnerId));
    }

    [Fact]
    public async Task SetOrderStatus_Action_MovesTheOrder_AsTheRule()
    {
        await using var host = await StartWithRulesAsync();
        var crm = await host.CreateTenantAsync();
        await host.Services.GetRequiredService<IRuleBases>().ForTenant("test").ApplyAsync("""
            schemaVersion: 1
            rules:
              - name: Hold test orders
                when:
                  - match: order
                    where: "order.status == 'pending' and order.channel == 'test'"
                then:
                  - action: setOrderStatus
                    with: { record: order, status: cancelled }
            """, "orders.yaml");

        var held = await OrderAsync(crm, null, (OrderFields.Channel, "test"));
        var kept = await OrderAsync(crm, null, (OrderFields.Channel, "webshop"));

        Assert.Equal(OrderStatus.Cancelled, (await crm.GetAsync(CommerceEntities.Order, held.Id))[OrderFields.Status]);
        Assert.Equal(OrderStatus.Pending, (await crm.GetAsync(CommerceEntities.Order, kept.Id))[OrderFields.Status]);
    }
}
