using System.Diagnostics;

namespace TelemetryHosting.Benchmarks.Support;

/// <summary>An object with the fields of the library's queued event, for the bare <c>Channel&lt;T&gt;.TryWrite</c> floor.</summary>
public sealed class ComparableEvent
{
    public Guid Id { get; init; }

    public DateTimeOffset Timestamp { get; init; }

    public required string Feature { get; init; }

    public required string Action { get; init; }

    public int Version { get; init; }

    public object? Metadata { get; init; }

    public object? PrivateMetadata { get; init; }

    public object? Billing { get; init; }

    public object? User { get; init; }

    public object? Client { get; init; }

    public object? FeatureFlags { get; init; }

    public string? InteractionId { get; init; }

    public ActivityTraceId TraceId { get; init; }

    public long Sequence { get; set; }

    public object? Message { get; set; }

    public byte[]? Encoded { get; set; }

    public int Attempts { get; set; }

    public object? Segment { get; set; }
}
