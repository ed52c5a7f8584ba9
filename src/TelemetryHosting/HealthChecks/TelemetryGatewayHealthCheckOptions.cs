using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using TelemetryHosting.Shared;

namespace TelemetryHosting;

/// <summary>Thresholds of the telemetry recorder's health check.</summary>
public sealed class TelemetryGatewayHealthCheckOptions
{
    /// <summary>
    /// Gets or sets how long exports may keep failing before the check reports Degraded. The default value is
    /// 1 minute.
    /// </summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = TrimmingJustification.TimeSpanRange)]
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan FailingThreshold { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Gets or sets the fill ratio of the queue above which the check reports Degraded. The default value is 0.8.
    /// </summary>
    [Range(0.0, 1.0)]
    public double QueueHighWaterMark { get; set; } = 0.8;

    /// <summary>
    /// Gets or sets how recent a dropped event must be for the check to report Unhealthy. The default value is
    /// 5 minutes.
    /// </summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = TrimmingJustification.TimeSpanRange)]
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan DropWindow { get; set; } = TimeSpan.FromMinutes(5);
}
