using System.Diagnostics;

namespace TelemetryHosting.Benchmarks.Support;

/// <summary>
/// An object with the fields of the library's queued event (128 B: the rarely set parts live in a second object there,
/// here one reference), for the bare <c>Channel&lt;T&gt;.TryWrite</c> floor.
/// </summary>
public sealed class ComparableEvent
{
    public Guid Id { get; init; }

    public DateTimeOffset Timestamp { get; init; }

    public required string Feature { get; init; }

    public required string Action { get; init; }

    public int Version { get; init; }

    public object? Metadata { get; init; }

    public object? Rare { get; init; }

    public ActivityTraceId TraceId { get; init; }

    public long Sequence { get; set; }

    public object? Message { get; set; }

    public byte[]? Encoded { get; set; }

    public int Attempts { get; set; }

    public object? Segment { get; set; }
}
