using System.ComponentModel.DataAnnotations;

namespace Crm.Engine.Work;

/// <summary>
/// Settings of the work mechanisms (timers, notification dispatcher), bound from configuration section
/// <c>Crm:Work</c> by the hosting package and validated at start.
/// </summary>
public sealed class WorkOptions
{
    /// <summary>Whether this process runs the timer and dispatcher background services (a host may leave it to another process).</summary>
    public bool RunBackgroundServices { get; set; } = true;

    /// <summary>How often the timer service looks for due timers.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan TimerPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the dispatcher looks for due notifications.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan DispatchPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a claim (a timer being fired, a notification being sent) is honoured before another process may take it over.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan LeaseTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Delivery attempts before a notification is marked failed.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>The wait after the first failed attempt; doubled after each further one.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest wait between attempts.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long one send may take before it counts as failed.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The channel used for "preferred" when the recipient has no preference.</summary>
    [Required]
    public string DefaultChannel { get; set; } = "email";

    /// <summary>How many due rows one poll reads at a time.</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 100;
}
