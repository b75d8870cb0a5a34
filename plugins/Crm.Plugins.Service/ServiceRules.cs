using System.Globalization;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Work;

namespace Crm.Plugins.Service;

/// <summary>The commerce module's records, by API name (the service module never references its assembly).</summary>
internal static class Commerce
{
    public const string Product = "product";
    public const string Order = "order";
    public const string OrderLine = "orderLine";

    public const string OrderAccountId = "accountId";
    public const string OrderContactId = "contactId";
    public const string OrderNumber = "orderNumber";

    public const string LineOrderId = "orderId";
    public const string LineAccountId = "accountId";
    public const string LineProductId = "productId";
    public const string LineProductName = "productName";
    public const string LineSku = "sku";
    public const string LineSerialNumber = "serialNumber";
    public const string LineBarcode = "barcode";
    public const string LineShipDate = "shipDate";
    public const string LineWarrantyMonths = "warrantyMonths";
    public const string LineWarrantyUntil = "warrantyUntil";
}

/// <summary>SLA arithmetic and timers, shared by the API, the rule action and the handlers.</summary>
internal static class ServiceRules
{
    /// <summary>The event name of the SLA warning timer.</summary>
    public const string WarningEvent = "slaWarning";

    /// <summary>The event name of the SLA breach timer.</summary>
    public const string BreachEvent = "slaBreached";

    /// <summary>The payload key rule packs read a timer's record type from (the rule triggers' convention).</summary>
    public const string EntityTypeKey = "entityType";

    public static string WarningKey(Guid caseId) => $"service:sla:{caseId:D}:warning";

    public static string BreachKey(Guid caseId) => $"service:sla:{caseId:D}:breach";

    public static bool IsSlaTimer(string key) => key.StartsWith("service:sla:", StringComparison.Ordinal);

    public static bool IsFinished(CrmRecord @case) => IsFinished(@case[CaseFields.Status] as string);

    public static bool IsFinished(string? status) => status is CaseStatus.Resolved or CaseStatus.Closed or CaseStatus.Cancelled;

    public static async Task<SlaPlan> ComputeSlaAsync(IBusinessCalendarService calendars, CrmRecord @case, BusinessDuration within, decimal warnAtPercent, string? calendarKey, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var calendar = await calendars.GetAsync(calendarKey ?? BusinessCalendarDefinition.DefaultKey, cancellationToken).ConfigureAwait(false);
        var start = @case[CaseFields.OpenedAt] as DateTimeOffset? ?? now;
        var due = within.AddTo(calendar, start).ToUniversalTime();
        DateTimeOffset? warning = null;
        if (warnAtPercent > 0)
        {
            var total = calendar.BusinessTimeBetween(start, due);
            warning = calendar.AddBusinessTime(start, TimeSpan.FromTicks((long)(total.Ticks * warnAtPercent / 100m))).ToUniversalTime();
        }

        var hours = within.BusinessDays is { } days ? days * 24m : (decimal)within.WorkingTime.TotalHours;
        return new SlaPlan(due, warning, new Dictionary<string, object?>
        {
            [CaseFields.SlaHours] = decimal.Round(hours, 2),
            [CaseFields.SlaDueAt] = due,
            [CaseFields.SlaWarningAt] = warning,
            [CaseFields.SlaState] = SlaState.OnTrack,
        });
    }

    public static async Task ScheduleSlaTimersAsync(IWorkTimerService timers, Guid caseId, DateTimeOffset? warningAt, DateTimeOffset dueAt, CancellationToken cancellationToken)
    {
        var payload = new Dictionary<string, string?>
        {
            [EntityTypeKey] = ServiceEntities.Case,
            ["slaDueAt"] = dueAt.ToString("O", CultureInfo.InvariantCulture),
        };
        if (warningAt is { } warn)
        {
            await timers.ScheduleAsync(new TimerRequest { Key = WarningKey(caseId), DueAt = warn, EventName = WarningEvent, RecordId = caseId, Payload = payload }, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await timers.CancelAsync(WarningKey(caseId), cancellationToken).ConfigureAwait(false);
        }

        await timers.ScheduleAsync(new TimerRequest { Key = BreachKey(caseId), DueAt = dueAt, EventName = BreachEvent, RecordId = caseId, Payload = payload }, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>A computed SLA: due time, warning time and the case fields to write.</summary>
internal sealed record SlaPlan(DateTimeOffset DueAt, DateTimeOffset? WarningAt, IReadOnlyDictionary<string, object?> Values);

/// <summary>Word matching for knowledge suggestions.</summary>
internal static class KnowledgeSearch
{
    public static HashSet<string> Words(string? text)
    {
        var words = new HashSet<string>(StringComparer.Ordinal);
        if (text is null)
        {
            return words;
        }

        foreach (var part in text.Split([' ', ',', ';', '.', ':', '!', '?', '-', '/', '(', ')', '"', '\'', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (part.Length >= 3)
            {
                words.Add(part.ToUpperInvariant());
            }
        }

        return words;
    }
}
