using System.Globalization;
using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Tenancy;
using Crm.Engine.Abstractions.Work;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Plugins.CallCenter;

/// <summary>The call center singleton: per-tenant views and the telephony event sink.</summary>
internal sealed class CallCenterService(IServiceProvider services, TimeProvider time) : ICallCenter, ITelephonyEventSink
{
    public ITelephonyEventSink Telephony => this;

    public ICallCenterTenant ForTenant(ICrmTenant tenant)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        return new CallCenterTenant(tenant, services.GetRequiredService<IWorkServices>().ForCaller(tenant.Caller), time);
    }

    public Task ConnectAsync(ITelephonyAdapter adapter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(adapter);
        return adapter.ConnectAsync(this, cancellationToken);
    }

    public async Task<TelephonyEventResult> PublishAsync(TelephonyEvent telephonyEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(telephonyEvent);
        if (string.IsNullOrWhiteSpace(telephonyEvent.ExternalCallId))
        {
            throw new CrmValidationException(new CrmValidationError(CallCenterEntities.Call, CallFields.ExternalCallId, telephonyEvent.ExternalCallId, "required", "a telephony event needs the telephony system's call id."));
        }

        var tenant = services.GetRequiredService<ICrmEngine>().ForTenant(CallerContext.System(telephonyEvent.TenantId, "telephony:" + telephonyEvent.Adapter));
        var center = ForTenant(tenant);
        var existing = await center.FindByExternalIdAsync(telephonyEvent.ExternalCallId, cancellationToken).ConfigureAwait(false);
        if (telephonyEvent.Kind == TelephonyEventKind.Incoming)
        {
            if (existing is not null)
            {
                return new TelephonyEventResult(existing.Id, Status(existing), Duplicate: true, null);
            }

            var pop = await center.ReceiveInboundAsync(
                new InboundCall(telephonyEvent.From, telephonyEvent.To)
                {
                    ExternalCallId = telephonyEvent.ExternalCallId,
                    Adapter = telephonyEvent.Adapter,
                    Queue = telephonyEvent.Queue,
                    Skill = telephonyEvent.Skill,
                    Language = telephonyEvent.Language,
                },
                null,
                cancellationToken).ConfigureAwait(false);
            return new TelephonyEventResult(pop.CallId, pop.Status, Duplicate: false, pop);
        }

        if (existing is null)
        {
            throw new CrmNotFoundException($"call with external id '{telephonyEvent.ExternalCallId}' (adapter {telephonyEvent.Adapter}, tenant {telephonyEvent.TenantId})");
        }

        var status = Status(existing);
        var waiting = status is CallStatus.Ringing or CallStatus.Queued;
        CrmRecord? changed = telephonyEvent.Kind switch
        {
            TelephonyEventKind.Answered when waiting => await center.AnswerAsync(existing.Id, telephonyEvent.AgentUserId ?? string.Empty, cancellationToken).ConfigureAwait(false),
            TelephonyEventKind.Ended when status == CallStatus.Answered => await center.EndAsync(existing.Id, cancellationToken: cancellationToken).ConfigureAwait(false),
            TelephonyEventKind.Ended or TelephonyEventKind.Abandoned when waiting => await center.AbandonAsync(existing.Id, cancellationToken).ConfigureAwait(false),
            _ => null,
        };
        return changed is null
            ? new TelephonyEventResult(existing.Id, status, Duplicate: true, null)
            : new TelephonyEventResult(changed.Id, Status(changed), Duplicate: false, null);
    }

    internal static string Status(CrmRecord call) => call[CallFields.Status] as string ?? CallStatus.Ringing;
}

/// <summary>The call center of one tenant for one caller: reads and writes through the caller's record API.</summary>
internal sealed class CallCenterTenant(ICrmTenant tenant, ITenantWork work, TimeProvider time) : ICallCenterTenant
{
    // Records of other modules, by their API names (the plugin does not reference their assemblies).
    private const string Order = "order";
    private const string OrderLine = "orderLine";
    private const string Case = "case";
    private const string OrderNumber = "orderNumber";
    private const string OrderDate = "orderDate";
    private const string OrderStatusField = "status";
    private const string TotalAmount = "totalAmount";
    private const string OrderId = "orderId";
    private const string LineNumber = "lineNumber";
    private const string ProductId = "productId";
    private const string ProductName = "productName";
    private const string Sku = "sku";
    private const string SerialNumber = "serialNumber";
    private const string Barcode = "barcode";
    private const string ShipDate = "shipDate";
    private const string WarrantyUntil = "warrantyUntil";
    private const string CaseNumber = "caseNumber";
    private const string CaseSubject = "subject";
    private const string CasePriority = "priority";
    private const string CaseStatusField = "status";
    private const string SlaDueAt = "slaDueAt";
    private const string AccountIdField = "accountId";
    private const string ContactIdField = "contactId";
    private static readonly string[] ClosedCaseStatuses = ["resolved", "closed", "cancelled"];

