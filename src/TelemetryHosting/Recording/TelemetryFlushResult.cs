namespace TelemetryHosting;

/// <summary>
/// The delivery counts of a telemetry recorder, returned by <see cref="ITelemetryRecorder.FlushAsync"/>.
/// </summary>
/// <remarks>
/// Counts cover every event the recorder accepted since it was created. Events refused by
/// <see cref="ITelemetryRecorder.Record"/> (which returned <see langword="false"/>) are not included; they are
/// counted by the <c>telemetryhosting.events.dropped</c> metric.
/// </remarks>
/// <param name="Delivered">Events acknowledged by the gateway.</param>
/// <param name="Failed">Events accepted for delivery and then given up, for any reason.</param>
/// <param name="Pending">Events accepted and neither delivered nor given up yet.</param>
public readonly record struct TelemetryFlushResult(long Delivered, long Failed, long Pending)
{
    /// <summary>Gets a value indicating whether nothing failed and nothing is still pending.</summary>
    public bool IsComplete => Failed == 0 && Pending == 0;
}
