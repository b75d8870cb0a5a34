using System.Collections;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Crm.Engine.Cli.Output;

/// <summary>Writes the <c>--json</c> output of list commands: an indented array of objects, one per line item.</summary>
internal static class JsonOutput
{
    private static readonly JsonWriterOptions Options = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes an array of objects.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="output">Where to write.</param>
    /// <param name="items">The items.</param>
    /// <param name="writeItem">Writes the properties of one item (the object is opened and closed around it).</param>
    /// <returns>A task that completes when the JSON is written.</returns>
    public static async Task WriteArrayAsync<T>(TextWriter output, IEnumerable<T> items, Action<Utf8JsonWriter, T> writeItem)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            writer.WriteStartArray();
            foreach (var item in items)
            {
                writer.WriteStartObject();
                writeItem(writer, item);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        await output.WriteLineAsync(System.Text.Encoding.UTF8.GetString(buffer.ToArray())).ConfigureAwait(false);
    }

    /// <summary>Writes a field value in its natural JSON form (numbers as numbers, dates as ISO strings, lists as arrays).</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="name">The property name.</param>
    /// <param name="value">The value.</param>
    public static void WriteValue(Utf8JsonWriter writer, string name, object? value)
    {
        writer.WritePropertyName(name);
        WriteValue(writer, value);
    }

    private static void WriteValue(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case string text:
                writer.WriteStringValue(text);
                break;
            case bool flag:
                writer.WriteBooleanValue(flag);
                break;
            case decimal number:
                writer.WriteNumberValue(number);
                break;
            case int number:
                writer.WriteNumberValue(number);
                break;
            case long number:
                writer.WriteNumberValue(number);
                break;
            case double number:
                writer.WriteNumberValue(number);
                break;
            case Guid id:
                writer.WriteStringValue(id);
                break;
            case DateOnly date:
                writer.WriteStringValue(date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                break;
            case DateTimeOffset instant:
                writer.WriteStringValue(instant.ToUniversalTime());
                break;
            case IEnumerable items:
                writer.WriteStartArray();
                foreach (var item in items)
                {
                    WriteValue(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                writer.WriteStringValue(ValueText.Format(value));
                break;
        }
    }
}
