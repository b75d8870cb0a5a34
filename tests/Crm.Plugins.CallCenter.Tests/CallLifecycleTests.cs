using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Events;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Testing;
using Crm.Plugins.Service;
using static Crm.Plugins.CallCenter.Tests.CallCenterFixture;

namespace Crm.Plugins.CallCenter.Tests;

public sealed class CallLifecycleTests
{
    [Fact]
    public async Task EndAsync_KnownCaller_LogsACallActivityOnTheCustomersTimeline()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var (acme, ann) = await CustomerAsync(crm, "Acme", "+49 30 1234567");
        var calls = host.Calls(crm);
        var pop = await calls.ReceiveInboundAsync(new InboundCall("030 1234567", "+49 800 555000"));
        host.Clock.Advance(TimeSpan.FromSeconds(25));
        var answered = await calls.AnswerAsync(pop.CallId, "agent-7");
        host.Clock.Advance(TimeSpan.FromSeconds(130));

        var ended = await calls.EndAsync(pop.CallId, resolved: true, satisfaction: 4, notes: "Explained the descaling.");

        Assert.Equal((CallStatus.Answered, 25m), (answered[CallFields.Status], answered[CallFields.WaitSeconds]));
        Assert.Equal((CallStatus.Completed, 130m, true, 4m, "Explained the descaling."), (ended[CallFields.Status], ended[CallFields.TalkSeconds], ended[CallFields.Resolved], ended[CallFields.Satisfaction], ended[CallFields.Notes]));
        Assert.Equal(host.Clock.GetUtcNow(), ended[CallFields.EndedAt]);
        var timeline = await crm.Activities.GetTimelineAsync(acme.Id);
        var activity = Assert.Single(timeline.Records);
        Assert.Equal(activity.Id, ended[CallFields.ActivityId]);
        Assert.Equal(
            (ActivityTypes.Call, "Inbound call from 030 1234567", "inbound", 3m, "030 1234567", ActivityStatuses.Completed, "Explained the descaling."),
            (activity[ActivityFields.ActivityType], activity[ActivityFields.Subject], activity[ActivityFields.Direction], activity[ActivityFields.DurationMinutes], activity[ActivityFields.PhoneNumber], activity[ActivityFields.Status], activity[ActivityFields.Description]));
        Assert.Equal(new RecordRef(CoreEntities.Contact, ann.Id), activity[ActivityFields.Regarding]);
        Assert.Equal(CrmTestHost.DefaultStart, activity[ActivityFields.OccurredAt]);
    }

    [Fact]
    public async Task AbandonAsync_KnownCaller_LogsAMissedCallAndTheWait()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var (acme, _) = await CustomerAsync(crm, "Acme", "+49 30 1234567");
        var calls = host.Calls(crm);
        var pop = await calls.ReceiveInboundAsync(new InboundCall("+49 30 1234567", null));
        host.Clock.Advance(TimeSpan.FromSeconds(42));

        var abandoned = await calls.AbandonAsync(pop.CallId);

        Assert.Equal((CallStatus.Abandoned, 42m), (abandoned[CallFields.Status], abandoned[CallFields.WaitSeconds]));
        var activity = Assert.Single((await crm.Activities.GetTimelineAsync(acme.Id)).Records);
        Assert.Equal(("Missed call from +49 30 1234567", 0m), (activity[ActivityFields.Subject], activity[ActivityFields.DurationMinutes]));
    }

    [Fact]
    public async Task EndAsync_UnknownCaller_LogsNoActivity()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var calls = host.Calls(crm);
        var pop = await calls.ReceiveInboundAsync(new InboundCall("+44 20 7946 0000", null));
        await calls.AnswerAsync(pop.CallId, "agent-7");

        var ended = await calls.EndAsync(pop.CallId);

        Assert.Null(ended[CallFields.ActivityId]);
        Assert.Equal(0, await crm.Records.CountAsync(RecordQuery.For(CoreEntities.Activity)));
    }

    [Fact]
    public async Task CallStateErrors_AreRefusedNamingTheFieldAndNothingChanges()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var calls = host.Calls(crm);
        var pop = await calls.ReceiveInboundAsync(new InboundCall("+44 20 7946 0000", null));

        var notAnswered = await Assert.ThrowsAsync<CrmValidationException>(() => calls.EndAsync(pop.CallId));
        var noAgent = await Assert.ThrowsAsync<CrmValidationException>(() => calls.AnswerAsync(pop.CallId, " "));
        await calls.AnswerAsync(pop.CallId, "agent-7");
        var badRating = await Assert.ThrowsAsync<CrmValidationException>(() => calls.EndAsync(pop.CallId, satisfaction: 6));
        var twice = await Assert.ThrowsAsync<CrmValidationException>(() => calls.AnswerAsync(pop.CallId, "agent-8"));
        var abandonAnswered = await Assert.ThrowsAsync<CrmValidationException>(() => calls.AbandonAsync(pop.CallId));

        Assert.Equal(CallFields.Status, notAnswered.Errors[0].Field);
        Assert.Contains("AbandonAsync", notAnswered.Errors[0].Message, StringComparison.Ordinal);
        Assert.Equal(CallFields.AgentUserId, noAgent.Errors[0].Field);
        Assert.Equal((CallFields.Satisfaction, (object?)6), (badRating.Errors[0].Field, badRating.Errors[0].Value));
        Assert.Equal(CallFields.Status, twice.Errors[0].Field);
        Assert.Equal(CallFields.Status, abandonAnswered.Errors[0].Field);
        var call = await crm.Records.GetAsync(CallCenterEntities.Call, pop.CallId);
        Assert.Equal((CallStatus.Answered, "agent-7"), (call![CallFields.Status], call[CallFields.AgentUserId]));
        await Assert.ThrowsAsync<CrmNotFoundException>(() => calls.AnswerAsync(Guid.NewGuid(), "agent-7"));
    }

    [Fact]
    public async Task LinkCaseAsync_LinksAnExistingCaseAndRefusesAnUnknownOne()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var (acme, _) = await CustomerAsync(crm, "Acme", "+49 30 1234567");
        var complaint = await CaseAsync(crm, acme.Id, "Kettle leaks", CaseStatus.New);
        var calls = host.Calls(crm);
        var pop = await calls.ReceiveInboundAsync(new InboundCall("+49 30 1234567", null));

        var linked = await calls.LinkCaseAsync(pop.CallId, complaint.Id);

        Assert.Equal(complaint.Id, linked[CallFields.CaseId]);
        var missing = Guid.NewGuid();
        var ex = await Assert.ThrowsAsync<CrmNotFoundException>(() => calls.LinkCaseAsync(pop.CallId, missing));
        Assert.Contains(missing.ToString(), ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Events_AreReceivedAnsweredEndedAndAbandoned_AfterCommit()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var (acme, _) = await CustomerAsync(crm, "Acme", "+49 30 1234567");
        var seen = new List<IDomainEvent>();
        using var subscription = host.Engine.Events.Subscribe<IDomainEvent>((e, _) =>
        {
            if (e is CallReceived or CallAnswered or CallEnded or CallAbandoned)
            {
                lock (seen)
                {
                    seen.Add(e);
                }
            }

            return Task.CompletedTask;
        });
        var calls = host.Calls(crm);

        var first = await calls.ReceiveInboundAsync(new InboundCall("+49 30 1234567", null));
        host.Clock.Advance(TimeSpan.FromSeconds(10));
        await calls.AnswerAsync(first.CallId, "agent-7");
        host.Clock.Advance(TimeSpan.FromSeconds(60));
        var ended = await calls.EndAsync(first.CallId, resolved: true);
        var second = await calls.ReceiveInboundAsync(new InboundCall(null, null));
        host.Clock.Advance(TimeSpan.FromSeconds(5));
        await calls.AbandonAsync(second.CallId);

        Assert.Collection(
            seen,
            e => Assert.Equal((first.CallId, (Guid?)acme.Id), (((CallReceived)e).CallId, ((CallReceived)e).AccountId)),
            e => Assert.Equal(("agent-7", (decimal?)10m), (((CallAnswered)e).AgentUserId, ((CallAnswered)e).WaitSeconds)),
            e => Assert.Equal(((decimal?)60m, (bool?)true, ended[CallFields.ActivityId] as Guid?), (((CallEnded)e).TalkSeconds, ((CallEnded)e).Resolved, ((CallEnded)e).ActivityId)),
            e => Assert.Equal(second.CallId, ((CallReceived)e).CallId),
            e => Assert.Equal((second.CallId, (decimal?)5m), (((CallAbandoned)e).CallId, ((CallAbandoned)e).WaitSeconds)));
    }

    [Fact]
    public async Task SimulatedTelephony_RingAnswerHangUp_DrivesTheCallAndRedeliveryChangesNothing()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var (acme, _) = await CustomerAsync(crm, "Acme", "+49 30 1234567");
        var phone = new SimulatedTelephony();
        await host.CallCenter().ConnectAsync(phone);

        var callId = await phone.RingAsync("test", "030-1234567", "+49 800 555000");
        Assert.Equal(acme.Id, phone.LastScreenPop!.Account!.Id);
        host.Clock.Advance(TimeSpan.FromSeconds(8));
        var answered = await phone.AnswerAsync(callId, "agent-7");
        var answeredAgain = await phone.AnswerAsync(callId, "agent-8");
        host.Clock.Advance(TimeSpan.FromSeconds(90));
        var ended = await phone.HangUpAsync(callId);
        var endedAgain = await phone.HangUpAsync(callId);
        var missed = await phone.RingAsync("test", "+44 20 7946 0000", null);
        var abandoned = await phone.HangUpAsync(missed);

        Assert.Equal((CallStatus.Answered, false), (answered.Status, answered.Duplicate));
        Assert.Equal((CallStatus.Answered, true), (answeredAgain.Status, answeredAgain.Duplicate));
        Assert.Equal((CallStatus.Completed, false), (ended.Status, ended.Duplicate));
        Assert.True(endedAgain.Duplicate);
        Assert.Equal(CallStatus.Abandoned, abandoned.Status);
        var call = await crm.Records.GetAsync(CallCenterEntities.Call, callId);
        Assert.Equal(("simulated", "agent-7", 8m, 90m), (call![CallFields.Adapter], call[CallFields.AgentUserId], call[CallFields.WaitSeconds], call[CallFields.TalkSeconds]));
        Assert.StartsWith("sim-", call[CallFields.ExternalCallId] as string, StringComparison.Ordinal);
        var audit = call.Stamps.CreatedBy;
        Assert.Null(audit);
    }

    [Fact]
    public async Task TelephonySink_IncomingTwiceWithTheSameExternalId_KeepsOneCall()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var sink = host.CallCenter().Telephony;
        var incoming = new TelephonyEvent("test", "twilio", "CA123", TelephonyEventKind.Incoming) { From = "+44 20 7946 0000", To = "+49 800 555000" };

        var first = await sink.PublishAsync(incoming);
        var again = await sink.PublishAsync(incoming);

        Assert.Equal((first.CallId, false, true), (again.CallId, first.Duplicate, again.Duplicate));
        Assert.NotNull(first.ScreenPop);
        Assert.Equal(1, await crm.Records.CountAsync(RecordQuery.For(CallCenterEntities.Call)));
        await Assert.ThrowsAsync<CrmNotFoundException>(() => sink.PublishAsync(new TelephonyEvent("test", "twilio", "CA999", TelephonyEventKind.Ended)));
    }
}

