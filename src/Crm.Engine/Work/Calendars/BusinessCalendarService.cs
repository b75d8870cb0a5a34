using System.Globalization;
using System.Text.Json;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Work;
using Dapper;

namespace Crm.Engine.Work.Calendars;

/// <summary>Stores calendars as JSON per tenant and loads them with the tenant's time zone as the fallback.</summary>
internal sealed class BusinessCalendarService(WorkContext context) : IBusinessCalendarService
{
    public static BusinessCalendarDefinition DefaultCalendar { get; } = new()
    {
        Key = BusinessCalendarDefinition.DefaultKey,
        WorkingHours = Enumerable.Range(1, 5).ToDictionary(d => (DayOfWeek)d, _ => (IReadOnlyList<WorkingInterval>)[new WorkingInterval(new TimeOnly(9, 0), new TimeOnly(17, 0))]),
    };

    public async Task SaveAsync(BusinessCalendarDefinition calendar, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(calendar);
        if (string.IsNullOrWhiteSpace(calendar.Key))
        {
            throw new CrmValidationException(new CrmValidationError("calendar", "key", calendar.Key, "required", "a calendar needs a key, e.g. 'default'."));
        }

        BusinessCalendar.Validate(calendar);
        if (calendar.TimeZone is not null)
        {
            FindZone(calendar.TimeZone, calendar.Key);
        }

        var json = Serialize(calendar);
        await context.WriteAsync(async scope => await scope.Connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO work_calendars (tenant_id, calendar_key, definition, updated_at) VALUES (@tenant, @key, @json, @at) " +
            "ON CONFLICT (tenant_id, calendar_key) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at",
            new { tenant = context.TenantId, key = calendar.Key, json = context.Dialect.JsonParameter(json), at = WorkContext.Time(context.Now) }, scope.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);
    }

    public Task<IBusinessCalendar> GetAsync(string key = BusinessCalendarDefinition.DefaultKey, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        return context.ReadAsync<IBusinessCalendar>(async (c, tx) =>
        {
            var json = await c.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
                "SELECT definition FROM work_calendars WHERE tenant_id = @tenant AND calendar_key = @key", new { tenant = context.TenantId, key }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            var definition = json is null
                ? (key == BusinessCalendarDefinition.DefaultKey ? DefaultCalendar : throw new CrmNotFoundException($"business calendar '{key}'"))
                : Deserialize(key, json);
            var zoneId = definition.TimeZone ?? await c.QuerySingleAsync<string>(new CommandDefinition(
                "SELECT time_zone FROM tenants WHERE id = @tenant", new { tenant = context.TenantId }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return new BusinessCalendar(definition, FindZone(zoneId, key));
        }, cancellationToken);
    }

    private static TimeZoneInfo FindZone(string id, string calendar)
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new CrmValidationException(new CrmValidationError("calendar", "timeZone", id, "unknown_time_zone",
                $"calendar '{calendar}': time zone '{id}' is unknown; use an IANA id such as 'Europe/Berlin'."));
        }
    }

    private static string Serialize(BusinessCalendarDefinition calendar) => JsonSerializer.Serialize(new StoredCalendar(
        calendar.TimeZone,
        calendar.WorkingHours.ToDictionary(p => p.Key.ToString(), p => p.Value.Select(i => new[] { i.Start.ToString("HH:mm:ss", CultureInfo.InvariantCulture), i.End.ToString("HH:mm:ss", CultureInfo.InvariantCulture) }).ToList()),
        [.. calendar.Holidays.Select(d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))]));

    private static BusinessCalendarDefinition Deserialize(string key, string json)
    {
        var stored = JsonSerializer.Deserialize<StoredCalendar>(json) ?? throw new CrmConfigurationException($"business calendar '{key}' is stored empty.");
        return new BusinessCalendarDefinition
        {
            Key = key,
            TimeZone = stored.TimeZone,
            WorkingHours = stored.WorkingHours.ToDictionary(
                p => Enum.Parse<DayOfWeek>(p.Key),
                p => (IReadOnlyList<WorkingInterval>)[.. p.Value.Select(i => new WorkingInterval(TimeOnly.Parse(i[0], CultureInfo.InvariantCulture), TimeOnly.Parse(i[1], CultureInfo.InvariantCulture)))]),
            Holidays = [.. stored.Holidays.Select(d => DateOnly.ParseExact(d, "yyyy-MM-dd", CultureInfo.InvariantCulture))],
        };
    }

    private sealed record StoredCalendar(string? TimeZone, Dictionary<string, List<string[]>> WorkingHours, List<string> Holidays);
}
