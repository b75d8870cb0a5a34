using System.Globalization;
using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Reports;

namespace Crm.Plugins.Service;

/// <summary>
/// <c>service.complaintStatus</c>: one row per case the caller may read (number, subject, customer, priority, status,
/// SLA state, SLA due), with counts by status, priority and SLA state.
/// </summary>
public sealed class ComplaintStatusReport : IReport
{
    /// <inheritdoc />
    public ReportDefinition Definition { get; } = new()
    {
        Name = "service.complaintStatus",
        Title = "Complaint status",
        Description = "Cases by status, priority and SLA state, with counts.",
        Parameters =
        [
            new ReportParameter("category", FieldType.Text, false, "Only cases of this category (complaint, request, question); default all."),
            new ReportParameter("openOnly", FieldType.Bool, false, "Only cases not resolved, closed or cancelled (default false)."),
        ],
    };

    /// <inheritdoc />
    public async Task<ReportResult> RunAsync(ReportContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var query = RecordQuery.For(ServiceEntities.Case).OrderBy(CaseFields.CaseNumber);
        if (context.Get<string>("category") is { } category)
        {
            query = query.Where(CaseFields.Category, category);
        }

        var cases = await context.Tenant.Records.ReadAllAsync(query, cancellationToken).ConfigureAwait(false);
        if (context.Get("openOnly", false))
        {
            cases = [.. cases.Where(c => !ServiceRules.IsFinished(c))];
        }

        var names = new CustomerNames(context.Tenant);
        var rows = new List<IReadOnlyList<object?>>();
        foreach (var c in cases)
        {
            rows.Add(
            [
                c[CaseFields.CaseNumber], c[CaseFields.Subject], await names.NameAsync(c[CaseFields.AccountId] as Guid?, cancellationToken).ConfigureAwait(false),
                c[CaseFields.Priority], c[CaseFields.Status], c[CaseFields.SlaState], c[CaseFields.SlaDueAt],
            ]);
        }

        var summary = new List<KeyValuePair<string, object?>> { new("cases", (long)cases.Count) };
        foreach (var (label, field) in new[] { ("status", CaseFields.Status), ("priority", CaseFields.Priority), ("slaState", CaseFields.SlaState) })
        {
            foreach (var group in cases.GroupBy(c => c[field] as string ?? "(none)", StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                summary.Add(new($"{label}: {group.Key}", (long)group.Count()));
            }
        }

        return new ReportResult
        {
            Report = Definition.Name,
            Title = Definition.Title,
            Columns =
            [
                new("caseNumber", "Case"), new("subject", "Subject"), new("customer", "Customer"), new("priority", "Priority"),
                new("status", "Status"), new("slaState", "SLA state"), new("slaDueAt", "SLA due", FieldType.DateTime),
            ],
            Rows = rows,
            Summary = summary,
            GeneratedAt = context.Now,
            Parameters = context.Parameters,
        };
    }
}

/// <summary>
/// <c>service.preventiveMeasures</c>: each preventive measure the caller may read, with its case number, customer,
/// status, reviewer and whether it was fed back to the customer.
/// </summary>
public sealed class PreventiveMeasuresReport : IReport
{
    /// <inheritdoc />
    public ReportDefinition Definition { get; } = new()
    {
        Name = "service.preventiveMeasures",
        Title = "Preventive measures",
        Description = "Preventive measures with review and feedback to the customer.",
        Parameters =
        [
            new ReportParameter("status", FieldType.Text, false, "Only measures of this status (proposed, approved, rejected, implemented)."),
            new ReportParameter("fedBack", FieldType.Bool, false, "Only measures fed back (true) or not yet fed back (false) to the customer."),
        ],
    };

