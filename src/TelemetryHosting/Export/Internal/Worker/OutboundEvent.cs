using Google.Protobuf;
using Telemetrygateway.V1;
using TelemetryHosting.Persistence.Internal;
using TelemetryHosting.Recording.Internal;

namespace TelemetryHosting.Export.Internal;

/// <summary>
/// An event in the worker's hands, encoded once, with its delivery state. One stage holds it at a time (the batch or
/// the held events, one export, or a spill segment) until it is delivered, given up (counted with a reason) or on disk.
/// </summary>
internal sealed class OutboundEvent
{
    /// <summary>Gets the event's number in this process, which flushes wait on; 0 when read back from disk.</summary>
    public long Sequence => Recorded?.Sequence ?? 0;

    /// <summary>Gets the event in the gateway's wire format, sent and spilled as it is.</summary>
    public required byte[] Encoded { get; init; }

    public int EncodedSize => Encoded.Length;

    public string Feature => Message?.Feature ?? Recorded!.Feature;

    public string Action => Message?.Action ?? Recorded!.Action;

    /// <summary>Gets the event as recorded in this process, or <see langword="null"/> when read back from disk.</summary>
    public PendingEvent? Recorded { get; private init; }

    /// <summary>Gets the wire message of an event read back from disk.</summary>
    public Event? Message { get; private init; }

    public string WireId => Message?.Id ?? Recorded!.Id.ToString("D");

    /// <summary>Gets the segment the event was read back from, deleted once all its events are settled.</summary>
    public SpillSegment? Segment { get; private init; }

    /// <summary>
    /// Gets or sets the sends used, each one of <c>MaxEventAttempts</c>: exports that ended without the gateway
    /// acknowledging the event. The pipeline's retries and the repeat after a token renewal are part of one send.
    /// </summary>
    public int Sends { get; set; }

    /// <summary>Gets or sets the monotonic timestamp before which the event is not sent again.</summary>
    public long NotBefore { get; set; }

    public static OutboundEvent FromRecorded(PendingEvent recorded, byte[] encoded) => new() { Encoded = encoded, Recorded = recorded };

    public static OutboundEvent FromDisk(Event message, SpillSegment segment) => new() { Encoded = message.ToByteArray(), Message = message, Segment = segment };

    /// <summary>Returns the lowest sequence number of <paramref name="events"/>, or <see cref="long.MaxValue"/> if none has one.</summary>
    public static long LowestSequence(IEnumerable<OutboundEvent> events) => events.Where(e => e.Sequence > 0).Min(e => (long?)e.Sequence) ?? long.MaxValue;

    /// <summary>Returns whether the event's id is in <paramref name="ids"/>, without formatting it as a new string.</summary>
    public bool IsIn(HashSet<string> ids)
    {
        if (Message is { } message)
        {
            return ids.Contains(message.Id);
        }

        Span<char> id = stackalloc char[36];
        _ = Recorded!.Id.TryFormat(id, out _, "D");
        return ids.GetAlternateLookup<ReadOnlySpan<char>>().Contains(id);
    }
}
