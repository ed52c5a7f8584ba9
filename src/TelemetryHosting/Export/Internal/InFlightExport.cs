using TelemetryHosting.Recording.Internal;

namespace TelemetryHosting.Export.Internal;

/// <summary>One batch on its way: the events sent, the ids acknowledged so far, the task sending them.</summary>
internal sealed class InFlightExport(List<PendingEvent> events)
{
    public List<PendingEvent> Events { get; } = events;

    public HashSet<string> Acknowledged { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Gets the ids the gateway or a proxy refused as too large even alone in a stream: not sent again by this export;
    /// its settlement counts the attempt and hands them back, or gives them up.
    /// </summary>
    public HashSet<string> TooLarge { get; } = new(StringComparer.Ordinal);

    public Task Task { get; set; } = Task.CompletedTask;

    /// <summary>Gets or sets a value indicating whether the stream completed (so left-out events used an attempt).</summary>
    public bool Completed { get; set; }

    /// <summary>Gets or sets a value indicating whether its events were written to disk during an outage.</summary>
    public bool Journaled { get; set; }
}