    /// <inheritdoc />
    public async Task<ReportResult> RunAsync(ReportContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var query = RecordQuery.For(ServiceEntities.PreventiveMeasure).OrderBy("createdAt");
        if (context.Get<string>("status") is { } status)
        {
            query = query.Where(PreventiveMeasureFields.Status, status);
        }

        var measures = await context.Tenant.Records.ReadAllAsync(query, cancellationToken).ConfigureAwait(false);
        if (context.Parameters.TryGetValue("fedBack", out var fb) && fb is bool fedBack)
        {
            measures = [.. measures.Where(m => (m[PreventiveMeasureFields.FedBackToCustomer] is true) == fedBack)];
        }

        var names = new CustomerNames(context.Tenant);
        var numbers = new Dictionary<Guid, string?>();
        var users = new Dictionary<Guid, string?>();
        var rows = new List<IReadOnlyList<object?>>();
        foreach (var m in measures)
        {
            string? number = null;
            if (m[PreventiveMeasureFields.CaseId] is Guid caseId && !numbers.TryGetValue(caseId, out number))
            {
                number = numbers[caseId] = (await context.Tenant.Records.GetAsync(ServiceEntities.Case, caseId, cancellationToken).ConfigureAwait(false))?[CaseFields.CaseNumber] as string;
            }

            string? reviewer = null;
            if (Guid.TryParse(m[PreventiveMeasureFields.ReviewedBy] as string, out var reviewerId) && !users.TryGetValue(reviewerId, out reviewer))
            {
                reviewer = users[reviewerId] = (await context.Tenant.Organization.GetUserAsync(reviewerId, cancellationToken).ConfigureAwait(false))?.DisplayName ?? reviewerId.ToString("D");
            }

            rows.Add(
            [
                number, await names.NameAsync(m[PreventiveMeasureFields.AccountId] as Guid?, cancellationToken).ConfigureAwait(false),
                m[PreventiveMeasureFields.Description], m[PreventiveMeasureFields.Status], m[PreventiveMeasureFields.DueDate], reviewer,
                m[PreventiveMeasureFields.ReviewedAt], m[PreventiveMeasureFields.FedBackToCustomer] is true, m[PreventiveMeasureFields.FedBackAt],
            ]);
        }

        var summary = new List<KeyValuePair<string, object?>> { new("measures", (long)measures.Count) };
        foreach (var group in measures.GroupBy(m => m[PreventiveMeasureFields.Status] as string ?? "(none)", StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            summary.Add(new($"status: {group.Key}", (long)group.Count()));
        }

        summary.Add(new("fed back to customer", (long)measures.Count(m => m[PreventiveMeasureFields.FedBackToCustomer] is true)));
        return new ReportResult
        {
            Report = Definition.Name,
            Title = Definition.Title,
            Columns =
            [
                new("caseNumber", "Case"), new("customer", "Customer"), new("description", "Measure"), new("status", "Status"),
                new("dueDate", "Due", FieldType.Date), new("reviewer", "Reviewer"), new("reviewedAt", "Reviewed", FieldType.DateTime),
                new("fedBackToCustomer", "Fed back to customer", FieldType.Bool), new("fedBackAt", "Fed back", FieldType.DateTime),
            ],
            Rows = rows,
            Summary = summary,
            GeneratedAt = context.Now,
            Parameters = context.Parameters,
        };
    }
}

/// <summary>
/// <c>service.slaCompliance</c>: of the cases with an SLA opened in a period (in the tenant's time zone), how many met
/// it, breached it, and are still open on track or warned; one row per priority and the compliance percentage
/// (met / (met + breached)).
/// </summary>
public sealed class SlaComplianceReport(ICrmEngine engine) : IReport
{
    /// <inheritdoc />
    public ReportDefinition Definition { get; } = new()
    {
        Name = "service.slaCompliance",
        Title = "SLA compliance",
        Description = "Cases with an SLA: met, breached, open on track or warned, and the compliance percentage, per priority.",
        Parameters =
        [
            new ReportParameter("from", FieldType.Date, false, "First opening date counted (tenant's time zone); default: no lower bound."),
            new ReportParameter("to", FieldType.Date, false, "Last opening date counted (tenant's time zone); default: no upper bound."),
        ],
    };

