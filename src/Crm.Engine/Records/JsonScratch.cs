using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Crm.Engine.Records;

/// <summary>
/// A JSON writer and buffer kept per thread for the JSON a write produces row by row (record values, audit changes):
/// one string per document, no buffer or writer per row. Only for code that writes a whole document without
/// awaiting in between.
/// </summary>
internal static class JsonScratch
{
    /// <summary>A buffer grown past this by an unusually large document is not kept.</summary>
    private const int KeepCapacity = 64 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>Writes one document and returns it as a string.</summary>
    public static string Write<TState>(TState state, Action<Utf8JsonWriter, TState> write)
    {
        var buffer = t_buffer ?? new ArrayBufferWriter<byte>(512);
        var writer = t_writer;
        if (writer is null)
        {
            writer = new Utf8JsonWriter(buffer);
        }
        else
        {
            writer.Reset(buffer);
        }

        // Taken while in use: a nested call (there is none today) gets its own.
        t_buffer = null;
        t_writer = null;
        try
        {
            write(writer, state);
            writer.Flush();
            return Encoding.UTF8.GetString(buffer.WrittenSpan);
        }
        finally
        {
            buffer.ResetWrittenCount();
            if (buffer.Capacity <= KeepCapacity)
            {
                t_buffer = buffer;
                t_writer = writer;
            }
        }
    }
}
