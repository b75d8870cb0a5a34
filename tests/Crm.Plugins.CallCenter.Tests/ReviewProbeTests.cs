using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Organization;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Security;
using Crm.Engine.Testing;
using static Crm.Plugins.CallCenter.Tests.CallCenterFixture;

namespace Crm.Plugins.CallCenter.Tests;

public sealed class ReviewProbeTests
{
    [Fact]
    public async Task Probe_RecordOutcome_DoNotCall_ByAgent_IsNotLostHalfway()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var ann = await crm.Contacts.CreateAsync(new NewContact("Ann", "Able") { Phone = "+49 30 1000001" });   // owned by nobody / not the agent
        var agent = await crm.Organization.CreateUserAsync(new NewUser("agent", "Agent"));
        await crm.Security.GrantRoleAsync(SecurityPrincipal.User(agent.Id), SystemRoles.ServiceAgent);
        var desk = host.Calls(crm.AsUser(agent.Id));
        var built = await desk.BuildCallListAsync(new NewCallList("Promo"), [ann.Id]);
        var next = await desk.NextCallAsync(built.CallList.Id, agent.Id.ToString("D"));

        Exception? error = null;
        try { await desk.RecordOutcomeAsync(next!.Item.Id, CallOutcome.DoNotCall); } catch (Exception e) { error = e; }

        var item = await crm.Records.GetAsync(CallCenterEntities.CallListItem, next!.Item.Id);
        var contact = await crm.Records.GetAsync(CoreEntities.Contact, ann.Id);
        // Consent must be recorded, or nothing at all must change: never "item done, contact still callable".
        Assert.True(contact![ContactFields.DoNotCall] is true || item![CallListItemFields.Status] as string == CallListItemStatus.InProgress,
            $"error: {error?.GetType().Name}: {error?.Message}; item status {item![CallListItemFields.Status]}, outcome {item[CallListItemFields.Outcome]}, contact doNotCall {contact[ContactFields.DoNotCall]}");
    }
}