    private IRecordService Records => tenant.Records;

    public async Task<ScreenPop> ReceiveInboundAsync(InboundCall inboundCall, ScreenPopOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inboundCall);
        var call = inboundCall;
        var from = string.IsNullOrWhiteSpace(call.FromNumber) ? null : call.FromNumber.Trim();
        if (from is not null && from.Count(char.IsAsciiDigit) < 3)
        {
            throw new CrmValidationException(new CrmValidationError(CallCenterEntities.Call, CallFields.FromNumber, call.FromNumber, "format", $"'{call.FromNumber}' is not a telephone number (fewer than 3 digits); give null for a withheld number."));
        }

        if (call.ExternalCallId is { } externalId && await FindByExternalIdAsync(externalId, cancellationToken).ConfigureAwait(false) is { } known)
        {
            return await PopAsync(known, null, options, cancellationToken).ConfigureAwait(false);
        }

        var matches = from is null ? [] : await tenant.Contacts.FindByPhoneAsync(from, cancellationToken).ConfigureAwait(false);
        var callerMatches = matches.Select(ToMatch).ToList();
        var best = Best(callerMatches);
        var (account, contact) = await CustomerOfAsync(best, cancellationToken).ConfigureAwait(false);

        var values = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            [CallFields.Subject] = from is null ? "Inbound call (number withheld)" : $"Inbound call from {from}",
            [CallFields.Direction] = CallDirection.Inbound,
            [CallFields.Status] = CallStatus.Ringing,
            [CallFields.ReceivedAt] = time.GetUtcNow(),
            [CallFields.MatchCount] = (decimal)callerMatches.Count,
        };
        SetIfGiven(values, CallFields.FromNumber, from);
        SetIfGiven(values, CallFields.ToNumber, string.IsNullOrWhiteSpace(call.ToNumber) ? null : call.ToNumber.Trim());
        SetIfGiven(values, CallFields.ExternalCallId, call.ExternalCallId);
        SetIfGiven(values, CallFields.Adapter, call.Adapter);
        SetIfGiven(values, CallFields.AccountId, account?.Id);
        SetIfGiven(values, CallFields.ContactId, contact?.Id);

        // The tenant's rule packs run on this create (and may route the call).
        var created = await Records.CreateAsync(CallCenterEntities.Call, values, null, cancellationToken).ConfigureAwait(false);
        if (!string.IsNullOrWhiteSpace(call.Queue))
        {
            await RouteAsync(created.Id, call.Queue, call.Skill, call.Language, cancellationToken).ConfigureAwait(false);
        }

        var stored = await Records.GetAsync(CallCenterEntities.Call, created.Id, cancellationToken).ConfigureAwait(false) ?? created;
        return await BuildPopAsync(stored, callerMatches, best, account, contact, options, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ScreenPop> GetScreenPopAsync(Guid callId, ScreenPopOptions? options = null, CancellationToken cancellationToken = default) =>
        await PopAsync(await GetCallAsync(callId, cancellationToken).ConfigureAwait(false), null, options, cancellationToken).ConfigureAwait(false);

    public async Task<CrmRecord?> FindByExternalIdAsync(string externalCallId, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(externalCallId))
        {
            throw new CrmValidationException(new CrmValidationError(CallCenterEntities.Call, CallFields.ExternalCallId, externalCallId, "required", "an external call id is required."));
        }

        var page = await Records.QueryAsync(RecordQuery.For(CallCenterEntities.Call).Where(CallFields.ExternalCallId, externalCallId).OrderBy("createdAt").Take(1), cancellationToken).ConfigureAwait(false);
        return page.Records.Count == 0 ? null : page.Records[0];
    }

    public async Task<CrmRecord> AnswerAsync(Guid callId, string agentUserId, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(agentUserId))
        {
            throw new CrmValidationException(new CrmValidationError(CallCenterEntities.Call, CallFields.AgentUserId, agentUserId, "required", "answering a call needs the agent who answered."));
        }

        var call = await GetCallAsync(callId, cancellationToken).ConfigureAwait(false);
        var status = CallCenterService.Status(call);
        if (status is not (CallStatus.Ringing or CallStatus.Queued))
        {
            throw StatusError(call, status, "answered", "only a ringing or queued call can be answered");
        }

        var now = time.GetUtcNow();
        var answered = await Records.UpdateAsync(
            CallCenterEntities.Call,
            callId,
            call.Version,
            new Dictionary<string, object?>
            {
                [CallFields.Status] = CallStatus.Answered,
                [CallFields.AgentUserId] = agentUserId.Trim(),
                [CallFields.AnsweredAt] = now,
                [CallFields.WaitSeconds] = Seconds(call.Get<DateTimeOffset?>(CallFields.ReceivedAt), now),
            },
            cancellationToken).ConfigureAwait(false);

        // A call the telephony (system context) created has no owner, so only tenant-wide roles could read it: when a CRM
        // user answers, the call becomes theirs (and so does the activity logged when it ends).
        if (tenant.Caller.UserId is null && answered.OwnerId is null && Guid.TryParse(agentUserId, out var userId)
            && await tenant.Organization.GetUserAsync(userId, cancellationToken).ConfigureAwait(false) is { IsActive: true })
        {
            answered = await Records.AssignAsync(CallCenterEntities.Call, callId, userId, cancellationToken).ConfigureAwait(false);
        }

        return answered;
    }

    public async Task<CrmRecord> EndAsync(Guid callId, bool? resolved = null, int? satisfaction = null, string? notes = null, CancellationToken cancellationToken = default)
    {
        if (satisfaction is < 1 or > 5)
        {
            throw new CrmValidationException(new CrmValidationError(CallCenterEntities.Call, CallFields.Satisfaction, satisfaction, "range", $"the satisfaction rating must be 1 to 5, not {satisfaction}."));
        }

        var call = await GetCallAsync(callId, cancellationToken).ConfigureAwait(false);
        var status = CallCenterService.Status(call);
        if (status != CallStatus.Answered)
        {
            throw StatusError(call, status, "ended", status is CallStatus.Ringing or CallStatus.Queued ? "it was not answered; use AbandonAsync for a caller who hung up" : "it has already ended");
        }

        var now = time.GetUtcNow();
        var changes = new Dictionary<string, object?>
        {
            [CallFields.Status] = CallStatus.Completed,
            [CallFields.EndedAt] = now,
            [CallFields.TalkSeconds] = Seconds(call.Get<DateTimeOffset?>(CallFields.AnsweredAt), now),
        };
        SetIfGiven(changes, CallFields.Resolved, resolved);
        SetIfGiven(changes, CallFields.Satisfaction, satisfaction is null ? null : (decimal)satisfaction.Value);
        SetIfGiven(changes, CallFields.Notes, string.IsNullOrWhiteSpace(notes) ? null : notes);
        var ended = await Records.UpdateAsync(CallCenterEntities.Call, callId, call.Version, changes, cancellationToken).ConfigureAwait(false);
        await CompleteQueueItemAsync(ended, cancellationToken).ConfigureAwait(false);
        return ended;
    }

    public async Task<CrmRecord> AbandonAsync(Guid callId, CancellationToken cancellationToken = default)
    {
        var call = await GetCallAsync(callId, cancellationToken).ConfigureAwait(false);
        var status = CallCenterService.Status(call);
        if (status is not (CallStatus.Ringing or CallStatus.Queued))
        {
            throw StatusError(call, status, "abandoned", "only a ringing or queued call can be abandoned; end an answered call with EndAsync");
        }

        var now = time.GetUtcNow();
        var abandoned = await Records.UpdateAsync(
            CallCenterEntities.Call,
            callId,
            call.Version,
            new Dictionary<string, object?>
            {
                [CallFields.Status] = CallStatus.Abandoned,
                [CallFields.EndedAt] = now,
                [CallFields.WaitSeconds] = Seconds(call.Get<DateTimeOffset?>(CallFields.ReceivedAt), now),
            },
            cancellationToken).ConfigureAwait(false);
        await CompleteQueueItemAsync(abandoned, cancellationToken).ConfigureAwait(false);
        return abandoned;
    }

    public async Task<CrmRecord> LinkCaseAsync(Guid callId, Guid caseId, CancellationToken cancellationToken = default)
    {
        _ = await GetCallAsync(callId, cancellationToken).ConfigureAwait(false);
        if (await Records.GetAsync(Case, caseId, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new CrmNotFoundException(Case, caseId);
        }

        return await Records.UpdateAsync(CallCenterEntities.Call, callId, null, new Dictionary<string, object?> { [CallFields.CaseId] = caseId }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<QueueItem> RouteAsync(Guid callId, string queueName, string? skill = null, string? language = null, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(queueName))
        {
            throw new CrmValidationException(new CrmValidationError(CallCenterEntities.Call, CallFields.Queue, queueName, "required", "routing a call needs a queue name."));
        }

        var call = await GetCallAsync(callId, cancellationToken).ConfigureAwait(false);
        var status = CallCenterService.Status(call);
        if (status is CallStatus.Completed or CallStatus.Abandoned)
        {
            throw StatusError(call, status, "routed", "it has already ended");
        }

        var queue = await work.Queues.FindQueueAsync(queueName, cancellationToken).ConfigureAwait(false)
            ?? throw new CrmValidationException(new CrmValidationError(CallCenterEntities.Call, CallFields.Queue, queueName, "not_found", $"there is no work queue named '{queueName}'."));

        // A call already in another queue is transferred: its previous item is completed so that agent's load goes down.
        await CompleteQueueItemAsync(call, cancellationToken).ConfigureAwait(false);
        var item = await work.Queues.RouteAsync(queue.Id, callId, Blank(skill), Blank(language), cancellationToken).ConfigureAwait(false);
        var changes = new Dictionary<string, object?>
        {
            [CallFields.Queue] = queue.Name,
            [CallFields.Skill] = Blank(skill),
            [CallFields.Language] = Blank(language),
            [CallFields.QueueItemId] = item.Id.ToString("D"),
        };
        if (status == CallStatus.Ringing)
        {
            changes[CallFields.Status] = CallStatus.Queued;
        }

        await Records.UpdateAsync(CallCenterEntities.Call, callId, null, changes, cancellationToken).ConfigureAwait(false);
        return item;
    }

    public async Task<CallStatistics> StatisticsAsync(DateTimeOffset periodStart, DateTimeOffset periodEnd, CancellationToken cancellationToken = default)
    {
        var (from, to) = (periodStart, periodEnd);
        if (to <= from)
        {
            throw new CrmValidationException(new CrmValidationError(CallCenterEntities.Call, nameof(periodEnd), to, "range", $"the end of the period ({to:O}) must be after its start ({from:O})."));
        }

        var calls = await Records.ReadAllAsync(
            RecordQuery.For(CallCenterEntities.Call)
                .Where(CallFields.Direction, CallDirection.Inbound)
                .Where(CallFields.ReceivedAt, FilterOperator.GreaterOrEqual, from.ToUniversalTime())
                .Where(CallFields.ReceivedAt, FilterOperator.LessThan, to.ToUniversalTime()),
            cancellationToken).ConfigureAwait(false);
        return CallStatisticsCalculator.Compute(from, to, calls);
    }

    public async Task<CallListBuildResult> BuildCallListAsync(NewCallList list, IReadOnlyList<Guid> contactIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(list);
        ArgumentNullException.ThrowIfNull(contactIds);
        if (string.IsNullOrWhiteSpace(list.Name))
        {
            throw new CrmValidationException(new CrmValidationError(CallCenterEntities.CallList, CallListFields.Name, list.Name, "required", "a call list needs a name."));
        }

        var skipped = new List<SkippedContact>();
        var rows = new List<Dictionary<string, object?>>();
        var seen = new HashSet<Guid>();
        foreach (var contactId in contactIds)
        {
            if (!seen.Add(contactId))
            {
                skipped.Add(new SkippedContact(contactId, SkipReason.Duplicate, $"contact {contactId} was given more than once; it is on the list once."));
                continue;
            }

            var contact = await Records.GetAsync(CoreEntities.Contact, contactId, cancellationToken).ConfigureAwait(false);
            if (contact is null)
            {
                skipped.Add(new SkippedContact(contactId, SkipReason.NotFound, $"contact {contactId} does not exist or may not be read."));
                continue;
            }

            var name = contact[ContactFields.Name] as string ?? contactId.ToString("D");
            if (contact[ContactFields.DoNotCall] is true)
            {
                skipped.Add(new SkippedContact(contactId, SkipReason.DoNotCall, $"{name} asked not to be called (doNotCall)."));
                continue;
            }

            if (PhoneOf(contact) is not { } phone)
            {
                skipped.Add(new SkippedContact(contactId, SkipReason.NoPhoneNumber, $"{name} has no telephone number (phone, mobilePhone or otherPhone)."));
                continue;
            }

            var row = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                [CallListItemFields.ContactId] = contactId,
                [CallListItemFields.Phone] = phone,
                [CallListItemFields.Position] = (decimal)(rows.Count + 1),
                [CallListItemFields.Status] = CallListItemStatus.Pending,
                [CallListItemFields.Attempts] = 0m,
            };
            SetIfGiven(row, CallListItemFields.AccountId, contact[ContactFields.AccountId]);
            rows.Add(row);
        }

        var values = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            [CallListFields.Name] = list.Name.Trim(),
            [CallListFields.MaxAttempts] = (decimal)list.MaxAttempts,
            [CallListFields.Status] = rows.Count == 0 ? CallListStatus.Completed : CallListStatus.Active,
        };
        SetIfGiven(values, CallListFields.Campaign, Blank(list.Campaign));
        SetIfGiven(values, CallListFields.CallerLine, Blank(list.CallerLine));
        SetIfGiven(values, CallListFields.Description, Blank(list.Description));
        var callList = await Records.CreateAsync(CallCenterEntities.CallList, values, null, cancellationToken).ConfigureAwait(false);
        foreach (var row in rows)
        {
            row[CallListItemFields.CallListId] = callList.Id;
        }

        var items = rows.Count == 0 ? [] : await Records.CreateManyAsync(CallCenterEntities.CallListItem, rows, cancellationToken).ConfigureAwait(false);
        return new CallListBuildResult(callList, items, skipped);
    }

    public async Task<CallListAssignment?> NextCallAsync(Guid callListId, string agentUserId, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(agentUserId))
        {
            throw new CrmValidationException(new CrmValidationError(CallCenterEntities.CallListItem, CallListItemFields.AgentUserId, agentUserId, "required", "the next call of a list needs the agent who makes it."));
        }

        var list = await Records.GetAsync(CallCenterEntities.CallList, callListId, cancellationToken).ConfigureAwait(false)
            ?? throw new CrmNotFoundException(CallCenterEntities.CallList, callListId);
        while (true)
        {
            var page = await Records.QueryAsync(
                RecordQuery.For(CallCenterEntities.CallListItem)
                    .Where(CallListItemFields.CallListId, callListId)
                    .Where(CallListItemFields.Status, CallListItemStatus.Pending)
                    .OrderBy(CallListItemFields.Position)
                    .Take(1),
                cancellationToken).ConfigureAwait(false);
            if (page.Records.Count == 0)
            {
                await CompleteListIfDoneAsync(list, cancellationToken).ConfigureAwait(false);
                return null;
            }

            var item = page.Records[0];
            var contactId = item.Get<Guid>(CallListItemFields.ContactId);
            var contact = await Records.GetAsync(CoreEntities.Contact, contactId, cancellationToken).ConfigureAwait(false);
            if (contact is null || contact[ContactFields.DoNotCall] is true)
            {
                // Consent can change after the list was built: never call a contact who now asks not to be called.
                await Records.UpdateAsync(
                    CallCenterEntities.CallListItem,
                    item.Id,
                    item.Version,
                    new Dictionary<string, object?>
                    {
                        [CallListItemFields.Status] = CallListItemStatus.Skipped,
                        [CallListItemFields.Notes] = contact is null ? "The contact no longer exists or may not be read." : "The contact asked not to be called (doNotCall) after the list was built.",
                    },
                    cancellationToken).ConfigureAwait(false);
                continue;
            }

            var now = time.GetUtcNow();
            var phone = item[CallListItemFields.Phone] as string;
            var callValues = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                [CallFields.Subject] = $"Outbound call to {phone}",
                [CallFields.Direction] = CallDirection.Outbound,
                [CallFields.Status] = CallStatus.Ringing,
                [CallFields.ToNumber] = phone,
                [CallFields.ReceivedAt] = now,
                [CallFields.AgentUserId] = agentUserId.Trim(),
                [CallFields.ContactId] = contactId,
                [CallFields.CallListItemId] = item.Id,
            };
            SetIfGiven(callValues, CallFields.FromNumber, list[CallListFields.CallerLine]);
            SetIfGiven(callValues, CallFields.AccountId, contact[ContactFields.AccountId]);
            var call = await Records.CreateAsync(CallCenterEntities.Call, callValues, null, cancellationToken).ConfigureAwait(false);
            var updated = await Records.UpdateAsync(
                CallCenterEntities.CallListItem,
                item.Id,
                item.Version,
                new Dictionary<string, object?>
                {
                    [CallListItemFields.Status] = CallListItemStatus.InProgress,
                    [CallListItemFields.Attempts] = (item.Get<decimal?>(CallListItemFields.Attempts) ?? 0m) + 1m,
                    [CallListItemFields.AgentUserId] = agentUserId.Trim(),
                    [CallListItemFields.LastAttemptAt] = now,
                    [CallListItemFields.CallId] = call.Id,
                },
                cancellationToken).ConfigureAwait(false);
            return new CallListAssignment(updated, call);
        }
    }

    public async Task<CrmRecord> RecordOutcomeAsync(Guid callListItemId, string outcome, string? notes = null, CancellationToken cancellationToken = default)
    {
        string[] known = [CallOutcome.Reached, CallOutcome.NoAnswer, CallOutcome.Busy, CallOutcome.Voicemail, CallOutcome.CallBack, CallOutcome.WrongNumber, CallOutcome.DoNotCall];
        if (!known.Contains(outcome, StringComparer.Ordinal))
        {
            throw new CrmValidationException(new CrmValidationError(CallCenterEntities.CallListItem, CallListItemFields.Outcome, outcome, "option", $"'{outcome}' is not a call outcome; use one of {string.Join(", ", known)}."));
        }

        var item = await Records.GetAsync(CallCenterEntities.CallListItem, callListItemId, cancellationToken).ConfigureAwait(false)
            ?? throw new CrmNotFoundException(CallCenterEntities.CallListItem, callListItemId);
        if (item[CallListItemFields.Status] as string != CallListItemStatus.InProgress)
        {
            throw new CrmValidationException(new CrmValidationError(CallCenterEntities.CallListItem, CallListItemFields.Status, item[CallListItemFields.Status], "state", $"call list item {callListItemId} is {item[CallListItemFields.Status]}; an outcome is recorded for an item handed out by NextCallAsync (in progress)."));
        }

        var list = await Records.GetAsync(CallCenterEntities.CallList, item.Get<Guid>(CallListItemFields.CallListId), cancellationToken).ConfigureAwait(false)
            ?? throw new CrmNotFoundException(CallCenterEntities.CallList, item.Get<Guid>(CallListItemFields.CallListId));
        if (outcome == CallOutcome.DoNotCall)
        {
            // The consent is written first: if the caller may not change the contact, nothing else is written either
            // (otherwise the item would be done while the contact stays callable for every other list).
            await Records.UpdateAsync(CoreEntities.Contact, item.Get<Guid>(CallListItemFields.ContactId), null, new Dictionary<string, object?> { [ContactFields.DoNotCall] = true }, cancellationToken).ConfigureAwait(false);
        }

        if (item[CallListItemFields.CallId] is Guid callId)
        {
            await CloseOutboundCallAsync(callId, outcome == CallOutcome.Reached, notes, cancellationToken).ConfigureAwait(false);
        }

        var maxAttempts = list.Get<decimal?>(CallListFields.MaxAttempts) ?? 3m;
        var attempts = item.Get<decimal?>(CallListItemFields.Attempts) ?? 0m;
        var status = outcome switch
        {
            CallOutcome.Reached or CallOutcome.DoNotCall => CallListItemStatus.Done,
            CallOutcome.WrongNumber => CallListItemStatus.Failed,
            _ when attempts >= maxAttempts => CallListItemStatus.Failed,
            _ => CallListItemStatus.Pending,
        };
        var changes = new Dictionary<string, object?> { [CallListItemFields.Outcome] = outcome, [CallListItemFields.Status] = status };
        SetIfGiven(changes, CallListItemFields.Notes, string.IsNullOrWhiteSpace(notes) ? null : notes);
        var updated = await Records.UpdateAsync(CallCenterEntities.CallListItem, item.Id, item.Version, changes, cancellationToken).ConfigureAwait(false);

        await CompleteListIfDoneAsync(list, cancellationToken).ConfigureAwait(false);
        return updated;
    }

    private async Task CloseOutboundCallAsync(Guid callId, bool reached, string? notes, CancellationToken cancellationToken)
    {
        var call = await Records.GetAsync(CallCenterEntities.Call, callId, cancellationToken).ConfigureAwait(false);
        if (call is null)
        {
            return;
        }

        var status = CallCenterService.Status(call);
        if (status == CallStatus.Answered)
        {
            await EndAsync(callId, resolved: null, satisfaction: null, notes, cancellationToken).ConfigureAwait(false);
        }
        else if (status is CallStatus.Ringing or CallStatus.Queued)
        {
            // An outbound call nobody picked up (or one the agent did not mark answered): it ends without talk time.
            var now = time.GetUtcNow();
            var changes = new Dictionary<string, object?>
            {
                [CallFields.Status] = CallStatus.Completed,
                [CallFields.EndedAt] = now,
                [CallFields.AnsweredAt] = reached ? now : null,
                [CallFields.TalkSeconds] = 0m,
            };
            SetIfGiven(changes, CallFields.Notes, string.IsNullOrWhiteSpace(notes) ? null : notes);
            await Records.UpdateAsync(CallCenterEntities.Call, callId, call.Version, changes, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task CompleteListIfDoneAsync(CrmRecord list, CancellationToken cancellationToken)
    {
        if (list[CallListFields.Status] as string == CallListStatus.Completed)
        {
            return;
        }

        var open = await Records.CountAsync(
            RecordQuery.For(CallCenterEntities.CallListItem)
                .Where(CallListItemFields.CallListId, list.Id)
                .Where(CallListItemFields.Status, FilterOperator.In, new[] { CallListItemStatus.Pending, CallListItemStatus.InProgress }),
            cancellationToken).ConfigureAwait(false);
        if (open == 0)
        {
            await Records.UpdateAsync(CallCenterEntities.CallList, list.Id, null, new Dictionary<string, object?> { [CallListFields.Status] = CallListStatus.Completed }, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task CompleteQueueItemAsync(CrmRecord call, CancellationToken cancellationToken)
    {
        if (call[CallFields.Queue] is not string queueName)
        {
            return;
        }

        var queue = await work.Queues.FindQueueAsync(queueName, cancellationToken).ConfigureAwait(false);
        if (queue is null)
        {
            return;
        }

        // The item routed by RouteAsync is recorded on the call; one queued by a rule pack's assignToQueue is found by the call's id.
        var items = await work.Queues.ListItemsAsync(queue.Id, null, null, cancellationToken).ConfigureAwait(false);
        var recorded = Guid.TryParse(call[CallFields.QueueItemId] as string, out var itemId) ? itemId : (Guid?)null;
        foreach (var item in items.Where(i => i.RecordId == call.Id && i.Status != QueueItemStatus.Completed && (recorded is null || i.Id == recorded)))
        {
            await work.Queues.CompleteAsync(item.Id, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<ScreenPop> PopAsync(CrmRecord call, IReadOnlyList<CallerMatch>? matches, ScreenPopOptions? options, CancellationToken cancellationToken)
    {
        var from = call[CallFields.FromNumber] as string;
        if (matches is null)
        {
            matches = from is null || call[CallFields.Direction] as string == CallDirection.Outbound
                ? []
                : (await tenant.Contacts.FindByPhoneAsync(from, cancellationToken).ConfigureAwait(false)).Select(ToMatch).ToList();
        }

        // The customer identified when the call came in, as far as this caller may read it.
        var account = call[CallFields.AccountId] is Guid accountId ? await Records.GetAsync(CoreEntities.Account, accountId, cancellationToken).ConfigureAwait(false) : null;
        var contact = call[CallFields.ContactId] is Guid contactId ? await Records.GetAsync(CoreEntities.Contact, contactId, cancellationToken).ConfigureAwait(false) : null;
        var best = contact is not null ? matches.FirstOrDefault(m => m.Id == contact.Id) : account is not null ? matches.FirstOrDefault(m => m.Id == account.Id) : null;
        return await BuildPopAsync(call, matches, best, account, contact, options, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ScreenPop> BuildPopAsync(
        CrmRecord call, IReadOnlyList<CallerMatch> matches, CallerMatch? best, CrmRecord? account, CrmRecord? contact, ScreenPopOptions? options, CancellationToken cancellationToken)
    {
        options ??= ScreenPopOptions.Default;
        Check(options.RecentOrders, nameof(options.RecentOrders));
        Check(options.OpenCases, nameof(options.OpenCases));
        Check(options.LastInteractions, nameof(options.LastInteractions));

        // Orders and cases of the customer; of the contact when the contact has no account.
        var (field, ownerId) = account is not null ? (AccountIdField, (Guid?)account.Id) : contact is not null ? (ContactIdField, (Guid?)contact.Id) : (AccountIdField, null);
        var orders = ownerId is null || options.RecentOrders == 0 ? [] : await OrdersAsync(field, ownerId.Value, options.RecentOrders, cancellationToken).ConfigureAwait(false);
        var cases = ownerId is null || options.OpenCases == 0 ? [] : await OpenCasesAsync(field, ownerId.Value, options.OpenCases, cancellationToken).ConfigureAwait(false);
        var interactions = account is null || options.LastInteractions == 0
            ? []
            : (await tenant.Activities.GetTimelineAsync(account.Id, options.LastInteractions, null, cancellationToken).ConfigureAwait(false)).Records;
        return new ScreenPop
        {
            CallId = call.Id,
            Number = call[call[CallFields.Direction] as string == CallDirection.Outbound ? CallFields.ToNumber : CallFields.FromNumber] as string,
            Status = CallCenterService.Status(call),
            Queue = call[CallFields.Queue] as string,
            Matches = matches,
            BestMatch = best,
            Account = account,
            Contact = contact,
            RecentOrders = orders,
            OpenCases = cases,
            LastInteractions = interactions,
        };

        static void Check(int count, string name)
        {
            if (count is < 0 or > RecordQuery.MaxPageSize)
            {
                throw new ArgumentOutOfRangeException(nameof(options), count, $"ScreenPopOptions.{name} must be 0 to {RecordQuery.MaxPageSize}.");
            }
        }
    }

    private async Task<IReadOnlyList<PopOrder>> OrdersAsync(string field, Guid ownerId, int count, CancellationToken cancellationToken)
    {
        var orders = (await Records.QueryAsync(RecordQuery.For(Order).Where(field, ownerId).OrderByDescending(OrderDate).OrderByDescending("createdAt").Take(count), cancellationToken).ConfigureAwait(false)).Records;
        if (orders.Count == 0)
        {
            return [];
        }

        var lines = await Records.ReadAllAsync(RecordQuery.For(OrderLine).Where(OrderId, FilterOperator.In, orders.Select(o => o.Id).ToList()).OrderBy(LineNumber), cancellationToken).ConfigureAwait(false);
        var byOrder = lines.ToLookup(l => l[OrderId] as Guid?);
        return orders.Select(o => new PopOrder(
            o.Id,
            o[OrderNumber] as string,
            o[OrderDate] as DateTimeOffset?,
            o[OrderStatusField] as string,
            o[TotalAmount] as decimal?,
            byOrder[o.Id].Select(l => new PopOrderLine(
                l.Id,
                l[LineNumber] as decimal?,
                l[ProductId] as Guid?,
                l[ProductName] as string,
                l[Sku] as string,
                l[SerialNumber] as string,
                l[Barcode] as string,
                l[ShipDate] as DateOnly?,
                l[WarrantyUntil] as DateOnly?)).ToList())).ToList();
    }

    private async Task<IReadOnlyList<PopCase>> OpenCasesAsync(string field, Guid ownerId, int count, CancellationToken cancellationToken)
    {
        var query = RecordQuery.For(Case).Where(field, ownerId);
        foreach (var closed in ClosedCaseStatuses)
        {
            query = query.Where(CaseStatusField, FilterOperator.NotEqual, closed);
        }

        // Cases with an SLA due date first, the soonest due on top; then those without one, newest first.
        var cases = (await Records.QueryAsync(query.Where(SlaDueAt, FilterOperator.IsNotNull).OrderBy(SlaDueAt).Take(count), cancellationToken).ConfigureAwait(false)).Records.ToList();
        if (cases.Count < count)
        {
            cases.AddRange((await Records.QueryAsync(query.Where(SlaDueAt, FilterOperator.IsNull).OrderByDescending("createdAt").Take(count - cases.Count), cancellationToken).ConfigureAwait(false)).Records);
        }

        return cases.Select(c => new PopCase(c.Id, c[CaseNumber] as string, c[CaseSubject] as string, c[CasePriority] as string, c[CaseStatusField] as string, c[SlaDueAt] as DateTimeOffset?)).ToList();
    }

    private async Task<(CrmRecord? Account, CrmRecord? Contact)> CustomerOfAsync(CallerMatch? best, CancellationToken cancellationToken)
    {
        if (best is null)
        {
            return (null, null);
        }

        if (best.EntityType == CoreEntities.Account)
        {
            return (await Records.GetAsync(CoreEntities.Account, best.Id, cancellationToken).ConfigureAwait(false), null);
        }

        var contact = await Records.GetAsync(CoreEntities.Contact, best.Id, cancellationToken).ConfigureAwait(false);
        var account = best.AccountId is { } accountId ? await Records.GetAsync(CoreEntities.Account, accountId, cancellationToken).ConfigureAwait(false) : null;
        return (account, contact);
    }

    /// <summary>
    /// The best match: the first contact (in the core's ranking: exact number before a match on the last digits, then by
    /// name) that belongs to an account; else the first match of that ranking (a contact without account, or an account).
    /// </summary>
    internal static CallerMatch? Best(IReadOnlyList<CallerMatch> matches) =>
        matches.FirstOrDefault(m => m.EntityType == CoreEntities.Contact && m.AccountId is not null) ?? (matches.Count == 0 ? null : matches[0]);

    private static CallerMatch ToMatch(CrmRecord record) =>
        new(record.EntityType, record.Id, record["name"] as string, record.EntityType == CoreEntities.Account ? record.Id : record[ContactFields.AccountId] as Guid?);

    private async Task<CrmRecord> GetCallAsync(Guid callId, CancellationToken cancellationToken) =>
        await Records.GetAsync(CallCenterEntities.Call, callId, cancellationToken).ConfigureAwait(false) ?? throw new CrmNotFoundException(CallCenterEntities.Call, callId);

    private static string? PhoneOf(CrmRecord contact) =>
        new[] { ContactFields.Phone, ContactFields.MobilePhone, ContactFields.OtherPhone }.Select(f => contact[f] as string).FirstOrDefault(p => !string.IsNullOrWhiteSpace(p));

    private static CrmValidationException StatusError(CrmRecord call, string status, string verb, string why) =>
        new(new CrmValidationError(CallCenterEntities.Call, CallFields.Status, status, "state", $"call {call.Id} is {status} and cannot be {verb}: {why}."));

    private static decimal? Seconds(DateTimeOffset? start, DateTimeOffset end) =>
        start is null ? null : Math.Max(0m, Math.Round((decimal)(end - start.Value).TotalSeconds, 0, MidpointRounding.AwayFromZero));

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static void SetIfGiven(Dictionary<string, object?> values, string field, object? value)
    {
        if (value is not null)
        {
            values[field] = value;
        }
    }

    internal static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
