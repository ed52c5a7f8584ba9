using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using Telemetrygateway.V1;
using TelemetryHosting.Export.Internal;

namespace TelemetryHosting.Recording.Internal;

/// <summary>
/// A recorded event on its way to the gateway. The recorder fills the first part on the caller's thread with
/// copies of everything mutable; the worker builds the wire message from it and tracks its delivery.
/// </summary>
internal sealed class PendingEvent : QueueEntry
{
    // Captured by the recorder.
    public required Guid Id { get; init; }
    public required DateTimeOffset Timestamp { get; init; }
    public required string Feature { get; init; }
    public required string Action { get; init; }
    public int Version { get; init; }
    public KeyValuePair<string, double>[]? Metadata { get; init; }
    public ActivityTraceId TraceId { get; init; }

    // The parts most events leave unset live in a second object, made only when one is set: the queued object stays
    // small (it is allocated on the caller's thread for every event).
    public Struct? PrivateMetadata { get => _rare?.PrivateMetadata; init => Rare(value)?.PrivateMetadata = value; }
    public TelemetryBillingMetadata? Billing { get => _rare?.Billing; init => Rare(value)?.Billing = value; }
    public TelemetryEventUser? User { get => _rare?.User; init => Rare(value)?.User = value; }
    public TelemetryEventClient? Client { get => _rare?.Client; init => Rare(value)?.Client = value; }
    public KeyValuePair<string, bool>[]? FeatureFlags { get => _rare?.FeatureFlags; init => Rare(value)?.FeatureFlags = value; }
    public string? InteractionId { get => _rare?.InteractionId; init => Rare(value)?.InteractionId = value; }

    /// <summary>
    /// Returns an upper bound of what the event adds to its encoded size beyond a fixed part (id, timestamp, numbers,
    /// message headers): its strings at 3 bytes a character with their framing. Private metadata, whose size only its
    /// encoding tells, counts as <see cref="int.MaxValue"/>. Cheap: it only reads lengths.
    /// </summary>
    public long VariableBytesBound()
    {
        long bytes = 3L * ((Feature?.Length ?? 0) + (Action?.Length ?? 0));
        if (Metadata is { } metadata)
        {
            foreach (var entry in metadata)
            {
                bytes += (3L * (entry.Key?.Length ?? 0)) + 16;
            }
        }

        if (_rare is not { } rare)
        {
            return bytes;
        }

        if (rare.PrivateMetadata is not null)
        {
            return int.MaxValue;
        }

        bytes += 3L * ((rare.InteractionId?.Length ?? 0) + (rare.User?.SamsExternalId?.Length ?? 0) + (rare.User?.AnonymousUserId?.Length ?? 0)
            + (rare.Client?.Name?.Length ?? 0) + (rare.Client?.Version?.Length ?? 0) + (rare.Billing?.Product?.Length ?? 0) + (rare.Billing?.Category?.Length ?? 0));
        if (rare.FeatureFlags is { } flags)
        {
            foreach (var flag in flags)
            {
                // Entry and name framing, and the value as the string "false" with its framing.
                bytes += (3L * (flag.Key?.Length ?? 0)) + 16;
            }
        }

        // The numeric user id (a tag and up to 10 bytes), then the framing of the optional messages.
        return bytes + 11 + 64;
    }

    // Owned by the worker.
    public long Sequence { get; set; }

    /// <summary>Gets or sets the wire message: set for events replayed from disk only; others are encoded directly.</summary>
    public Event? Message { get; set; }

    /// <summary>Gets or sets the event in the gateway's wire format.</summary>
    public byte[]? Encoded { get; set; }

    public int EncodedSize => Encoded?.Length ?? 0;
    public int Attempts { get; set; }

    /// <summary>Gets the id as sent: the replayed message's, or the recorded one in its canonical form.</summary>
    public string WireId => Message?.Id ?? Id.ToString("D");

    /// <summary>Returns whether the gateway acknowledged this event, without formatting its id as a new string.</summary>
    public bool IsIn(HashSet<string> acknowledged)
    {
        if (Message is { } message)
        {
            return acknowledged.Contains(message.Id);
        }

        Span<char> id = stackalloc char[36];
        _ = Id.TryFormat(id, out _, "D");
        return acknowledged.GetAlternateLookup<ReadOnlySpan<char>>().Contains(id);
    }

    /// <summary>Gets or sets the spill segment that holds the event (replayed from it, or journaled to it), if any.</summary>
    public TelemetryHosting.Persistence.Internal.SpillSegment? Segment { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether the event, still in memory, counts as persisted: it was journaled to
    /// <see cref="Segment"/> during an outage. Flushes do not wait for it; settling it moves it from persisted to
    /// delivered or failed.
    /// </summary>
    public bool CountsAsPersisted { get; set; }

    private RareParts? _rare;

    private RareParts? Rare(object? value) => value is null ? null : _rare ??= new RareParts();

    private sealed class RareParts
    {
        public Struct? PrivateMetadata { get; set; }
        public TelemetryBillingMetadata? Billing { get; set; }
        public TelemetryEventUser? User { get; set; }
        public TelemetryEventClient? Client { get; set; }
        public KeyValuePair<string, bool>[]? FeatureFlags { get; set; }
        public string? InteractionId { get; set; }
    }
}
