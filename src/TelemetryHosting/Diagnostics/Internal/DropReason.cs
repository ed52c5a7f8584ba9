namespace TelemetryHosting.Diagnostics.Internal;

/// <summary>The values of the <c>reason</c> tag of the dropped-events counter: every way an event can be lost.</summary>
internal static class DropReason
{
    /// <summary>The queue was full when the event was recorded.</summary>
    public const string QueueFull = "queue_full";

    /// <summary>The recorder stopped before the event could be delivered.</summary>
    public const string Shutdown = "shutdown";

    /// <summary>
    /// The gateway left the event out of its acknowledgements on every allowed attempt, or it (or a proxy in front of
    /// it) refused the event as too large even alone in a stream.
    /// </summary>
    public const string Rejected = "rejected";

    /// <summary>
    /// The export resilience pipeline gave up on the event's export on every allowed attempt (only a pipeline the
    /// application configured to stop retrying gives up).
    /// </summary>
    public const string ExportFailed = "export_failed";

    /// <summary>Spilled events did not fit on disk (the byte cap was reached, or the disk is full).</summary>
    public const string DiskFull = "disk_full";

    /// <summary>Spilled events were older than the maximum age when they were replayed.</summary>
    public const string Expired = "expired";

    /// <summary>The event could not be built or is larger than the gateway publishes.</summary>
    public const string Invalid = "invalid";

    /// <summary>The event was in a spill file that failed its checks.</summary>
    public const string Corrupt = "corrupt";
}
