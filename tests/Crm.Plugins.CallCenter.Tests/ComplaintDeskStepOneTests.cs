using Crm.Engine.Abstractions.Records;
using Crm.Engine.Testing;
using Crm.Plugins.Commerce;
using Crm.Plugins.Service;
using static Crm.Plugins.CallCenter.Tests.CallCenterFixture;

namespace Crm.Plugins.CallCenter.Tests;

/// <summary>Step 1 of the complaint desk, through the simulated telephony, up to the case the agent opens from the pop.</summary>
public sealed class ComplaintDeskStepOneTests
{
    [Fact]
    public async Task CustomerCallsTheHotline_AgentSeesOrdersAndComplaints_OpensACaseFromAnOrderLineAndLinksIt()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var (acme, ann) = await CustomerAsync(crm, "Acme", "+49 30 1234567");
        var order = await OrderAsync(crm, acme.Id, CrmTestHost.DefaultStart.AddDays(-20));
        var line = await OrderLineAsync(crm, order, 1, "Kettle K2", "SN-4711", new DateOnly(2025, 12, 20));
        var earlier = await CaseAsync(crm, acme.Id, "Lid does not close", CaseStatus.InProgress);
        var phone = new SimulatedTelephony();
        await host.CallCenter().ConnectAsync(phone);

        var callId = await phone.RingAsync("test", "030-1234567", "+49 800 555000");
        await phone.AnswerAsync(callId, "agent-7");
        var pop = await host.Calls(crm).GetScreenPopAsync(callId);
        var popLine = pop.RecentOrders.Single().Lines.Single();
        var complaint = await crm.Records.CreateAsync(ServiceEntities.Case, V(
            (CaseFields.Subject, "Kettle leaks"),
            (CaseFields.Category, CaseCategory.Complaint),
            (CaseFields.Origin, "phone"),
            (CaseFields.AccountId, pop.Account!.Id),
            (CaseFields.ContactId, pop.Contact!.Id),
            (CaseFields.OrderId, pop.RecentOrders[0].Id),
            (CaseFields.OrderLineId, popLine.Id),
            (CaseFields.ProductName, popLine.ProductName),
            (CaseFields.SerialNumber, popLine.SerialNumber),
            (CaseFields.ShipDate, popLine.ShipDate)));
        await host.Calls(crm).LinkCaseAsync(callId, complaint.Id);
        host.Clock.Advance(TimeSpan.FromMinutes(4));
        await phone.HangUpAsync(callId);

        Assert.Equal((acme.Id, ann.Id), (pop.Account.Id, pop.Contact.Id));
        Assert.Equal((line.Id, "SN-4711", (DateOnly?)new DateOnly(2025, 12, 20)), (popLine.Id, popLine.SerialNumber, popLine.ShipDate));
        Assert.Equal(earlier.Id, pop.OpenCases.Single().Id);
        var call = await crm.Records.GetAsync(CallCenterEntities.Call, callId);
        Assert.Equal((CallStatus.Completed, (object?)complaint.Id, 240m), (call![CallFields.Status], call[CallFields.CaseId], call[CallFields.TalkSeconds]));
        var reread = await host.Calls(crm).GetScreenPopAsync(callId);
        Assert.Equal(new[] { complaint.Id, earlier.Id }.Order(), reread.OpenCases.Select(c => c.Id).Order());
        Assert.Contains(reread.LastInteractions, a => a.Id == (Guid)call[CallFields.ActivityId]!);
        Assert.Equal(OrderStatus.Shipped, pop.RecentOrders[0].Status);
    }
}
