using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Events;
using Crm.Engine.Abstractions.Pipeline;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Tenancy;
using Crm.Engine.Abstractions.Work;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Plugins.Service;

/// <summary>
/// The case's life cycle, whoever changes it (the API, a rule, a user through the generic record API): defaults on
/// create, <see cref="CaseOpened"/>; on resolving or closing, resolvedAt/closedAt, the final SLA state and the SLA
/// timers cancelled; events for plan submission, SLA warning and breach, and resolution.
/// </summary>
internal sealed class CaseHandler(IWorkServices works, TimeProvider clock) : IPipelineHandler
{
    public async Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var target = context.Target;
        switch (context.Message, context.Stage)
        {
            case (PipelineMessages.Create, PipelineStage.PreValidation):
                if (!target.TryGetValue(CaseFields.Status, out var status) || status is null)
                {
                    target[CaseFields.Status] = CaseStatus.New;
                }

                if (!target.TryGetValue(CaseFields.OpenedAt, out var opened) || opened is null)
                {
                    target[CaseFields.OpenedAt] = now;
                }

                break;

            case (PipelineMessages.Create, PipelineStage.PostOperation):
                var created = context.PostImage!;
                context.QueueEvent(new CaseOpened(context.Caller.TenantId, now, created.Id, created[CaseFields.CaseNumber] as string,
                    created[CaseFields.AccountId] as Guid?, created[CaseFields.Category] as string, created[CaseFields.Priority] as string));
                break;

            case (PipelineMessages.Update, PipelineStage.PreOperation):
                await OnUpdateAsync(context, now, cancellationToken).ConfigureAwait(false);
                break;
        }
    }

    private async Task OnUpdateAsync(IPipelineContext context, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var target = context.Target;
        var before = context.PreImage!;
        object? Value(string field) => target.TryGetValue(field, out var v) ? v : before[field];
        var tenantId = context.Caller.TenantId;

        var newStatus = target.TryGetValue(CaseFields.Status, out var s) ? s as string : null;
        var oldStatus = before[CaseFields.Status] as string;
        if (newStatus is CaseStatus.Resolved or CaseStatus.Closed && !ServiceRules.IsFinished(oldStatus))
        {
            if (Value(CaseFields.ResolvedAt) is null)
            {
                target[CaseFields.ResolvedAt] = now;
            }

            if (Value(CaseFields.SlaDueAt) is DateTimeOffset due)
            {
                var resolvedAt = (DateTimeOffset)Value(CaseFields.ResolvedAt)!;
                target[CaseFields.SlaState] = before[CaseFields.SlaState] as string == SlaState.Breached || resolvedAt > due ? SlaState.Breached : SlaState.Met;
            }

            var timers = works.ForContext(context).Timers;
            await timers.CancelAsync(ServiceRules.WarningKey(context.RecordId), cancellationToken).ConfigureAwait(false);
            await timers.CancelAsync(ServiceRules.BreachKey(context.RecordId), cancellationToken).ConfigureAwait(false);
            context.QueueEvent(new CaseResolved(tenantId, now, context.RecordId, Value(CaseFields.Resolution) as string, Value(CaseFields.SlaState) as string));
        }

        if (newStatus == CaseStatus.Closed && oldStatus != CaseStatus.Closed && Value(CaseFields.ClosedAt) is null)
        {
            target[CaseFields.ClosedAt] = now;
        }

        if (target.TryGetValue(CaseFields.SlaState, out var sla) && sla as string != before[CaseFields.SlaState] as string)
        {
            var due = Value(CaseFields.SlaDueAt) as DateTimeOffset?;
            if (sla as string == SlaState.Warning)
            {
                context.QueueEvent(new SlaWarning(tenantId, now, context.RecordId, due));
            }
            else if (sla as string == SlaState.Breached)
            {
                context.QueueEvent(new SlaBreached(tenantId, now, context.RecordId, due));
            }
        }

        if (target.TryGetValue(CaseFields.PlanSubmitted, out var submitted) && submitted is true && before[CaseFields.PlanSubmitted] is not true)
        {
            context.QueueEvent(new CasePlanSubmitted(tenantId, now, context.RecordId, Value(CaseFields.Plan) as string));
        }
    }
}

