using System.Globalization;
using System.Text.Json;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Work;
using Crm.Engine.RulePacks.Expressions;

namespace Crm.Engine.RulePacks;

/// <summary>
/// Reads the business calendars of a facts file:
/// <c>"calendars": [{"key": "default", "timeZone": "Europe/Berlin", "workingHours": {"monday": ["08:00-12:00", "13:00-17:00"], ...}, "holidays": ["2026-04-03"]}]</c>.
/// </summary>
internal static class FactsFileCalendars
{
    private static readonly string[] Keys = ["key", "timeZone", "workingHours", "holidays"];

    public static IReadOnlyList<BusinessCalendarDefinition> Read(JsonElement list, string defaultZone)
    {
        if (list.ValueKind != JsonValueKind.Array)
        {
            throw Invalid("'calendars' is an array of calendars, e.g. [{\"key\": \"default\", \"workingHours\": {\"monday\": [\"09:00-17:00\"]}}].");
        }

        var result = new List<BusinessCalendarDefinition>();
        var index = 0;
        foreach (var item in list.EnumerateArray())
        {
            index++;
            var where = $"calendar {index}";
            if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("key", out var keyElement) || keyElement.GetString() is not { Length: > 0 } key)
            {
                throw Invalid($"{where}: each calendar is an object with a 'key'.");
            }

            where = $"calendar '{key}'";
            foreach (var property in item.EnumerateObject().Where(p => !Keys.Contains(p.Name)))
            {
                throw Invalid($"{where}: unknown key '{property.Name}'{Schema.Suggest.Hint(property.Name, Keys)}.");
            }

            if (result.Any(c => c.Key == key))
            {
                throw Invalid($"{where} is given twice.");
            }

            var definition = new BusinessCalendarDefinition
            {
                Key = key,
                TimeZone = item.TryGetProperty("timeZone", out var zone) ? zone.GetString() : null,
                WorkingHours = item.TryGetProperty("workingHours", out var hours) ? WorkingHours(hours, where) : Crm.Engine.Work.Calendars.BusinessCalendars.Default(key).WorkingHours,
                Holidays = item.TryGetProperty("holidays", out var holidays) ? Holidays(holidays, where) : [],
            };
            try
            {
                _ = Crm.Engine.Work.Calendars.BusinessCalendars.Create(definition, TimeZoneInfo.FindSystemTimeZoneById(definition.TimeZone ?? defaultZone));
            }
            catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
            {
                throw Invalid($"{where}: unknown time zone '{definition.TimeZone ?? defaultZone}' (use an IANA id such as 'Europe/Berlin').");
            }

            result.Add(definition);
        }

        return result;
    }

    private static Dictionary<DayOfWeek, IReadOnlyList<WorkingInterval>> WorkingHours(JsonElement hours, string where)
    {
        if (hours.ValueKind != JsonValueKind.Object)
        {
            throw Invalid($"{where}: 'workingHours' is an object of weekdays, e.g. {{\"monday\": [\"09:00-17:00\"]}}.");
        }

        var result = new Dictionary<DayOfWeek, IReadOnlyList<WorkingInterval>>();
        foreach (var day in hours.EnumerateObject())
        {
            if (!Enum.TryParse<DayOfWeek>(day.Name, ignoreCase: true, out var weekday) || !Enum.IsDefined(weekday) || char.IsAsciiDigit(day.Name[0]))
            {
                throw Invalid($"{where}: '{day.Name}' is not a weekday (monday ... sunday).");
            }

            if (day.Value.ValueKind != JsonValueKind.Array)
            {
                throw Invalid($"{where}: {day.Name} is a list of intervals such as [\"09:00-17:00\"].");
            }

            result[weekday] = [.. day.Value.EnumerateArray().Select(i => Interval(i, $"{where}, {day.Name}"))];
        }

        return result;
    }

    private static WorkingInterval Interval(JsonElement element, string where)
    {
        var text = element.ValueKind == JsonValueKind.String ? element.GetString() ?? string.Empty : element.GetRawText();
        var parts = text.Split('-');
        if (parts.Length == 2
            && TimeOnly.TryParseExact(parts[0].Trim(), "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var start)
            && TimeOnly.TryParseExact(parts[1].Trim(), "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var end))
        {
            return new WorkingInterval(start, end);
        }

        throw Invalid($"{where}: '{text}' is not an interval like \"09:00-17:00\" (00:00 as the end means midnight).");
    }

    private static List<DateOnly> Holidays(JsonElement holidays, string where)
    {
        if (holidays.ValueKind != JsonValueKind.Array)
        {
            throw Invalid($"{where}: 'holidays' is a list of dates like [\"2026-04-03\"].");
        }

        var result = new List<DateOnly>();
        foreach (var day in holidays.EnumerateArray())
        {
            if (day.ValueKind != JsonValueKind.String || !DateOnly.TryParseExact(day.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                throw Invalid($"{where}: holiday {day.GetRawText()} is not a date like \"2026-04-03\".");
            }

            result.Add(date);
        }

        return result;
    }

    private static CrmException Invalid(string message) => new(CrmErrorCodes.Validation, message);
}
