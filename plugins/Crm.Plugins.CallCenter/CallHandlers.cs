using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Pipeline;
using Crm.Engine.Abstractions.Records;

namespace Crm.Plugins.CallCenter;

/// <summary>
/// Before a call is written as ended (completed or abandoned) with an identified customer: logs a core activity of type
/// call on the customer's timeline (regarding the contact, else the account), in the same transaction, and records it
/// on the call. The activity is owned by the call's owner. Runs for every path that ends a call (the typed API, the
/// generic record API, a rule).
/// </summary>
internal sealed class CallActivityHandler(TimeProvider time) : IPipelineHandler
{
    public async Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.PreImage is not { } before || !context.Target.TryGetValue(CallFields.Status, out var statusValue) || statusValue is not string status)
        {
            return;
        }

        var wasEnded = CallCenterService.Status(before) is CallStatus.Completed or CallStatus.Abandoned;
        if (wasEnded || status is not (CallStatus.Completed or CallStatus.Abandoned) || Value(context, CallFields.ActivityId) is not null)
        {
            return;
        }

        var contactId = Value(context, CallFields.ContactId) as Guid?;
        var accountId = Value(context, CallFields.AccountId) as Guid?;
        if (contactId is null && accountId is null)
        {
            return;
        }

        var outbound = Value(context, CallFields.Direction) as string == CallDirection.Outbound;
        var number = Value(context, outbound ? CallFields.ToNumber : CallFields.FromNumber) as string;
        var talkSeconds = Value(context, CallFields.TalkSeconds) as decimal? ?? 0m;
        var missed = status == CallStatus.Abandoned || (outbound && Value(context, CallFields.AnsweredAt) is null);
        var subject = (outbound, missed) switch
        {
            (false, true) => $"Missed call from {number ?? "a withheld number"}",
            (false, false) => $"Inbound call from {number ?? "a withheld number"}",
            (true, true) => $"Unanswered call to {number}",
            (true, false) => $"Outbound call to {number}",
        };
        var values = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            [ActivityFields.ActivityType] = ActivityTypes.Call,
            [ActivityFields.Subject] = subject,
            [ActivityFields.Regarding] = contactId is { } contact ? new RecordRef(CoreEntities.Contact, contact) : new RecordRef(CoreEntities.Account, accountId!.Value),
            [ActivityFields.Direction] = outbound ? CallDirection.Outbound : CallDirection.Inbound,
            [ActivityFields.Status] = ActivityStatuses.Completed,
            [ActivityFields.OccurredAt] = Value(context, CallFields.ReceivedAt) as DateTimeOffset? ?? time.GetUtcNow(),
            [ActivityFields.DurationMinutes] = Math.Ceiling(talkSeconds / 60m),
        };
        if (number is not null)
        {
            values[ActivityFields.PhoneNumber] = number;
        }

        if (Value(context, CallFields.Notes) is string notes)
        {
            values[ActivityFields.Description] = notes;
        }

        // The activity belongs to whoever owns the call (the agent who answered), so it shows on their timeline view.
        var options = before.OwnerId is { } owner ? new CreateOptions { OwnerId = owner } : null;
        var activity = await context.Records.CreateAsync(CoreEntities.Activity, values, options, cancellationToken).ConfigureAwait(false);
        context.Target[CallFields.ActivityId] = activity.Id;
    }

    /// <summary>A field's value after the change: the target's when it changes, else the stored one.</summary>
    private static object? Value(IPipelineContext context, string field) =>
        context.Target.TryGetValue(field, out var value) ? value : context.PreImage?[field];
}

/// <summary>Queues the call events (published after commit) when a call is created or its status changes.</summary>
internal sealed class CallEventsHandler(TimeProvider time) : IPipelineHandler
{
    public Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.PostImage is not { } call)
        {
            return Task.CompletedTask;
        }

        var tenant = context.Caller.TenantId;
        var now = time.GetUtcNow();
        var status = CallCenterService.Status(call);
        if (context.Message == PipelineMessages.Create)
        {
            context.QueueEvent(new CallReceived(
                tenant, now, call.Id, call[CallFields.Direction] as string ?? CallDirection.Inbound, call[CallFields.FromNumber] as string, call[CallFields.ToNumber] as string,
                call[CallFields.AccountId] as Guid?, call[CallFields.ContactId] as Guid?));
            return Task.CompletedTask;
        }

        if (context.PreImage is null || CallCenterService.Status(context.PreImage) == status)
        {
            return Task.CompletedTask;
        }

        switch (status)
        {
            case CallStatus.Answered:
                context.QueueEvent(new CallAnswered(tenant, now, call.Id, call[CallFields.AgentUserId] as string, call[CallFields.WaitSeconds] as decimal?));
                break;
            case CallStatus.Completed:
                context.QueueEvent(new CallEnded(
                    tenant, now, call.Id, call[CallFields.AgentUserId] as string, call[CallFields.TalkSeconds] as decimal?, call[CallFields.Resolved] as bool?,
                    call[CallFields.Satisfaction] as decimal?, call[CallFields.AccountId] as Guid?, call[CallFields.ActivityId] as Guid?));
                break;
            case CallStatus.Abandoned:
                context.QueueEvent(new CallAbandoned(tenant, now, call.Id, call[CallFields.WaitSeconds] as decimal?, call[CallFields.Queue] as string, call[CallFields.AccountId] as Guid?));
                break;
        }

        return Task.CompletedTask;
    }
}
