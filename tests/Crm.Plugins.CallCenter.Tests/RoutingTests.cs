using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Organization;
using Crm.Engine.Abstractions.Work;
using Crm.Engine.RulePacks.RuleBases;
using Crm.Engine.Testing;
using Microsoft.Extensions.DependencyInjection;
using static Crm.Plugins.CallCenter.Tests.CallCenterFixture;

namespace Crm.Plugins.CallCenter.Tests;

public sealed class RoutingTests
{
    private const string VipPack = """
        schemaVersion: 1
        name: call-routing
        rules:
          - name: VIP callers to the VIP queue
            when:
              - match: call
                where: isNew(call) and call.direction == 'inbound'
              - match: account
                where:
                  - account.id == call.accountId
                  - account.loyaltyTier_c == 'gold'
            then:
              - action: assignToQueue
                with: { record: call, queue: vip, language: de }
              - action: setField
                with: { record: call, field: queue, value: vip }
        """;

    private static async Task<(CrmTestHost Host, Engine.Abstractions.ICrmTenant Crm, ITenantWork Work, QueueDefinition Vip, Guid Agent)> StartWithQueueAsync(string? pack)
    {
        var host = await StartAsync(rulePacks: true);
        var crm = await host.CreateTenantAsync();
        await crm.Metadata.AddCustomFieldAsync(CoreEntities.Account, new FieldDefinition { ApiName = "loyaltyTier_c", Type = FieldType.Text });
        var work = host.Services.GetRequiredService<IWorkServices>().ForTenant("test");
        var vip = await work.Queues.CreateQueueAsync("vip", AssignmentStrategy.LeastLoaded);
        var agent = await crm.Organization.CreateUserAsync(new NewUser("vera", "Vera"));
        await work.Queues.AddMemberAsync(vip.Id, agent.Id, [], ["de"]);
        if (pack is not null)
        {
            await host.Services.GetRequiredService<IRuleBases>().ForTenant("test").ApplyAsync(pack, "call-routing.yaml");
        }

        return (host, crm, work, vip, agent.Id);
    }

    [Fact]
    public async Task RulePack_GoldCustomerCalls_CallIsRoutedToTheVipQueue_OthersAreNot()
    {
        var (host, crm, work, vip, agent) = await StartWithQueueAsync(VipPack);
        await using var _ = host;
        var gold = await crm.Accounts.CreateAsync(new NewAccount("Gold GmbH") { Fields = V(("loyaltyTier_c", "gold")) });
        await crm.Contacts.CreateAsync(new NewContact("Gerd", "Gold") { AccountId = gold.Id, Phone = "+49 30 1111111" });
        var plain = await crm.Accounts.CreateAsync(new NewAccount("Plain AG") { Fields = V(("loyaltyTier_c", "silver")) });
        await crm.Contacts.CreateAsync(new NewContact("Paul", "Plain") { AccountId = plain.Id, Phone = "+49 30 2222222" });
        var calls = host.Calls(crm);

        var goldCall = await calls.ReceiveInboundAsync(new InboundCall("030 1111111", null));
        var plainCall = await calls.ReceiveInboundAsync(new InboundCall("030 2222222", null));

        Assert.Equal("vip", goldCall.Queue);
        Assert.Null(plainCall.Queue);
        var item = Assert.Single(await work.Queues.ListItemsAsync(vip.Id));
        Assert.Equal((goldCall.CallId, QueueItemStatus.Assigned, (Guid?)agent, "de"), (item.RecordId, item.Status, item.AssignedTo, item.Language));

        // Answering and ending the call completes its queue item: the agent's load goes back down.
        await calls.AnswerAsync(goldCall.CallId, agent.ToString("D"));
        Assert.Equal(1, (await work.Queues.ListMembersAsync(vip.Id)).Single().OpenItems);
        await calls.EndAsync(goldCall.CallId, resolved: true);
        Assert.Equal(0, (await work.Queues.ListMembersAsync(vip.Id)).Single().OpenItems);
        Assert.Single(await work.Queues.ListItemsAsync(vip.Id)); // the answer and end did not queue the call again
    }

    [Fact]
    public async Task RulePack_RouteCallAction_RecordsQueueAndItemOnTheCall()
    {
        const string pack = """
            schemaVersion: 1
            rules:
              - name: Everything to VIP
                when: [ { match: call, where: "isNew(call)" } ]
                then:
                  - action: routeCall
                    with: { record: call, queue: vip, skill: complaints }
            """;
        var (host, crm, work, vip, agent) = await StartWithQueueAsync(null);
        await using var _ = host;
        await work.Queues.AddMemberAsync(vip.Id, agent, ["complaints"], ["de"]);
        await host.Services.GetRequiredService<IRuleBases>().ForTenant("test").ApplyAsync(pack, "route.yaml");

        var pop = await host.Calls(crm).ReceiveInboundAsync(new InboundCall("+44 20 7946 0000", null));

        var call = await crm.Records.GetAsync(CallCenterEntities.Call, pop.CallId);
        var item = Assert.Single(await work.Queues.ListItemsAsync(vip.Id));
        Assert.Equal((CallStatus.Queued, "vip", "complaints", item.Id.ToString("D")), (call![CallFields.Status], call[CallFields.Queue], call[CallFields.Skill], call[CallFields.QueueItemId]));
        Assert.Equal(agent, item.AssignedTo);
        var audit = await crm.Audit.QueryAsync(new Engine.Abstractions.Security.AuditQuery { EntityType = CallCenterEntities.Call, RecordId = pop.CallId });
        Assert.Contains(audit.Entries, e => e.SourceName == "rule:Everything to VIP@v1");
    }

    [Fact]
    public async Task RouteAsync_WithoutRulePacks_QueuesTheCallAndAnUnknownQueueIsRefused()
    {
        var (host, crm, work, vip, agent) = await StartWithQueueAsync(null);
        await using var _ = host;
        var calls = host.Calls(crm);
        var pop = await calls.ReceiveInboundAsync(new InboundCall("+44 20 7946 0000", null));

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => calls.RouteAsync(pop.CallId, "nowhere"));
        var item = await calls.RouteAsync(pop.CallId, "VIP", language: "de");

        Assert.Equal((CallFields.Queue, (object?)"nowhere"), (ex.Errors[0].Field, ex.Errors[0].Value));
        Assert.Equal((QueueItemStatus.Assigned, (Guid?)agent), (item.Status, item.AssignedTo));
        var call = await crm.Records.GetAsync(CallCenterEntities.Call, pop.CallId);
        Assert.Equal((CallStatus.Queued, "vip", "de"), (call![CallFields.Status], call[CallFields.Queue], call[CallFields.Language]));

        await calls.AbandonAsync(pop.CallId);
        Assert.Equal(QueueItemStatus.Completed, Assert.Single(await work.Queues.ListItemsAsync(vip.Id)).Status);
        await Assert.ThrowsAsync<CrmValidationException>(() => calls.RouteAsync(pop.CallId, "vip"));
    }

    [Fact]
    public async Task ReceiveInbound_WithAQueue_RoutesAtOnce()
    {
        var (host, crm, work, vip, _) = await StartWithQueueAsync(null);
        await using var __ = host;

        var pop = await host.Calls(crm).ReceiveInboundAsync(new InboundCall("+44 20 7946 0000", null) { Queue = "vip" });

        Assert.Equal((CallStatus.Queued, "vip"), (pop.Status, pop.Queue));
        Assert.Equal(pop.CallId, Assert.Single(await work.Queues.ListItemsAsync(vip.Id)).RecordId);
    }
}
