using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Reports;
using Crm.Engine.Abstractions.Work;

namespace Crm.Plugins.CallCenter;

/// <summary>
/// <c>callCenter.statistics</c>: the call statistics of a period (offered, answered, abandoned, abandon rate, average
/// speed of answer, average talk time, first-call resolution, satisfaction) with one row per agent.
/// </summary>
/// <param name="callCenter">The call center.</param>
public sealed class CallStatisticsReport(ICallCenter callCenter) : IReport
{
    /// <summary>The report's name.</summary>
    public const string Name = "callCenter.statistics";

    /// <inheritdoc />
    public ReportDefinition Definition { get; } = new()
    {
        Name = Name,
        Title = "Call statistics",
        Description = "Inbound calls received in the period: offered, answered, abandoned, abandon rate, average speed of answer, average talk time, first-call resolution and satisfaction, with one row per agent.",
        Parameters =
        [
            new("from", FieldType.DateTime, true, "Start of the period (inclusive)."),
            new("to", FieldType.DateTime, true, "End of the period (exclusive)."),
        ],
    };

    /// <inheritdoc />
    public async Task<ReportResult> RunAsync(ReportContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var from = context.Get<DateTimeOffset?>("from") ?? throw MissingParameter(Name, "from");
        var to = context.Get<DateTimeOffset?>("to") ?? throw MissingParameter(Name, "to");
        if (to <= from)
        {
            throw new CrmValidationException(new CrmValidationError(Name, "to", to, "range", $"the end of the period ({to:O}) must be after its start ({from:O})."));
        }

        var stats = await callCenter.ForTenant(context.Tenant).StatisticsAsync(from, to, cancellationToken).ConfigureAwait(false);
        return new ReportResult
        {
            Report = Name,
            Title = Definition.Title,
            GeneratedAt = context.Now,
            Parameters = context.Parameters,
            Columns =
            [
                new("agentUserId", "Agent"),
                new("calls", "Calls answered", FieldType.Number),
                new("talkSeconds", "Talk time (s)", FieldType.Number),
                new("averageTalkSeconds", "Average talk time (s)", FieldType.Number),
                new("resolved", "Resolved in the call", FieldType.Number),
                new("averageSatisfaction", "Average satisfaction", FieldType.Number),
            ],
            Rows = [.. stats.Agents.Select(a => (IReadOnlyList<object?>)[a.AgentUserId, (long)a.Calls, a.TalkSeconds, a.AverageTalkSeconds, (long)a.Resolved, a.AverageSatisfaction])],
            Summary =
            [
                new("offered", (long)stats.Offered),
                new("answered", (long)stats.Answered),
                new("abandoned", (long)stats.Abandoned),
                new("waiting", (long)stats.Waiting),
                new("abandonRate", stats.AbandonRate),
                new("averageSpeedOfAnswerSeconds", stats.AverageSpeedOfAnswerSeconds),
                new("averageTalkSeconds", stats.AverageTalkSeconds),
                new("firstCallResolutionRate", stats.FirstCallResolutionRate),
                new("averageSatisfaction", stats.AverageSatisfaction),
            ],
        };
    }

    internal static CrmValidationException MissingParameter(string report, string parameter) =>
        new(new CrmValidationError(report, parameter, null, "required", $"the report {report} needs the parameter '{parameter}'."));
}

/// <summary>
/// <c>callCenter.agentLoad</c>: per queue member, the open items the core queue holds for them, the calls they are on now,
/// and the calls they answered and talk time in a period.
/// </summary>
/// <param name="work">The core's work services (queues).</param>
public sealed class AgentLoadReport(IWorkServices work) : IReport
{
    /// <summary>The report's name.</summary>
    public const string Name = "callCenter.agentLoad";

    /// <inheritdoc />
    public ReportDefinition Definition { get; } = new()
    {
        Name = Name,
        Title = "Agent load",
        Description = "Per queue and member: open queue items (the load the queues' least-loaded strategy uses), calls in progress, calls answered and talk time in the period. Without a queue, every queue calls of the period were routed to.",
        Parameters =
        [
            new("queue", FieldType.Text, false, "Only this queue (by name)."),
            new("from", FieldType.DateTime, false, "Start of the period (inclusive); default 24 hours before now."),
            new("to", FieldType.DateTime, false, "End of the period (exclusive); default now."),
        ],
    };

