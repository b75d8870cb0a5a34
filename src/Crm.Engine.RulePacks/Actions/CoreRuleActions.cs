using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Rules;
using Crm.Engine.Abstractions.Work;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Crm.Engine.RulePacks.Actions;

/// <summary>
/// The actions the engine itself offers to rule packs: <c>log</c> and the work actions of <see cref="IWorkActions"/>
/// (<c>setField</c>, <c>assignToQueue</c>, <c>assignToUser</c>, <c>notifyRoles</c>, <c>notifyUser</c>,
/// <c>startTimer</c>, <c>cancelTimer</c>, <c>createTask</c>).
/// </summary>
internal static partial class CoreRuleActions
{
    public static IEnumerable<RuleActionDefinition> All()
    {
        yield return new RuleActionDefinition
        {
            Name = "log",
            Description = "Writes a line to the engine's log (category Crm.Engine.RulePacks.Rules) with the rule, the rule-base version and the message. Useful to trace a pack while testing it.",
            Parameters =
            [
                new("message", RuleParameterType.Text, true, "The text to log. Prefix with '=' to compute it, e.g. '=\"urgent: \" + case.subject'."),
                new("level", RuleParameterType.Text, false, "information (default), warning or error."),
            ],
            Handler = ctx =>
            {
                var logger = ctx.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Crm.Engine.RulePacks.Rules");
                var level = ctx.GetParameter<string>("level") switch
                {
                    "warning" => LogLevel.Warning,
                    "error" => LogLevel.Error,
                    _ => LogLevel.Information,
                };
                var message = ctx.GetParameter<string>("message");
                LogRuleMessage(logger, level, ctx.TenantId, ctx.RuleName, ctx.RuleBaseVersion, message);
                return Task.CompletedTask;
            },
        };

        yield return new RuleActionDefinition
        {
            Name = "setField",
            Description = "Sets one field of a matched record through the record pipeline (validated against the field's metadata; audited as a rule change).",
            Parameters =
            [
                new("record", RuleParameterType.Record, true, "The alias of the record to change, e.g. case."),
                new("field", RuleParameterType.Text, true, "The field's API name, e.g. slaHours_c."),
                new("value", RuleParameterType.Any, true, "The new value: a literal, or an expression prefixed with '=' (e.g. '=case.amount * 2')."),
            ],
            // Through the record pipeline as the rule (rule:<name>@v<version>), so the audit trail names the rule.
            Handler = ctx =>
            {
                var record = Record(ctx);
                return ctx.Tenant().Records.UpdateAsync(
                    record.EntityType, record.Id, null, new Dictionary<string, object?> { [ctx.GetParameter<string>("field")!] = ctx.Parameters.GetValueOrDefault("value") }, ctx.CancellationToken);
            },
        };

        yield return new RuleActionDefinition
        {
            Name = "assignToQueue",
            Description = "Routes a matched record to a work queue; the queue's strategy (round-robin, least-loaded) picks the assignee.",
            Parameters =
            [
                new("record", RuleParameterType.Record, true, "The alias of the record to route."),
                new("queue", RuleParameterType.Text, true, "The queue's name."),
                new("skill", RuleParameterType.Text, false, "A skill the assignee needs."),
                new("language", RuleParameterType.Text, false, "A language the assignee needs."),
            ],
            Handler = ctx => Work(ctx).AssignToQueueAsync(
                new AssignToQueueParameters(Record(ctx).Id, ctx.GetParameter<string>("queue")!, ctx.GetParameter<string>("skill"), ctx.GetParameter<string>("language")),
                ctx.CancellationToken),
        };

        yield return new RuleActionDefinition
        {
            Name = "assignToUser",
            Description = "Gives a matched record a new owner (through the record pipeline).",
            Parameters =
            [
                new("record", RuleParameterType.Record, true, "The alias of the record."),
                new("user", RuleParameterType.Text, true, "The new owner's log-in name."),
            ],
            Handler = async ctx =>
            {
                var record = Record(ctx);
                var tenant = ctx.Tenant();
                var userName = ctx.GetParameter<string>("user")!;
                var user = await tenant.Organization.FindUserAsync(userName, ctx.CancellationToken).ConfigureAwait(false)
                    ?? throw new CrmValidationException(new CrmValidationError("user", "userName", userName, "not_found", $"no user named '{userName}' exists in this tenant."));
                await tenant.Records.AssignAsync(record.EntityType, record.Id, user.Id, ctx.CancellationToken).ConfigureAwait(false);
            },
        };

        yield return new RuleActionDefinition
        {
            Name = "notifyRoles",
            Description = "Notifies every holder of the given roles for the record's customer (e.g. salesManager, qualityManager) on their preferred channel, through the outbox.",
            Parameters =
            [
                new("record", RuleParameterType.Record, true, "The alias of the record the roles are resolved for."),
                new("roles", RuleParameterType.TextList, true, "The role keys, e.g. [salesManager, qualityManager]."),
                new("template", RuleParameterType.Text, true, "The notification template's key."),
                new("channel", RuleParameterType.Text, false, "A channel (email, sms, im...) instead of each recipient's preferred one."),
                new("key", RuleParameterType.Text, false, "Idempotency key; by default '<rule>:<template>:<record id>' so a re-fired rule does not notify twice."),
            ],
            Handler = async ctx =>
            {
                var record = Record(ctx);
                var key = ctx.GetParameter<string>("key") ?? $"{ctx.RuleName}:{ctx.GetParameter<string>("template")}:{record.Id}";
                await Work(ctx).NotifyRolesAsync(
                    new NotifyRolesParameters(record.Id, ctx.GetParameter<IReadOnlyList<string>>("roles")!, ctx.GetParameter<string>("template")!, key, ctx.GetParameter<string>("channel") ?? Notification.PreferredChannel, await DataAsync(ctx, record).ConfigureAwait(false)),
                    ctx.CancellationToken).ConfigureAwait(false);
            },
        };

        yield return new RuleActionDefinition
        {
            Name = "notifyUser",
            Description = "Notifies one user on their preferred channel (or the given one), through the outbox.",
            Parameters =
            [
                new("user", RuleParameterType.Text, true, "The user's log-in name."),
                new("template", RuleParameterType.Text, true, "The notification template's key."),
                new("record", RuleParameterType.Record, false, "The alias of the record the notification is about."),
                new("channel", RuleParameterType.Text, false, "A channel instead of the user's preferred one."),
                new("key", RuleParameterType.Text, false, "Idempotency key; by default '<rule>:<template>:<user>:<record id>'."),
            ],
            Handler = async ctx =>
            {
                var record = ctx.GetParameter<CrmRecord>("record");
                var user = ctx.GetParameter<string>("user")!;
                var key = ctx.GetParameter<string>("key") ?? $"{ctx.RuleName}:{ctx.GetParameter<string>("template")}:{user}:{record?.Id}";
                await Work(ctx).NotifyUserAsync(
                    new NotifyUserParameters(user, ctx.GetParameter<string>("template")!, key, ctx.GetParameter<string>("channel") ?? Notification.PreferredChannel, record?.Id, record is null ? null : await DataAsync(ctx, record).ConfigureAwait(false)),
                    ctx.CancellationToken).ConfigureAwait(false);
            },
        };

        yield return new RuleActionDefinition
        {
            Name = "startTimer",
            Description = "Starts a durable timer on the tenant's business calendar: days(n)/weeks(n) are business days, other durations working time. When due, a DeadlineReached fact with this event name (and the record) is evaluated by the rules, unless the timer was cancelled.",
            Parameters =
            [
                new("event", RuleParameterType.Text, true, "The event name the DeadlineReached fact carries, e.g. planOverdue."),
                new("after", RuleParameterType.BusinessDuration, true, "Business time from now, e.g. days(2) (business days) or hours(48) (working hours)."),
                new("record", RuleParameterType.Record, false, "The alias of the record the timer is about."),
                new("calendar", RuleParameterType.Text, false, "The business calendar's key (default: the tenant's default calendar)."),
                new("key", RuleParameterType.Text, false, "The timer key; by default '<event>:<record id>' (what cancelTimer computes too)."),
                new("restart", RuleParameterType.Bool, false, "Whether a pending timer with the same key is re-scheduled (default false: it is kept, so re-evaluating a rule on every change does not push the deadline)."),
            ],
            Handler = async ctx =>
            {
                var record = ctx.GetParameter<CrmRecord>("record");
                var eventName = ctx.GetParameter<string>("event")!;
                var after = ctx.GetParameter<BusinessDuration?>("after") ?? BusinessDuration.FromWorkingTime(TimeSpan.Zero);
                var work = ctx.Services.GetRequiredService<IWorkServices>().ForCaller(ctx.Caller());
                var calendar = await work.Calendars.GetAsync(ctx.GetParameter<string>("calendar") ?? BusinessCalendarDefinition.DefaultKey, ctx.CancellationToken).ConfigureAwait(false);
                var now = ctx.Services.GetRequiredService<TimeProvider>().GetUtcNow();
                var key = ctx.GetParameter<string>("key") ?? TimerKey(eventName, record);
                if (ctx.GetParameter<bool?>("restart") != true
                    && await work.Timers.GetAsync(key, ctx.CancellationToken).ConfigureAwait(false) is { State: WorkTimerState.Pending or WorkTimerState.Firing })
                {
                    return;
                }

                // days(n)/weeks(n) are business days ("a plan within 2 days"); hours(n)/minutes(n) working time ("48 hours").
                var due = after.AddTo(calendar, now);
                await work.Timers.ScheduleAsync(
                    new TimerRequest
                    {
                        Key = key,
                        EventName = eventName,
                        RecordId = record?.Id,
                        DueAt = due,
                        Payload = record is null ? new Dictionary<string, string?>() : new Dictionary<string, string?> { [RuleBases.RuleTriggers.EntityTypeKey] = record.EntityType },
                    },
                    ctx.CancellationToken).ConfigureAwait(false);
            },
        };

        yield return new RuleActionDefinition
        {
            Name = "cancelTimer",
            Description = "Cancels a pending timer (e.g. when the awaited plan arrived).",
            Parameters =
            [
                new("event", RuleParameterType.Text, false, "The event name the timer was started with (with 'record', gives the default key)."),
                new("record", RuleParameterType.Record, false, "The alias of the record the timer is about."),
                new("key", RuleParameterType.Text, false, "The timer key, when it was started with an explicit key."),
            ],
            Handler = ctx => Work(ctx).CancelTimerAsync(
                ctx.GetParameter<string>("key") ?? TimerKey(ctx.GetParameter<string>("event") ?? string.Empty, ctx.GetParameter<CrmRecord>("record")),
                ctx.CancellationToken),
        };

        yield return new RuleActionDefinition
        {
            Name = "createTask",
            Description = "Creates a task activity about a matched record, with an owner and a due time.",
            Parameters =
            [
                new("record", RuleParameterType.Record, true, "The alias of the record the task is about."),
                new("subject", RuleParameterType.Text, true, "The task's subject."),
                new("dueIn", RuleParameterType.Duration, true, "When it is due, from now, e.g. days(2)."),
                new("owner", RuleParameterType.Any, false, "The owner's user id (e.g. '=case.ownerId'); by default the record's owner."),
                new("description", RuleParameterType.Text, false, "A description."),
            ],
            Handler = ctx =>
            {
                var record = Record(ctx);
                var owner = ctx.Parameters.GetValueOrDefault("owner") switch
                {
                    Guid g => g,
                    string s when Guid.TryParse(s, out var g) => g,
                    _ => record.OwnerId ?? throw new InvalidOperationException($"createTask: {record} has no owner and no 'owner' was given."),
                };
                var now = ctx.Services.GetRequiredService<TimeProvider>().GetUtcNow();
                return ctx.Tenant().Records.CreateAsync(
                    CoreEntities.Activity,
                    new Dictionary<string, object?>
                    {
                        [ActivityFields.Subject] = ctx.GetParameter<string>("subject"),
                        [ActivityFields.ActivityType] = ActivityTypes.Task,
                        [ActivityFields.Status] = ActivityStatuses.Open,
                        [ActivityFields.Regarding] = new RecordRef(record.EntityType, record.Id),
                        [ActivityFields.DueAt] = (now + (ctx.GetParameter<TimeSpan?>("dueIn") ?? TimeSpan.Zero)).ToUniversalTime(),
                        [ActivityFields.OccurredAt] = now,
                        [ActivityFields.Description] = ctx.GetParameter<string>("description"),
                    },
                    new CreateOptions { OwnerId = owner },
                    ctx.CancellationToken);
            },
        };
    }

