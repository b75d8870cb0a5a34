using System.Buffers.Binary;

namespace Crm.Engine.Records;

/// <summary>
/// Record ids for the rows of one batch: version 7 (time-ordered) like every record id, and strictly increasing
/// within the batch even when the clock has not moved on between rows (RFC 9562, section 6.2: the random bits after
/// the first id of a millisecond serve as a counter). The rows of a bulk create then go to the end of the key indexes
/// instead of to random places in them, and sort in the order they were given.
/// </summary>
internal sealed class BatchIds(TimeProvider time)
{
    private long _lastMs = long.MinValue;
    private UInt128 _last;

    /// <summary>The next id: a new random version 7 id once the clock is past the last one's millisecond, else the last one plus one.</summary>
    public Guid Next()
    {
        var now = time.GetUtcNow();
        var ms = now.ToUnixTimeMilliseconds();
        if (ms > _lastMs)
        {
            return Start(Guid.CreateVersion7(now), ms);
        }

        // Counting in the 62 variant-free bits at the end (rand_b); on the (practically impossible) overflow the
        // next millisecond starts afresh, so the order still holds.
        const ulong RandB = (1UL << 62) - 1;
        var low = (ulong)_last & RandB;
        if (low == RandB)
        {
            _lastMs++;
            return Start(Guid.CreateVersion7(DateTimeOffset.FromUnixTimeMilliseconds(_lastMs)), _lastMs);
        }

        _last++;
        return ToGuid(_last);
    }

    private Guid Start(Guid id, long ms)
    {
        _lastMs = ms;
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes, bigEndian: true, out _);
        _last = BinaryPrimitives.ReadUInt128BigEndian(bytes);
        return id;
    }

    private static Guid ToGuid(UInt128 value)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, value);
        return new Guid(bytes, bigEndian: true);
    }
}