    /// <inheritdoc />
    public async Task<ReportResult> RunAsync(ReportContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var to = context.Get<DateTimeOffset?>("to") ?? context.Now;
        var from = context.Get<DateTimeOffset?>("from") ?? to.AddHours(-24);
        if (to <= from)
        {
            throw new CrmValidationException(new CrmValidationError(Name, "to", to, "range", $"the end of the period ({to:O}) must be after its start ({from:O})."));
        }

        var records = context.Tenant.Records;
        var calls = await records.ReadAllAsync(RecordQuery.For(CallCenterEntities.Call).Where(CallFields.ReceivedAt, FilterOperator.GreaterOrEqual, from.ToUniversalTime()).Where(CallFields.ReceivedAt, FilterOperator.LessThan, to.ToUniversalTime()),
            cancellationToken).ConfigureAwait(false);
        var active = await records.ReadAllAsync(RecordQuery.For(CallCenterEntities.Call).Where(CallFields.Status, CallStatus.Answered), cancellationToken).ConfigureAwait(false);
        var queues = work.ForCaller(context.Tenant.Caller).Queues;

        var queueNames = context.Get<string>("queue") is { Length: > 0 } only
            ? [only]
            : calls.Select(c => c[CallFields.Queue] as string).OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.OrdinalIgnoreCase).ToList();
        var rows = new List<IReadOnlyList<object?>>();
        var listed = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in queueNames)
        {
            var queue = await queues.FindQueueAsync(name, cancellationToken).ConfigureAwait(false);
            if (queue is null)
            {
                if (context.Get<string>("queue") is not null)
                {
                    throw new CrmValidationException(new CrmValidationError(Name, "queue", name, "not_found", $"there is no work queue named '{name}'."));
                }

                continue;
            }

            foreach (var member in await queues.ListMembersAsync(queue.Id, cancellationToken).ConfigureAwait(false))
            {
                var agent = member.UserId.ToString("D");
                listed.Add(agent);
                rows.Add(Row(queue.Name, agent, string.Join(", ", member.Skills), string.Join(", ", member.Languages), member.OpenItems, calls, active));
            }
        }

        if (context.Get<string>("queue") is null)
        {
            // Agents who answered calls but are members of none of those queues (e.g. calls answered without routing).
            foreach (var agent in calls.Select(c => c[CallFields.AgentUserId] as string).OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase).Where(a => !listed.Contains(a)).Order(StringComparer.Ordinal))
            {
                rows.Add(Row(null, agent, null, null, null, calls, active));
            }
        }

        return new ReportResult
        {
            Report = Name,
            Title = Definition.Title,
            GeneratedAt = context.Now,
            Parameters = context.Parameters,
            Columns =
            [
                new("queue", "Queue"),
                new("agentUserId", "Agent"),
                new("skills", "Skills"),
                new("languages", "Languages"),
                new("openItems", "Open queue items", FieldType.Number),
                new("callsInProgress", "Calls in progress", FieldType.Number),
                new("callsAnswered", "Calls answered in the period", FieldType.Number),
                new("talkSeconds", "Talk time in the period (s)", FieldType.Number),
            ],
            Rows = rows,
            Summary = [new("callsInPeriod", (long)calls.Count), new("callsInProgress", (long)active.Count)],
        };

        IReadOnlyList<object?> Row(string? queue, string agent, string? skills, string? languages, int? openItems, IReadOnlyList<CrmRecord> period, IReadOnlyList<CrmRecord> inProgress)
        {
            var answered = period.Where(c => string.Equals(c[CallFields.AgentUserId] as string, agent, StringComparison.OrdinalIgnoreCase) && c[CallFields.AnsweredAt] is not null).ToList();
            return
            [
                queue,
                agent,
                skills,
                languages,
                openItems is null ? null : (long)openItems.Value,
                (long)inProgress.Count(c => string.Equals(c[CallFields.AgentUserId] as string, agent, StringComparison.OrdinalIgnoreCase)),
                (long)answered.Count,
                answered.Sum(c => c[CallFields.TalkSeconds] as decimal? ?? 0m),
            ];
        }
    }
}
