using System.Globalization;
using System.Text.Json;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Storage;

namespace Crm.Engine.Records;

/// <summary>
/// Writes canonical field values into the JSON column and reads them back typed by metadata. Formats are chosen so
/// that SQL comparisons on the JSON values order like the values: dates as yyyy-MM-dd, instants as fixed-width UTC.
/// A stored key without a field (a field since removed by a plugin) is read back as-is: nothing stored is lost.
/// </summary>
internal static class RecordJson
{
    public static string Write(IReadOnlyDictionary<string, object?> values) => JsonScratch.Write(values, static (writer, values) =>
    {
        writer.WriteStartObject();
        foreach (var key in SortedKeys(values))
        {
            if (values[key] is not { } value)
            {
                continue;
            }

            writer.WritePropertyName(key);
            WriteValue(writer, value);
        }

        writer.WriteEndObject();
    });

    /// <summary>The keys in ordinal order (the order of the stored JSON and of audit changes).</summary>
    public static string[] SortedKeys<TValue>(IReadOnlyDictionary<string, TValue> values)
    {
        var keys = new string[values.Count];
        var i = 0;
        foreach (var key in values.Keys)
        {
            keys[i++] = key;
        }

        Array.Sort(keys, static (a, b) => string.CompareOrdinal(a, b));
        return keys;
    }

    internal static void WriteValue(Utf8JsonWriter writer, object value)
    {
        switch (value)
        {
            case string s:
                writer.WriteStringValue(s);
                break;
            case decimal d:
                writer.WriteNumberValue(d);
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case DateOnly d:
                writer.WriteStringValue(d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                break;
            case DateTimeOffset d:
                writer.WriteStringValue(DbValues.FormatTime(d));
                break;
            case Guid g:
                writer.WriteStringValue(g.ToString("D"));
                break;
            case RecordRef r:
                writer.WriteStringValue(r.ToString());
                break;
            case IEnumerable<string> list:
                writer.WriteStartArray();
                foreach (var item in list)
                {
                    writer.WriteStringValue(item);
                }

                writer.WriteEndArray();
                break;
            default:
                throw new InvalidOperationException($"No JSON form for {value.GetType().Name}; values must be canonical before they are written.");
        }
    }

    /// <summary>The SQL parameter value that compares with a JSON field's extracted value.</summary>
    public static object? SqlValue(object? canonical) => canonical switch
    {
        null => null,
        decimal d => (double)d,
        bool b => b ? 1 : 0,
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTimeOffset d => DbValues.FormatTime(d),
        Guid g => g.ToString("D"),
        RecordRef r => r.ToString(),
        _ => canonical,
    };

    public static Dictionary<string, object?> Read(string json, IReadOnlyDictionary<string, TenantField> fields)
    {
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        using var doc = JsonDocument.Parse(json);
        foreach (var property in doc.RootElement.EnumerateObject())
        {
            values[property.Name] = fields.TryGetValue(property.Name, out var field)
                ? ReadTyped(property.Value, field.Type, field.Definition.LookupTarget)
                : ReadRaw(property.Value);
        }

        return values;
    }

    private static object? ReadTyped(JsonElement element, FieldType type, string? lookupTarget)
    {
        try
        {
            return type switch
            {
                FieldType.Number or FieldType.Money => element.GetDecimal(),
                FieldType.Bool => element.GetBoolean(),
                FieldType.Date => DateOnly.ParseExact(element.GetString()!, "yyyy-MM-dd", CultureInfo.InvariantCulture),
                FieldType.DateTime => DbValues.ToTime(element.GetString()!),
                FieldType.MultiChoice => element.EnumerateArray().Select(e => e.GetString()!).ToList().AsReadOnly(),
                FieldType.Lookup when lookupTarget == "*" => RecordRef.TryParse(element.GetString(), out var r) ? r : element.GetString(),
                FieldType.Lookup => Guid.Parse(element.GetString()!),
                _ => element.ValueKind == JsonValueKind.String ? element.GetString() : ReadRaw(element),
            };
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException)
        {
            // A value stored before its field changed shape: hand it back as stored rather than lose it.
            return ReadRaw(element);
        }
    }

    private static object? ReadRaw(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.GetDecimal(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Array => element.EnumerateArray().Select(e => e.ToString()).ToList().AsReadOnly(),
        JsonValueKind.Null => null,
        _ => element.GetRawText(),
    };
}
