using Google.Protobuf;
using Grpc.Core;
using Telemetrygateway.V1;

namespace TelemetryHosting.Export.Internal;

/// <summary>
/// One message of a <c>RecordEvents</c> stream, written by its own marshaller: either the metadata, or an events
/// payload made of events already encoded (<see cref="OutboundEvent.Encoded"/>), copied as they are instead of being
/// sized and encoded again through generated messages.
/// </summary>
internal sealed class EncodedEventsRequest
{
    /// <summary>The <c>RecordEvents</c> method with this request type; the same service and method names on the wire.</summary>
    public static readonly Method<EncodedEventsRequest, RecordEventsResponse> RecordEvents = new(
        MethodType.DuplexStreaming,
        "telemetrygateway.v1.TelemeteryGatewayService",
        "RecordEvents",
        Marshallers.Create<EncodedEventsRequest>(Serialize, static _ => throw new NotSupportedException()),
        Marshallers.Create<RecordEventsResponse>(
            static (response, context) => context.Complete(response.ToByteArray()),
            static context => RecordEventsResponse.Parser.ParseFrom(context.PayloadAsReadOnlySequence())));

    private const byte EventsPayloadTag = (2 << 3) | 2; // RecordEventsRequest.events
    private const byte EventTag = (1 << 3) | 2;         // EventsPayload.events

    private EncodedEventsRequest(RecordEventsRequestMetadata? metadata, List<OutboundEvent>? events)
    {
        Metadata = metadata;
        Events = events;
    }

    public RecordEventsRequestMetadata? Metadata { get; }

    public List<OutboundEvent>? Events { get; }

    public static EncodedEventsRequest ForMetadata(RecordEventsRequestMetadata metadata) => new(metadata, null);

    public static EncodedEventsRequest ForEvents(List<OutboundEvent> events) => new(null, events);

    private static void Serialize(EncodedEventsRequest request, SerializationContext context)
    {
        if (request.Metadata is { } metadata)
        {
            var message = new RecordEventsRequest { Metadata = metadata };
            context.SetPayloadLength(message.CalculateSize());
            message.WriteTo(context.GetBufferWriter());
            context.Complete();
            return;
        }

        var events = request.Events!;
        var payloadSize = PayloadSize(events);
        context.SetPayloadLength(1 + CodedOutputStream.ComputeLengthSize(payloadSize) + payloadSize);
        var writer = context.GetBufferWriter();
        var header = writer.GetSpan(6);
        header[0] = EventsPayloadTag;
        var written = 1 + WriteVarint(header[1..], (uint)payloadSize);
        writer.Advance(written);
        foreach (var pending in events)
        {
            writer.Advance(WriteEvent(writer.GetSpan(6 + pending.EncodedSize), pending.Encoded!));
        }

        context.Complete();
    }

    /// <summary>The size of an <c>EventsPayload</c> holding these encoded events.</summary>
    public static int PayloadSize(IReadOnlyList<OutboundEvent> events)
    {
        var size = 0;
        foreach (var pending in events)
        {
            // Checked: the callers bound the events by bytes, and an overflow must fail, not write a short payload.
            size = checked(size + 1 + CodedOutputStream.ComputeLengthSize(pending.EncodedSize) + pending.EncodedSize);
        }

        return size;
    }

    /// <summary>
    /// Writes an <c>EventsPayload</c> holding these encoded events (<see cref="PayloadSize"/> bytes): the bytes the
    /// generated message would serialize to, as the spill files store them.
    /// </summary>
    public static void WritePayload(Span<byte> destination, IReadOnlyList<OutboundEvent> events)
    {
        foreach (var pending in events)
        {
            destination = destination[WriteEvent(destination, pending.Encoded!)..];
        }
    }

    /// <summary>Writes one event field of an <c>EventsPayload</c>; returns its length.</summary>
    private static int WriteEvent(Span<byte> destination, byte[] encoded)
    {
        destination[0] = EventTag;
        var prefix = 1 + WriteVarint(destination[1..], (uint)encoded.Length);
        encoded.CopyTo(destination[prefix..]);
        return prefix + encoded.Length;
    }

    private static int WriteVarint(Span<byte> span, uint value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[i++] = (byte)value;
        return i;
    }
}
