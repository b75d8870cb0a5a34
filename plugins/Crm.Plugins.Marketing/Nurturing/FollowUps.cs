using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Events;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Work;

namespace Crm.Plugins.Marketing.Nurturing;

/// <summary>
/// Nurturing follow-ups: a durable timer (event <see cref="EventName"/>) about a member, contact or lead; when it fires,
/// <see cref="FollowUpSender"/> notifies the person through the outbox.
/// </summary>
internal static class FollowUps
{
    public const string EventName = "marketing.followUp";
    public const string EntityTypeKey = "entityType";
    public const string TemplateKey = "template";
    public const string ChannelKey = "channel";
    private const string Request = "followUp";

    public static async Task<WorkTimer> ScheduleAsync(ICrmTenant tenant, ITenantWork work, TimeProvider clock, FollowUpRequest request, bool keepPending, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var targets = new (string EntityType, Guid? Id)[]
        {
            (MarketingEntities.CampaignMember, request.MemberId), (CoreEntities.Contact, request.ContactId), (MarketingEntities.Lead, request.LeadId),
        }.Where(t => t.Id is not null).ToList();
        if (targets.Count != 1)
        {
            throw new CrmValidationException(new CrmValidationError(Request, nameof(FollowUpRequest.MemberId), null, "target",
                "a follow-up is about exactly one campaign member, contact or lead: give one of MemberId, ContactId and LeadId."));
        }

        if (string.IsNullOrWhiteSpace(request.TemplateKey))
        {
            throw new CrmValidationException(new CrmValidationError(Request, nameof(FollowUpRequest.TemplateKey), request.TemplateKey, "required", "a follow-up needs the key of the notification template to send."));
        }

        if (await work.Templates.GetAsync(request.TemplateKey, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new CrmValidationException(new CrmValidationError(Request, nameof(FollowUpRequest.TemplateKey), request.TemplateKey, "not_found",
                $"no notification template '{request.TemplateKey}' exists in this tenant; save it first (Templates.SaveAsync)."));
        }

        var (entityType, id) = (targets[0].EntityType, targets[0].Id!.Value);
        _ = await tenant.Records.GetAsync(entityType, id, cancellationToken).ConfigureAwait(false) ?? throw new CrmNotFoundException(entityType, id);
        var key = request.Key ?? $"marketing:followUp:{id}:{request.TemplateKey}";
        if (keepPending && await work.Timers.GetAsync(key, cancellationToken).ConfigureAwait(false) is { State: WorkTimerState.Pending } pending)
        {
            return pending;
        }

        var calendar = await work.Calendars.GetAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        return await work.Timers.ScheduleAsync(new TimerRequest
        {
            Key = key,
            DueAt = request.After.AddTo(calendar, clock.GetUtcNow()),
            EventName = EventName,
            RecordId = id,
            Payload = new Dictionary<string, string?> { [EntityTypeKey] = entityType, [TemplateKey] = request.TemplateKey, [ChannelKey] = request.Channel },
        }, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>
/// Sends a due follow-up as the module (system caller <see cref="MarketingPlugin.Id"/>): a contact through the outbox on
/// their preferred channel (the outbox applies do-not-email/do-not-call and stores a suppressed notification with the
/// reason), a lead to its address after the module's own consent check (<c>marketingOptOut</c>). A member who opted out
/// of the campaign, or whose campaign was aborted, is skipped. The outcome is stored on the member
/// (<c>lastFollowUpResult</c>/<c>lastFollowUpNote</c>); a follow-up about a contact or lead that was not sent leaves a
/// note activity on it. Nothing is dropped silently. The notification's idempotency key is the timer's id, so a timer
/// fired twice (at-least-once) notifies once.
/// </summary>
internal sealed class FollowUpSender(ICrmEngine engine, IWorkServices workServices) : IDomainEventConsumer<DeadlineReached>
{
    public const string Queued = "queued";
    public const string Suppressed = "suppressed";
    public const string Failed = "failed";
    public const string Skipped = "skipped";

    public async Task HandleAsync(DeadlineReached domainEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domainEvent);
        if (domainEvent.EventName != FollowUps.EventName || domainEvent.RecordId is not { } recordId)
        {
            return;
        }

        var module = engine.AsModule(domainEvent.TenantId);
        var work = workServices.ForCaller(module.Caller);
        var entityType = domainEvent.Payload.GetValueOrDefault(FollowUps.EntityTypeKey) ?? CoreEntities.Contact;
        var template = domainEvent.Payload.GetValueOrDefault(FollowUps.TemplateKey) ?? string.Empty;
        var channel = domainEvent.Payload.GetValueOrDefault(FollowUps.ChannelKey);

        CrmRecord? member = null;
        CrmRecord? campaign = null;
        string result;
        string? note;
        CrmRecord? target;
        if (entityType == MarketingEntities.CampaignMember)
        {
            member = await module.Records.GetAsync(MarketingEntities.CampaignMember, recordId, cancellationToken).ConfigureAwait(false);
            if (member is null)
            {
                return; // the member was deleted: nobody to follow up, nothing to record it on
            }

            campaign = member.Id(CampaignMemberFields.CampaignId) is { } campaignId
                ? await module.Records.GetAsync(MarketingEntities.Campaign, campaignId, cancellationToken).ConfigureAwait(false)
                : null;
            target = member.Id(CampaignMemberFields.ContactId) is { } contactId
                ? await module.Records.GetAsync(CoreEntities.Contact, contactId, cancellationToken).ConfigureAwait(false)
                : member.Id(CampaignMemberFields.LeadId) is { } leadId ? await module.Records.GetAsync(MarketingEntities.Lead, leadId, cancellationToken).ConfigureAwait(false) : null;
        }
        else
        {
            target = await module.Records.GetAsync(entityType, recordId, cancellationToken).ConfigureAwait(false);
        }

        if (member?.Text(CampaignMemberFields.Status) == CampaignMemberStatus.OptedOut)
        {
            (result, note) = (Skipped, $"member {member.Id} opted out of the campaign; follow-up '{template}' not sent.");
        }
        else if (campaign?.Text(CampaignFields.Status) == CampaignStatus.Aborted)
        {
            (result, note) = (Skipped, $"campaign {campaign.Id} was aborted; follow-up '{template}' not sent.");
        }
        else if (target is null)
        {
            (result, note) = (Skipped, $"the {entityType} {recordId} no longer exists; follow-up '{template}' not sent.");
        }
        else
        {
            (result, note) = await SendAsync(work, domainEvent, target, campaign, template, channel, cancellationToken).ConfigureAwait(false);
        }

        if (member is not null)
        {
            var changes = new Dictionary<string, object?>
            {
                [CampaignMemberFields.LastFollowUpAt] = domainEvent.DueAt,
                [CampaignMemberFields.LastFollowUpResult] = result,
                [CampaignMemberFields.LastFollowUpNote] = note,
            };
            if (result == Queued && member.Text(CampaignMemberFields.Status) is null or CampaignMemberStatus.Targeted)
            {
                changes[CampaignMemberFields.Status] = CampaignMemberStatus.Sent;
            }

            await module.Records.UpdateAsync(MarketingEntities.CampaignMember, member.Id, null, changes, cancellationToken).ConfigureAwait(false);
        }
        else if (result != Queued && target is not null)
        {
            await module.Records.CreateAsync(CoreEntities.Activity, new Dictionary<string, object?>
            {
                [ActivityFields.Subject] = $"Follow-up '{template}' not sent ({result})",
                [ActivityFields.ActivityType] = ActivityTypes.Note,
                [ActivityFields.Regarding] = new RecordRef(target.EntityType, target.Id),
                [ActivityFields.Description] = note,
                [ActivityFields.OccurredAt] = domainEvent.DueAt,
            }, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<(string Result, string? Note)> SendAsync(
        ITenantWork work, DeadlineReached due, CrmRecord target, CrmRecord? campaign, string template, string? channel, CancellationToken cancellationToken)
    {
        var isLead = target.EntityType == MarketingEntities.Lead;
        var data = new Dictionary<string, object?>
        {
            ["recipient"] = new Dictionary<string, object?>
            {
                ["name"] = string.Join(' ', new[] { target.Text(ContactFields.FirstName), target.Text(ContactFields.LastName) }.Where(n => n is not null)),
                ["firstName"] = target.Text(ContactFields.FirstName),
                ["lastName"] = target.Text(ContactFields.LastName),
            },
            [target.EntityType] = new Dictionary<string, object?>(target.Values, StringComparer.Ordinal),
        };
        if (campaign is not null)
        {
            data["campaign"] = new Dictionary<string, object?>(campaign.Values, StringComparer.Ordinal);
        }

        NotificationRecipient recipient;
        string useChannel;
        if (isLead)
        {
            if (target.Flag(LeadMarketingFields.MarketingOptOut))
            {
                return (Suppressed, $"lead {target.Id} opted out of marketing (marketingOptOut); follow-up '{template}' not sent.");
            }

            // A lead has no preferred channel: e-mail unless a phone channel was asked for.
            useChannel = channel is null or Notification.PreferredChannel ? CampaignChannel.Email : channel;
            var phoneChannel = useChannel is CampaignChannel.Sms or CampaignChannel.Phone;
            var address = phoneChannel ? target.Text(SalesNames.LeadPhone) : target.Text(SalesNames.LeadEmail);
            if (address is null)
            {
                return (Failed, $"lead {target.Id} has no {(phoneChannel ? "phone number" : "e-mail address")} for channel '{useChannel}'; follow-up '{template}' not sent.");
            }

            recipient = NotificationRecipient.ToAddress(address);
        }
        else
        {
            useChannel = channel ?? Notification.PreferredChannel;
            recipient = NotificationRecipient.Contact(target.Id);
        }

        try
        {
            var state = await work.Notifications.EnqueueAsync(new Notification
            {
                Recipient = recipient,
                Channel = useChannel,
                IdempotencyKey = $"marketing:followUp:{due.TimerId}",
                TemplateKey = template,
                Data = data,
                RecordId = target.Id,
            }, cancellationToken).ConfigureAwait(false);
            return state.Status switch
            {
                NotificationStatus.Suppressed => (Suppressed, state.LastError),
                NotificationStatus.Failed => (Failed, state.LastError),
                _ => (Queued, null),
            };
        }
        catch (CrmException ex)
        {
            // A broken template or an unknown channel: the follow-up cannot be sent; say why where people look.
            return (Failed, $"follow-up '{template}' could not be queued: {ex.Message}");
        }
    }
}