    /// <inheritdoc />
    public async Task<ReportResult> RunAsync(ReportContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var info = await engine.Tenants.GetAsync(context.Tenant.TenantId, cancellationToken).ConfigureAwait(false);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(info?.Settings.TimeZone ?? "UTC");
        var query = RecordQuery.For(ServiceEntities.Case).Where(CaseFields.SlaDueAt, FilterOperator.IsNotNull);
        if (context.Parameters.GetValueOrDefault("from") is DateOnly from)
        {
            query = query.Where(CaseFields.OpenedAt, FilterOperator.GreaterOrEqual, LocalMidnight(from, zone));
        }

        if (context.Parameters.GetValueOrDefault("to") is DateOnly to)
        {
            query = query.Where(CaseFields.OpenedAt, FilterOperator.LessThan, LocalMidnight(to.AddDays(1), zone));
        }

        var cases = await context.Tenant.Records.ReadAllAsync(query, cancellationToken).ConfigureAwait(false);
        var rows = new List<IReadOnlyList<object?>>();
        foreach (var group in cases.GroupBy(c => c[CaseFields.Priority] as string ?? "(none)", StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var (met, breached, onTrack, warning) = Count(group);
            rows.Add([group.Key, met, breached, onTrack, warning, Percent(met, breached)]);
        }

        var all = Count(cases);
        return new ReportResult
        {
            Report = Definition.Name,
            Title = Definition.Title,
            Columns =
            [
                new("priority", "Priority"), new("met", "Met", FieldType.Number), new("breached", "Breached", FieldType.Number),
                new("openOnTrack", "Open on track", FieldType.Number), new("openWarning", "Open with warning", FieldType.Number),
                new("compliancePercent", "Compliance %", FieldType.Number),
            ],
            Rows = rows,
            Summary =
            [
                new("cases with SLA", (long)cases.Count), new("met", all.Met), new("breached", all.Breached),
                new("open on track", all.OnTrack), new("open with warning", all.Warning), new("compliance %", Percent(all.Met, all.Breached)),
            ],
            GeneratedAt = context.Now,
            Parameters = context.Parameters,
        };
    }

    private static (long Met, long Breached, long OnTrack, long Warning) Count(IEnumerable<CrmRecord> cases)
    {
        long met = 0, breached = 0, onTrack = 0, warning = 0;
        // A cancelled case without a final SLA state is neither open nor met/breached: it is not counted.
        foreach (var c in cases.Where(c => !(c[CaseFields.Status] is CaseStatus.Cancelled && c[CaseFields.SlaState] is not (SlaState.Met or SlaState.Breached))))
        {
            switch (c[CaseFields.SlaState] as string)
            {
                case SlaState.Met: met++; break;
                case SlaState.Breached: breached++; break;
                case SlaState.Warning: warning++; break;
                default: onTrack++; break;
            }
        }

        return (met, breached, onTrack, warning);
    }

    /// <summary>Met of the decided cases, in percent with one decimal; <see langword="null"/> when none is decided.</summary>
    private static decimal? Percent(long met, long breached) => met + breached == 0 ? null : decimal.Round(met * 100m / (met + breached), 1);

    private static DateTimeOffset LocalMidnight(DateOnly date, TimeZoneInfo zone)
    {
        var local = date.ToDateTime(TimeOnly.MinValue);
        return new DateTimeOffset(local, zone.GetUtcOffset(local)).ToUniversalTime();
    }
}

/// <summary>Customer names by account id, read as the report's caller (an unreadable customer shows as empty).</summary>
internal sealed class CustomerNames(ICrmTenant tenant)
{
    private readonly Dictionary<Guid, string?> _names = [];

    public async Task<string?> NameAsync(Guid? accountId, CancellationToken cancellationToken)
    {
        if (accountId is not { } id)
        {
            return null;
        }

        if (!_names.TryGetValue(id, out var name))
        {
            name = _names[id] = (await tenant.Records.GetAsync(CoreEntities.Account, id, cancellationToken).ConfigureAwait(false))?[AccountFields.Name] as string;
        }

        return name;
    }
}
