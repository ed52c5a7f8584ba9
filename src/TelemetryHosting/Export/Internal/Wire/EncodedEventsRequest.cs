using Google.Protobuf;
using Grpc.Core;
using Telemetrygateway.V1;

namespace TelemetryHosting.Export.Internal;

/// <summary>A <c>RecordEvents</c> request: the metadata, or a payload of events copied as they were encoded.</summary>
internal sealed class EncodedEventsRequest
{
    public static readonly Marshaller<EncodedEventsRequest> Marshaller =
        Marshallers.Create<EncodedEventsRequest>(Serialize, static _ => throw new NotSupportedException());

    public RecordEventsRequestMetadata? Metadata { get; init; }

    public List<OutboundEvent>? Events { get; init; }

    /// <summary>The size of an <c>EventsPayload</c> holding these encoded events.</summary>
    public static int PayloadSize(IReadOnlyList<OutboundEvent> events)
    {
        var measuring = ProtoWriter.Measuring();
        WritePayload(ref measuring, events);
        return measuring.Position;
    }

    /// <summary>Writes an <c>EventsPayload</c> of these events (<see cref="PayloadSize"/> bytes), as the spill files store them.</summary>
    public static void WritePayload(Span<byte> destination, IReadOnlyList<OutboundEvent> events)
    {
        var writer = new ProtoWriter(destination);
        WritePayload(ref writer, events);
    }

    private static void WritePayload(ref ProtoWriter writer, IReadOnlyList<OutboundEvent> events)
    {
        for (var i = 0; i < events.Count; i++)
        {
            writer.Tag(1, ProtoWriter.LengthDelimited);
            writer.Varint((ulong)events[i].EncodedSize);
            writer.Bytes(events[i].Encoded);
        }
    }

    private static void Serialize(EncodedEventsRequest request, SerializationContext context)
    {
        if (request.Metadata is { } metadata)
        {
            context.Complete(new RecordEventsRequest { Metadata = metadata }.ToByteArray());
            return;
        }

        // RecordEventsRequest.events, a nested EventsPayload.
        var payloadSize = PayloadSize(request.Events!);
        var size = 1 + CodedOutputStream.ComputeLengthSize(payloadSize) + payloadSize;
        context.SetPayloadLength(size);
        var buffer = context.GetBufferWriter();
        var writer = new ProtoWriter(buffer.GetSpan(size));
        writer.Tag(2, ProtoWriter.LengthDelimited);
        writer.Varint((ulong)payloadSize);
        WritePayload(ref writer, request.Events!);
        buffer.Advance(size);
        context.Complete();
    }
}
