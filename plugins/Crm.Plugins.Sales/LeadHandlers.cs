using System.Text;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Pipeline;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Work;

namespace Crm.Plugins.Sales;

/// <summary>The lead lifecycle: which status may follow which.</summary>
internal static class LeadLifecycle
{
    private static readonly Dictionary<string, string[]> Allowed = new(StringComparer.Ordinal)
    {
        [LeadStatus.New] = [LeadStatus.Working, LeadStatus.Qualified, LeadStatus.Disqualified],
        [LeadStatus.Working] = [LeadStatus.Qualified, LeadStatus.Disqualified],
        [LeadStatus.Qualified] = [LeadStatus.Converted, LeadStatus.Working, LeadStatus.Disqualified],
        [LeadStatus.Disqualified] = [LeadStatus.Working],
        [LeadStatus.Converted] = [],
    };

    public static IReadOnlyList<string> Next(string from) => Allowed.TryGetValue(from, out var next) ? next : [];

    public static bool CanMove(string from, string to) => Next(from).Contains(to, StringComparer.Ordinal);

    /// <summary>Digits of a phone number with a leading + kept; <see langword="null"/> when fewer than 5 digits.</summary>
    public static string? PhoneKey(string? phone)
    {
        if (string.IsNullOrWhiteSpace(phone))
        {
            return null;
        }

        var builder = new StringBuilder();
        var trimmed = phone.Trim();
        if (trimmed.StartsWith('+'))
        {
            builder.Append('+');
        }
        else if (trimmed.StartsWith("00", StringComparison.Ordinal))
        {
            builder.Append('+');
            trimmed = trimmed[2..];
        }

        foreach (var c in trimmed.Where(char.IsAsciiDigit))
        {
            builder.Append(c);
        }

        return builder.Length - (builder[0] == '+' ? 1 : 0) >= 5 ? builder.ToString() : null;
    }
}

/// <summary>What <see cref="ISalesTenant.ConvertLeadAsync"/> hands the lead's update handler (same async flow).</summary>
internal sealed class ConversionRequest(Guid leadId, LeadConversionOptions options)
{
    public static readonly AsyncLocal<ConversionRequest?> Current = new();

    public Guid LeadId { get; } = leadId;

    public LeadConversionOptions Options { get; } = options;

    public bool AccountCreated { get; set; }
}

