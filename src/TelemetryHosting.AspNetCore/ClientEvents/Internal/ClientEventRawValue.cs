using System.Text.Json;
using System.Text.Json.Serialization;

namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>
/// Where a JSON value lies in the event's bytes, kept instead of the value: the serializer builds nothing for it (a
/// <see cref="JsonElement"/> property would be a copy of its bytes), and the parser reads it in place, with a pooled
/// <see cref="JsonDocument"/>, once the event's other fields are checked.
/// </summary>
[JsonConverter(typeof(Converter))]
internal sealed class ClientEventRawValue
{
    private ClientEventRawValue(int start, int length)
    {
        Start = start;
        Length = length;
    }

    /// <summary>Gets where the value starts, from the start of the event's bytes.</summary>
    public int Start { get; }

    public int Length { get; }

    /// <summary>
    /// Parses <paramref name="raw"/> in place in <paramref name="eventBytes"/>: <see langword="null"/> when the property is
    /// absent or JSON <c>null</c>. The document rents its buffers, so dispose it.
    /// </summary>
    public static JsonDocument? ParseUnlessNull(ClientEventRawValue? raw, ReadOnlyMemory<byte> eventBytes)
    {
        if (raw is null)
        {
            return null;
        }

        var document = raw.Parse(eventBytes);
        if (document.RootElement.ValueKind != JsonValueKind.Null)
        {
            return document;
        }

        document.Dispose();
        return null;
    }

    /// <summary>Parses the value in place in <paramref name="eventBytes"/>; the document rents its buffers, so dispose it.</summary>
    public JsonDocument Parse(ReadOnlyMemory<byte> eventBytes) =>
        JsonDocument.Parse(eventBytes.Slice(Start, Length), new JsonDocumentOptions { MaxDepth = ClientEventJsonContext.MaxDepth });

    internal sealed class Converter : JsonConverter<ClientEventRawValue>
    {
        public override ClientEventRawValue Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            // The serializer reads an event from one contiguous span that starts at the event: positions are the event's.
            var start = (int)reader.TokenStartIndex;
            reader.Skip();
            return new ClientEventRawValue(start, (int)reader.BytesConsumed - start);
        }

        public override void Write(Utf8JsonWriter writer, ClientEventRawValue value, JsonSerializerOptions options) =>
            throw new NotSupportedException("Client event values are only read.");
    }
}