/// <summary>
/// A task activity about a case was completed: the case's owner (the service agent) and the holders of the service
/// manager role for the case are notified through the outbox, in the completing change's transaction, once per task.
/// </summary>
internal sealed class TaskCompletedHandler(IWorkServices works, IServiceProvider services, TimeProvider clock, ServiceDeskOptions options) : IPipelineHandler
{
    public async Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
    {
        var after = context.PostImage;
        if (after is null
            || after[ActivityFields.Status] as string != ActivityStatuses.Completed
            || context.PreImage?[ActivityFields.Status] as string == ActivityStatuses.Completed
            || after[ActivityFields.ActivityType] as string != ActivityTypes.Task
            || after[ActivityFields.Regarding] is not RecordRef { EntityType: ServiceEntities.Case } regarding)
        {
            return;
        }

        // Who completes a task may not see the case (e.g. a procurement manager's task): the module reads the case and
        // the users as the system, and notifies as the tenant's automation (ForContext), in the task's transaction.
        var system = services.GetRequiredService<ICrmEngine>().ForTenant(CallerContext.System(context.Caller.TenantId, ServicePlugin.Id));
        var @case = await context.Records.GetAsync(ServiceEntities.Case, regarding.Id, cancellationToken).ConfigureAwait(false)
            ?? await system.Records.GetAsync(ServiceEntities.Case, regarding.Id, cancellationToken).ConfigureAwait(false);
        if (@case is null)
        {
            return;
        }

        var work = works.ForContext(context);
        var recipients = new List<Guid>();
        if (@case.OwnerId is { } owner && await system.Organization.GetUserAsync(owner, cancellationToken).ConfigureAwait(false) is { IsActive: true })
        {
            recipients.Add(owner);
        }

        var roles = await system.Organization.ListRolesAsync(cancellationToken).ConfigureAwait(false);
        if (roles.Any(r => r.Key == options.ServiceManagerRole))
        {
            foreach (var holder in await work.Responsibility.ResolveRoleHoldersAsync(options.ServiceManagerRole, @case.Id, cancellationToken).ConfigureAwait(false))
            {
                if (!recipients.Contains(holder.Id))
                {
                    recipients.Add(holder.Id);
                }
            }
        }

        var number = @case[CaseFields.CaseNumber] as string ?? @case.Id.ToString("D");
        var subject = after[ActivityFields.Subject] as string;
        // Empty values are empty text: the core's templates are strict and treat nil as an undefined variable.
        var template = await work.Templates.GetAsync(options.TaskCompletedTemplate, cancellationToken).ConfigureAwait(false);
        var data = new Dictionary<string, object?>
        {
            ["case"] = new Dictionary<string, object?>
            {
                ["id"] = @case.Id,
                ["number"] = number,
                ["subject"] = @case[CaseFields.Subject] ?? string.Empty,
                ["status"] = @case[CaseFields.Status] ?? string.Empty,
                ["priority"] = @case[CaseFields.Priority] ?? string.Empty,
                ["accountId"] = @case[CaseFields.AccountId] ?? string.Empty,
            },
            ["task"] = new Dictionary<string, object?>
            {
                ["id"] = after.Id,
                ["subject"] = subject ?? string.Empty,
                ["dueAt"] = after[ActivityFields.DueAt] ?? string.Empty,
                ["ownerId"] = after.OwnerId is { } taskOwner ? taskOwner : string.Empty,
                ["completedAt"] = clock.GetUtcNow(),
                ["completedBy"] = context.Caller.UserId is { } by ? by : string.Empty,
            },
        };
        foreach (var user in recipients)
        {
            await work.Notifications.EnqueueAsync(new Notification
            {
                Recipient = NotificationRecipient.User(user),
                Channel = Notification.PreferredChannel,
                IdempotencyKey = $"service:taskCompleted:{after.Id:D}:{user:D}",
                TemplateKey = template is null ? null : options.TaskCompletedTemplate,
                Subject = template is null ? $"Task completed on case {number}: {subject}" : null,
                Body = template is null ? $"The task '{subject}' of case {number} ({@case[CaseFields.Subject]}) was completed." : null,
                Data = data,
                RecordId = @case.Id,
            }, cancellationToken).ConfigureAwait(false);
        }

        context.QueueEvent(new CaseTaskCompleted(context.Caller.TenantId, clock.GetUtcNow(), @case.Id, after.Id, subject, recipients));
    }
}

/// <summary>Publishes <see cref="PreventiveMeasureReviewed"/> when a measure becomes approved or rejected.</summary>
internal sealed class MeasureHandler(TimeProvider clock) : IPipelineHandler
{
    public Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
    {
        var after = context.PostImage;
        var status = after?[PreventiveMeasureFields.Status] as string;
        if (after is not null && status is MeasureStatus.Approved or MeasureStatus.Rejected && context.PreImage?[PreventiveMeasureFields.Status] as string != status)
        {
            context.QueueEvent(new PreventiveMeasureReviewed(context.Caller.TenantId, clock.GetUtcNow(), after.Id, after[PreventiveMeasureFields.CaseId] as Guid?, status,
                Guid.TryParse(after[PreventiveMeasureFields.ReviewedBy] as string, out var reviewer) ? reviewer : null, after[PreventiveMeasureFields.ReviewComment] as string));
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// The SLA timers fired: a case that is not resolved, closed or cancelled gets <see cref="SlaState.Warning"/> or
/// <see cref="SlaState.Breached"/> (the case handler then publishes <see cref="SlaWarning"/> / <see cref="SlaBreached"/>,
/// and rule packs see the change). Safe to receive twice (at-least-once timers): a state already reached is kept.
/// </summary>
internal sealed class SlaTimerConsumer(IServiceProvider services) : IDomainEventConsumer<DeadlineReached>
{
    public async Task HandleAsync(DeadlineReached domainEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domainEvent);
        if (!ServiceRules.IsSlaTimer(domainEvent.TimerKey) || domainEvent.RecordId is not { } caseId)
        {
            return;
        }

        var tenant = services.GetRequiredService<ICrmEngine>().ForTenant(new CallerContext(domainEvent.TenantId, null, OperationSource.Plugin, $"{ServicePlugin.Id}/sla"));
        var @case = await tenant.Records.GetAsync(ServiceEntities.Case, caseId, cancellationToken).ConfigureAwait(false);
        if (@case is null || ServiceRules.IsFinished(@case))
        {
            return;
        }

        var state = @case[CaseFields.SlaState] as string;
        var next = domainEvent.EventName switch
        {
            ServiceRules.WarningEvent when state is null or SlaState.OnTrack => SlaState.Warning,
            ServiceRules.BreachEvent when state is not SlaState.Breached => SlaState.Breached,
            _ => null,
        };
        if (next is not null)
        {
            await tenant.Records.UpdateAsync(ServiceEntities.Case, caseId, @case.Version, new Dictionary<string, object?> { [CaseFields.SlaState] = next }, cancellationToken).ConfigureAwait(false);
        }
    }
}