    /// <summary>The default timer key of startTimer and cancelTimer.</summary>
    public static string TimerKey(string eventName, CrmRecord? record) => record is null ? eventName : $"{eventName}:{record.Id}";

    private static IWorkActions Work(IRuleActionContext ctx) => ctx.Services.GetRequiredService<IWorkServices>().ForCaller(ctx.Caller()).Actions;

    private static CrmRecord Record(IRuleActionContext ctx) =>
        ctx.GetParameter<CrmRecord>("record") ?? throw new InvalidOperationException($"{ctx.ActionName}: the 'record' parameter is not a matched record.");

    /// <summary>
    /// A notification's template data: the record's fields at the top level (<c>{{ subject }}</c>), and the same under
    /// <c>record</c> and under its entity type (<c>{{ case.caseNumber }}</c>) unless a field has that name. Every field
    /// of the entity is there, an empty one without a value (it renders empty), so only a misspelt name is an error.
    /// </summary>
    private static async Task<Dictionary<string, object?>> DataAsync(IRuleActionContext ctx, CrmRecord record)
    {
        var entity = await ctx.Tenant().Metadata.GetEntityAsync(record.EntityType, ctx.CancellationToken).ConfigureAwait(false);
        var fields = entity.Fields.ToDictionary(f => f.ApiName, _ => (object?)null, StringComparer.Ordinal);
        foreach (var (name, value) in record.Values)
        {
            fields[name] = value;
        }

        fields["id"] = record.Id;
        fields["entityType"] = record.EntityType;
        var data = new Dictionary<string, object?>(fields, StringComparer.Ordinal);
        data.TryAdd("record", fields);
        data.TryAdd(record.EntityType, fields);
        return data;
    }

    [LoggerMessage(Message = "Rule '{Rule}' (tenant {Tenant}, rule base v{Version}): {Message}")]
    private static partial void LogRuleMessage(ILogger logger, LogLevel level, string tenant, string rule, long version, string? message);
}