/// <summary>
/// Lead rules on every create and update, whatever the way in: default and allowed statuses, the lifecycle's
/// transitions, the disqualification reason, the phone key and the status stamps.
/// </summary>
internal sealed class LeadValidationHandler(TimeProvider clock) : IPipelineHandler
{
    public Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
    {
        var target = context.Target;
        var now = clock.GetUtcNow();
        var isCreate = context.PreImage is null;
        var before = context.PreImage?.Text(LeadFields.Status);

        if (isCreate && (!target.TryGetValue(LeadFields.Status, out var given) || given is null))
        {
            target[LeadFields.Status] = LeadStatus.New;
        }

        if (target.TryGetValue(LeadFields.Status, out var value) && value is string status && !string.Equals(status, before, StringComparison.Ordinal))
        {
            if (isCreate && status == LeadStatus.Converted)
            {
                throw new CrmValidationException(new CrmValidationError(SalesEntities.Lead, LeadFields.Status, status, "lead_status",
                    "a lead cannot be created converted; create it and convert it with ISalesTenant.ConvertLeadAsync."));
            }

            if (before is not null && !LeadLifecycle.CanMove(before, status))
            {
                var next = LeadLifecycle.Next(before);
                throw new CrmValidationException(new CrmValidationError(SalesEntities.Lead, LeadFields.Status, status, "lead_status",
                    $"a lead cannot go from '{before}' to '{status}'; from '{before}' it may go to: {(next.Count == 0 ? "nothing (it is final)" : string.Join(", ", next))}."));
            }

            if (status == LeadStatus.Disqualified)
            {
                var reason = target.TryGetValue(LeadFields.DisqualifiedReason, out var r) ? r as string : context.PreImage?.Text(LeadFields.DisqualifiedReason);
                if (string.IsNullOrWhiteSpace(reason))
                {
                    throw new CrmValidationException(new CrmValidationError(SalesEntities.Lead, LeadFields.DisqualifiedReason, null, "required",
                        "a reason is required to disqualify a lead."));
                }
            }

            target[LeadFields.StatusChangedAt] = now;
        }

        if (target.TryGetValue(LeadFields.Email, out var email) && email is string text && text.Trim() != text)
        {
            target[LeadFields.Email] = text.Trim();
        }

        if (target.TryGetValue(LeadFields.Phone, out var phone))
        {
            target[LeadFields.PhoneKey] = LeadLifecycle.PhoneKey(phone as string);
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// Converts a lead when its status becomes converted: creates (or uses) the account, creates the contact and the
/// opportunity through <see cref="IPipelineContext.Records"/>, so everything joins the lead's transaction and is
/// checked against the caller's access; any failure rolls all of it back.
/// </summary>
internal sealed class LeadConversionHandler(TimeProvider clock) : IPipelineHandler
{
    public async Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
    {
        if (context.PreImage is not { } lead
            || !context.Target.TryGetValue(LeadFields.Status, out var status) || status is not LeadStatus.Converted
            || lead.Text(LeadFields.Status) == LeadStatus.Converted)
        {
            return;
        }

        var request = ConversionRequest.Current.Value is { } pending && pending.LeadId == context.RecordId ? pending : null;
        var options = request?.Options ?? new LeadConversionOptions();
        string? Value(string field) => context.Target.TryGetValue(field, out var v) ? v as string : lead.Text(field);
        var company = Value(LeadFields.Company);
        var owner = new CreateOptions { OwnerId = lead.OwnerId };

        Guid accountId;
        if (options.AccountId is { } existing)
        {
            _ = await context.Records.GetAsync(CoreEntities.Account, existing, cancellationToken).ConfigureAwait(false)
                ?? throw new CrmValidationException(new CrmValidationError(SalesEntities.Lead, nameof(LeadConversionOptions.AccountId), existing, "not_found",
                    $"the account {existing} given to convert lead {context.RecordId} does not exist or you may not read it."));
            accountId = existing;
        }
        else
        {
            if (string.IsNullOrWhiteSpace(company))
            {
                throw new CrmValidationException(new CrmValidationError(SalesEntities.Lead, LeadFields.Company, null, "required",
                    "a lead without a company can only be converted into an existing account (LeadConversionOptions.AccountId)."));
            }

            var account = await context.Records.CreateAsync(CoreEntities.Account, new Dictionary<string, object?> { [AccountFields.Name] = company.Trim() }, owner, cancellationToken).ConfigureAwait(false);
            accountId = account.Id;
            request?.AccountCreated = true;
        }

        var contact = await context.Records.CreateAsync(
            CoreEntities.Contact,
            new Dictionary<string, object?>
            {
                [ContactFields.FirstName] = Value(LeadFields.FirstName),
                [ContactFields.LastName] = Value(LeadFields.LastName),
                [ContactFields.Email] = Value(LeadFields.Email),
                [ContactFields.Phone] = Value(LeadFields.Phone),
                [ContactFields.AccountId] = accountId,
            },
            owner,
            cancellationToken).ConfigureAwait(false);

        Guid? opportunityId = null;
        if (options.CreateOpportunity)
        {
            var name = options.OpportunityName ?? $"{(string.IsNullOrWhiteSpace(company) ? "Opportunity" : company.Trim())} - {Value(LeadFields.LastName)}";
            var values = new Dictionary<string, object?>
            {
                [OpportunityFields.Name] = name,
                [OpportunityFields.AccountId] = accountId,
                [OpportunityFields.ContactId] = contact.Id,
                [OpportunityFields.LeadId] = context.RecordId,
                [OpportunityFields.LeadSource] = Value(LeadFields.Source),
            };
            if (options.Amount is { } amount)
            {
                values[OpportunityFields.Amount] = amount;
            }

            if (options.CloseDate is { } closeDate)
            {
                values[OpportunityFields.CloseDate] = closeDate;
            }

            opportunityId = (await context.Records.CreateAsync(SalesEntities.Opportunity, values, owner, cancellationToken).ConfigureAwait(false)).Id;
        }

        var now = clock.GetUtcNow();
        context.Target[LeadFields.ConvertedAccountId] = accountId;
        context.Target[LeadFields.ConvertedContactId] = contact.Id;
        context.Target[LeadFields.ConvertedOpportunityId] = opportunityId;
        context.Target[LeadFields.ConvertedAt] = now;
        context.QueueEvent(new LeadConverted(context.Caller.TenantId, now, context.RecordId, accountId, contact.Id, opportunityId));
    }
}

/// <summary>After a lead is written: publishes <see cref="LeadCaptured"/> and routes it to the work queue named in <see cref="LeadFields.AssignedQueue"/>.</summary>
internal sealed class LeadRoutingHandler(TimeProvider clock, IWorkServices work) : IPipelineHandler
{
    public async Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
    {
        if (context.PostImage is not { } lead)
        {
            return;
        }

        if (context.PreImage is null)
        {
            context.QueueEvent(new LeadCaptured(context.Caller.TenantId, clock.GetUtcNow(), lead));
        }

        if (context.Target.TryGetValue(LeadFields.AssignedQueue, out var value) && value is string { Length: > 0 } queueName
            && !string.Equals(queueName, context.PreImage?.Text(LeadFields.AssignedQueue), StringComparison.Ordinal))
        {
            var queues = work.ForContext(context).Queues;
            var queue = await queues.FindQueueAsync(queueName, cancellationToken).ConfigureAwait(false)
                ?? throw new CrmValidationException(new CrmValidationError(SalesEntities.Lead, LeadFields.AssignedQueue, queueName, "unknown_queue",
                    $"there is no work queue named '{queueName}'."));
            await queues.RouteAsync(queue.Id, context.RecordId, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }
}
