using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Work;
using Crm.Engine.Organization;
using Crm.Engine.Work.Calendars;
using Crm.Engine.Work.Notifications;
using Crm.Engine.Work.Queues;
using Crm.Engine.Work.Timers;
using Dapper;

namespace Crm.Engine.Work;

/// <summary>The typed rule actions; each is one operation in the caller's transaction (or its own).</summary>
internal sealed class WorkActions(
    WorkContext context,
    BusinessCalendarService calendars,
    WorkTimerService timers,
    NotificationOutbox notifications,
    WorkQueueService queues,
    ResponsibilityService responsibility) : IWorkActions
{
    public Task<QueueItem> AssignToQueueAsync(AssignToQueueParameters parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return context.WriteAsync(async scope =>
        {
            var queue = await queues.FindByNameAsync(scope.Connection, scope.Transaction, parameters.Queue, cancellationToken).ConfigureAwait(false)
                ?? throw new CrmValidationException(new CrmValidationError("queue", "name", parameters.Queue, "not_found", $"no queue named '{parameters.Queue}' exists in this tenant."));
            return await queues.RouteInScopeAsync(scope, queue.Id, parameters.RecordId, parameters.Skill, parameters.Language, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
    }

    public Task AssignToUserAsync(AssignToUserParameters parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return context.WriteAsync(async scope =>
        {
            var user = await UserIdAsync(scope, parameters.UserName, cancellationToken).ConfigureAwait(false);
            return await context.Records(scope).AssignAsync(parameters.EntityType, parameters.RecordId, user, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
    }

    public Task<IReadOnlyList<NotificationState>> NotifyRolesAsync(NotifyRolesParameters parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return context.WriteAsync<IReadOnlyList<NotificationState>>(async scope =>
        {
            await context.EnsureRecordAsync(scope.Connection, scope.Transaction, context.AccessOf(scope), parameters.RecordId, Abstractions.Security.RecordPrivilege.Read, cancellationToken).ConfigureAwait(false);
            var results = new List<NotificationState>();
            var notified = new HashSet<Guid>();
            foreach (var role in parameters.Roles)
            {
                foreach (var user in await responsibility.ResolveAsync(scope.Connection, scope.Transaction, role, parameters.RecordId, cancellationToken).ConfigureAwait(false))
                {
                    if (!notified.Add(user.Id))
                    {
                        continue;
                    }

                    results.Add(await notifications.EnqueueInScopeAsync(scope, new Notification
                    {
                        Recipient = NotificationRecipient.User(user.Id),
                        Channel = parameters.Channel,
                        IdempotencyKey = $"{parameters.IdempotencyKey}:{user.Id:D}",
                        TemplateKey = parameters.TemplateKey,
                        Data = WithRecipient(parameters.Data, user.DisplayName, role),
                        RecordId = parameters.RecordId,
                    }, cancellationToken).ConfigureAwait(false));
                }
            }

            return results;
        }, cancellationToken);
    }

    public Task<NotificationState> NotifyUserAsync(NotifyUserParameters parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return context.WriteAsync(async scope =>
        {
            var user = await UserIdAsync(scope, parameters.UserName, cancellationToken).ConfigureAwait(false);
            return await notifications.EnqueueInScopeAsync(scope, new Notification
            {
                Recipient = NotificationRecipient.User(user),
                Channel = parameters.Channel,
                IdempotencyKey = parameters.IdempotencyKey,
                TemplateKey = parameters.TemplateKey,
                Data = parameters.Data ?? new Dictionary<string, object?>(),
                RecordId = parameters.RecordId,
            }, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
    }

    public async Task<WorkTimer> StartTimerAsync(StartTimerParameters parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var calendar = await calendars.GetAsync(parameters.Calendar, cancellationToken).ConfigureAwait(false);
        var due = calendar.AddBusinessTime(parameters.From ?? context.Now, parameters.After);
        return await timers.ScheduleAsync(new TimerRequest
        {
            Key = parameters.Key,
            EventName = parameters.EventName,
            RecordId = parameters.RecordId,
            DueAt = due,
            Payload = parameters.Payload ?? new Dictionary<string, string?>(),
        }, cancellationToken).ConfigureAwait(false);
    }

    public Task<bool> CancelTimerAsync(string key, CancellationToken cancellationToken = default) => timers.CancelAsync(key, cancellationToken);

    public Task<Guid> CreateTaskAsync(CreateTaskParameters parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return context.WriteAsync(async scope =>
        {
            var records = context.Records(scope);
            var created = await records.CreateAsync(CoreEntities.Activity, new Dictionary<string, object?>
            {
                [ActivityFields.Subject] = parameters.Subject,
                [ActivityFields.ActivityType] = ActivityTypes.Task,
                [ActivityFields.Status] = ActivityStatuses.Open,
                [ActivityFields.Regarding] = new Abstractions.Records.RecordRef(parameters.RegardingType, parameters.RegardingId),
                [ActivityFields.DueAt] = parameters.DueAt.ToUniversalTime(),
                [ActivityFields.OccurredAt] = context.Now,
                [ActivityFields.Description] = parameters.Description,
            }, new Abstractions.Records.CreateOptions { OwnerId = parameters.OwnerId }, cancellationToken).ConfigureAwait(false);
            return created.Id;
        }, cancellationToken);
    }

    public Task SetFieldAsync(SetFieldParameters parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return context.WriteAsync(scope => context.Records(scope).UpdateAsync(parameters.EntityType, parameters.RecordId, null,
            new Dictionary<string, object?> { [parameters.Field] = parameters.Value }, cancellationToken), cancellationToken);
    }

    private static Dictionary<string, object?> WithRecipient(IReadOnlyDictionary<string, object?>? data, string name, string role)
    {
        var result = data is null ? [] : new Dictionary<string, object?>(data);
        result.TryAdd("recipient", new Dictionary<string, object?> { ["name"] = name, ["role"] = role });
        return result;
    }

    private async Task<Guid> UserIdAsync(Pipeline.OperationScope scope, string userName, CancellationToken cancellationToken)
    {
        var id = await scope.Connection.ExecuteScalarAsync<object?>(new CommandDefinition(
            "SELECT id FROM users WHERE tenant_id = @tenant AND user_name = @name COLLATE NOCASE", new { tenant = context.TenantId, name = userName }, scope.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return Storage.DbValues.ToNullableGuid(id) ?? throw new CrmValidationException(new CrmValidationError("user", "userName", userName, "not_found", $"no user named '{userName}' exists in this tenant."));
    }
}
