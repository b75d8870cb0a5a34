using System.Globalization;

namespace Crm.Engine.Storage;

/// <summary>Reads ids and instants whatever form the provider returned them in (text or native). For storage providers.</summary>
public static class DbValues
{
    /// <summary>Reads an id.</summary>
    /// <param name="value">The value read.</param>
    /// <returns>The id.</returns>
    public static Guid ToGuid(object value) => value switch
    {
        Guid g => g,
        string s => Guid.Parse(s),
        byte[] b => new Guid(b),
        _ => throw new InvalidCastException($"Cannot read an id from {value.GetType().Name}."),
    };

    /// <summary>Reads an optional id.</summary>
    /// <param name="value">The value read.</param>
    /// <returns>The id, or null.</returns>
    public static Guid? ToNullableGuid(object? value) => value is null or DBNull ? null : ToGuid(value);

    /// <summary>Reads an instant (UTC).</summary>
    /// <param name="value">The value read.</param>
    /// <returns>The instant.</returns>
    public static DateTimeOffset ToTime(object value) => value switch
    {
        DateTimeOffset d => d.ToUniversalTime(),
        DateTime d => new DateTimeOffset(DateTime.SpecifyKind(d, DateTimeKind.Utc)),
        string s => DateTimeOffset.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal),
        _ => throw new InvalidCastException($"Cannot read an instant from {value.GetType().Name}."),
    };

    /// <summary>The fixed-width UTC text form: sorts like the instants it stands for.</summary>
    /// <param name="instant">The instant.</param>
    /// <returns>The text.</returns>
    public static string FormatTime(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
}
