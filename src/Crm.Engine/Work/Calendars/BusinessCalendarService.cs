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
            var zoneId = definition.TimeZone ?? await Tenancy.TenantAdministration.TimeZoneIdAsync(c, tx, context.TenantId, cancellationToken).ConfigureAwait(false)
                ?? throw new CrmNotFoundException($"tenant '{context.TenantId}'");
            return new BusinessCalendar(definition, FindZone(zoneId, key));
        }, cancellationToken);
    }

    public Task AssignToUnitAsync(Guid unitId, string? key, CancellationToken cancellationToken = default) =>
        context.WriteAsync<bool>(async scope =>
        {
            var args = new { tenant = context.TenantId, unit = context.Dialect.IdParameter(unitId), key };
            await EnsureUnitAsync(scope.Connection, scope.Transaction, unitId, cancellationToken).ConfigureAwait(false);
            if (key is null)
            {
                await scope.Connection.ExecuteAsync(new CommandDefinition(
                    "DELETE FROM work_unit_calendars WHERE tenant_id = @tenant AND unit_id = @unit", args, scope.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                return true;
            }

            var stored = await scope.Connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT COUNT(*) FROM work_calendars WHERE tenant_id = @tenant AND calendar_key = @key", args, scope.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (stored == 0 && key != BusinessCalendarDefinition.DefaultKey)
            {
                throw new CrmValidationException(new CrmValidationError("calendar", "key", key, "not_found", $"no business calendar '{key}' exists in this tenant; save it first."));
            }

            await scope.Connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO work_unit_calendars (tenant_id, unit_id, calendar_key) VALUES (@tenant, @unit, @key) " +
                "ON CONFLICT (tenant_id, unit_id) DO UPDATE SET calendar_key = excluded.calendar_key", args, scope.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    public async Task<IBusinessCalendar> GetForUnitAsync(Guid unitId, CancellationToken cancellationToken = default)
    {
        var key = await context.ReadAsync(async (c, tx) =>
        {
            await EnsureUnitAsync(c, tx, unitId, cancellationToken).ConfigureAwait(false);
            // The unit, then its ancestors (bounded, in case of a damaged tree): the nearest assignment wins.
            return await c.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
                """
                WITH RECURSIVE chain (id, parent_id, depth) AS (
                    SELECT id, parent_id, 0 FROM org_units WHERE tenant_id = @tenant AND id = @unit
                    UNION ALL
                    SELECT u.id, u.parent_id, chain.depth + 1 FROM org_units u JOIN chain ON u.tenant_id = @tenant AND u.id = chain.parent_id
                    WHERE chain.depth < 100)
                SELECT uc.calendar_key FROM chain JOIN work_unit_calendars uc ON uc.tenant_id = @tenant AND uc.unit_id = chain.id
                ORDER BY chain.depth LIMIT 1
                """,
                new { tenant = context.TenantId, unit = context.Dialect.IdParameter(unitId) }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return await GetAsync(key ?? BusinessCalendarDefinition.DefaultKey, cancellationToken).ConfigureAwait(false);
    }

    private async Task EnsureUnitAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction? transaction, Guid unitId, CancellationToken cancellationToken)
    {
        var found = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM org_units WHERE tenant_id = @tenant AND id = @unit",
            new { tenant = context.TenantId, unit = context.Dialect.IdParameter(unitId) }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (found == 0)
        {
            throw new CrmValidationException(new CrmValidationError("unit", "id", unitId, "not_found", $"no organisation unit with id {unitId} exists in this tenant."));
        }
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
