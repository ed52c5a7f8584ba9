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
/// <param name="Pending">Events accepted and neither delivered, given up, nor waiting on disk.</param>
public readonly record struct TelemetryFlushResult(long Delivered, long Failed, long Pending)
{
    /// <summary>
    /// Gets the events written to disk by durable spill and not yet read back; they are delivered after the gateway
    /// recovers or the service restarts. Always 0 without persistence.
    /// </summary>
    public long Persisted { get; init; }

    /// <summary>Gets a value indicating whether nothing failed, nothing is pending and nothing waits on disk.</summary>
    public bool IsComplete => Failed == 0 && Pending == 0 && Persisted == 0;
}
