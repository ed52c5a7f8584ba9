namespace TelemetryHosting.Export.Internal;

/// <summary>One batch on its way: the events sent, the ids acknowledged so far, the task sending them.</summary>
/// <remarks>Only the export's own task touches the sets until it completes; the worker reads them after.</remarks>
internal sealed class InFlightExport(List<OutboundEvent> events, CancellationTokenSource stop)
{
    public List<OutboundEvent> Events => events;

    public HashSet<string> Acknowledged { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets the ids refused as too large even alone in a stream: not sent again by this export; each uses a send.</summary>
    public HashSet<string> TooLarge { get; } = new(StringComparer.Ordinal);

    public Task Task { get; set; } = Task.CompletedTask;

    /// <summary>Gets the source that ends this export alone (linked to the worker's abort).</summary>
    public CancellationTokenSource Stop => stop;

    /// <summary>Gets or sets how the export ended, once <see cref="Task"/> has completed.</summary>
    public ExportOutcome Outcome { get; set; } = ExportOutcome.Aborted;
}

/// <summary>How an export ended, which decides whether its unacknowledged events used a send.</summary>
internal enum ExportOutcome
{
    /// <summary>Its streams completed: events left out used a send.</summary>
    Completed,

    /// <summary>The resilience pipeline gave up: every unacknowledged event used a send.</summary>
    GaveUp,

    /// <summary>The worker stopped it (at stop, or to move its events to disk): only those refused as too large used a send.</summary>
    Aborted,
}
