using Google.Protobuf;
using Telemetrygateway.V1;
using TelemetryHosting.Persistence.Internal;
using TelemetryHosting.Recording.Internal;

namespace TelemetryHosting.Export.Internal;

/// <summary>
/// An event in the export worker's hands, encoded once, with its delivery state. Exactly one stage holds it at a time:
/// the worker's batch or held events, one export in flight, or a spill segment; it leaves the worker delivered, given up
/// (counted with a reason), or written to disk.
/// </summary>
internal sealed class OutboundEvent
{
    /// <summary>Gets the event's number in this process (flushes wait on it); 0 for an event read back from disk.</summary>
    public long Sequence => Recorded?.Sequence ?? 0;

    /// <summary>Gets the event in the gateway's wire format, sent and spilled as it is.</summary>
    public required byte[] Encoded { get; init; }

    public int EncodedSize => Encoded.Length;

    public string Feature => Message?.Feature ?? Recorded!.Feature;

    public string Action => Message?.Action ?? Recorded!.Action;

    /// <summary>Gets the event as recorded in this process; <see langword="null"/> when read back from disk.</summary>
    public PendingEvent? Recorded { get; private init; }

    /// <summary>Gets the wire message of an event read back from disk.</summary>
    public Event? Message { get; private init; }

    /// <summary>Gets the id as sent: the recorded one in its canonical form, or the message's.</summary>
    public string WireId => Message?.Id ?? Recorded!.Id.ToString("D");

    /// <summary>Gets the spill segment the event was read back from (deleted once all its events are settled).</summary>
    public SpillSegment? Segment { get; private init; }

    /// <summary>
    /// Gets or sets the sends this event used: exports that ended without the gateway acknowledging it — a stream that
    /// completed and left it out, a refusal as too large with the event alone in the stream, or a resilience pipeline
    /// that gave up. Each uses one of <c>MaxEventAttempts</c>. (An export attempt retried by the pipeline, or repeated
    /// after a token renewal, is part of one send.)
    /// </summary>
    public int Sends { get; set; }

    /// <summary>Gets or sets when (a monotonic timestamp) the event may be sent again after a send that did not deliver it.</summary>
    public long NotBefore { get; set; }

    public static OutboundEvent FromRecorded(PendingEvent recorded, byte[] encoded) => new() { Encoded = encoded, Recorded = recorded };

    public static OutboundEvent FromDisk(Event message, SpillSegment segment) => new() { Encoded = message.ToByteArray(), Message = message, Segment = segment };

    /// <summary>Returns the lowest sequence number of <paramref name="events"/>, or <see cref="long.MaxValue"/> if none has one.</summary>
    public static long LowestSequence(IEnumerable<OutboundEvent> events) => events.Where(e => e.Sequence > 0).Min(e => (long?)e.Sequence) ?? long.MaxValue;

    /// <summary>Returns whether the gateway acknowledged this event, without formatting its id as a new string.</summary>
    public bool IsIn(HashSet<string> acknowledged)
    {
        if (Message is { } message)
        {
            return acknowledged.Contains(message.Id);
        }

        Span<char> id = stackalloc char[36];
        _ = Recorded!.Id.TryFormat(id, out _, "D");
        return acknowledged.GetAlternateLookup<ReadOnlySpan<char>>().Contains(id);
    }
}