public sealed class CallOwnershipTests
{
    [Fact]
    public async Task TelephonyAnswerByACrmUser_GivesThemTheCallAndTheActivity_SoAServiceAgentSeesBoth()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var (acme, _) = await CustomerAsync(crm, "Acme", "+49 30 1234567");
        var agent = await crm.Organization.CreateUserAsync(new Crm.Engine.Abstractions.Organization.NewUser("sam", "Sam"));
        await crm.Security.GrantRoleAsync(Crm.Engine.Abstractions.Security.SecurityPrincipal.User(agent.Id), Crm.Engine.Abstractions.Security.SystemRoles.ServiceAgent);
        var phone = new SimulatedTelephony();
        await host.CallCenter().ConnectAsync(phone);
        var asAgent = crm.AsUser(agent.Id);

        var callId = await phone.RingAsync("test", "+49 30 1234567", null);
        var before = await asAgent.Records.GetAsync(CallCenterEntities.Call, callId);
        await phone.AnswerAsync(callId, agent.Id.ToString("D"));
        var pop = await host.Calls(asAgent).GetScreenPopAsync(callId);
        host.Clock.Advance(TimeSpan.FromSeconds(45));
        await host.Calls(asAgent).EndAsync(callId, resolved: true, satisfaction: 5);

        Assert.Null(before); // a ringing call of the telephony has no owner: not the agent's yet
        Assert.Equal(acme.Id, pop.Account!.Id);
        var call = await asAgent.Records.GetAsync(CallCenterEntities.Call, callId);
        Assert.Equal((agent.Id, CallStatus.Completed), (call!.OwnerId, call[CallFields.Status]));
        var activity = Assert.Single((await asAgent.Activities.GetTimelineAsync(acme.Id)).Records);
        Assert.Equal((call[CallFields.ActivityId], (Guid?)agent.Id), ((object?)activity.Id, activity.OwnerId));
    }
}
