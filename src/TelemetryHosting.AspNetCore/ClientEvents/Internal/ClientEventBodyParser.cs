using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>
/// Reads a client's batch, <c>{ "events": [ ... ] }</c>, with the source-generated <see cref="ClientEventJsonContext"/>:
/// the envelope first, then each event on its own by <see cref="ClientEventParser"/>, so that a problem with one event
/// rejects only that event. A body that is not JSON or not shaped like a batch, or holds too many events, rejects the
/// whole request. Nothing a body holds makes it throw.
/// </summary>
internal static class ClientEventBodyParser
{
    private const string BatchShape = "The request body must be a JSON object { \"events\": [ ... ] }.";

    public static ClientEventBatch Parse(ReadOnlySpan<byte> body, TelemetryClientEventsOptions options)
    {
        // Counted before any event is built: a body of many tiny events must not cost a document each.
        if (TooManyEvents(body, options.MaxEventsPerRequest))
        {
            return RefusedTooMany(options);
        }

        ClientEventEnvelope? envelope;
        try
        {
            var reader = new Utf8JsonReader(body, ClientEventJsonContext.ReaderOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return Refused(BatchShape);
            }

            envelope = JsonSerializer.Deserialize(ref reader, ClientEventJsonContext.Envelope.ClientEventEnvelope);

            // Throws on anything but whitespace after the object.
            reader.Read();
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException or NotSupportedException or ArgumentException or FormatException)
        {
            return Refused(Describe(exception));
        }

        if (envelope is null || envelope.EventsCount == 0)
        {
            return Refused($"The request body has no 'events'. {BatchShape}");
        }

        if (envelope.EventsCount > 1)
        {
            return Refused("The request body has 'events' more than once.");
        }

        if (envelope.Events is not { } elements)
        {
            return Refused($"'events' must be an array. {BatchShape}");
        }

        if (elements.Length > options.MaxEventsPerRequest)
        {
            return RefusedTooMany(options);
        }

        var events = new ClientEvent[elements.Length];
        for (var index = 0; index < elements.Length; index++)
        {
            events[index] = ClientEventParser.Parse(elements[index], options);
        }

        return ClientEventBatch.Read(events);
    }

    /// <summary>
    /// Walks a body shaped exactly <c>{ "events": [ ... ] }</c> without building anything and says whether its array
    /// holds more than <paramref name="most"/> elements. Any other body (more properties, not well-formed) says no: the
    /// parse that follows refuses it with its own message, as it would without this check.
    /// </summary>
    private static bool TooManyEvents(ReadOnlySpan<byte> body, int most)
    {
        try
        {
            var reader = new Utf8JsonReader(body, ClientEventJsonContext.ReaderOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject
                || !reader.Read() || reader.TokenType != JsonTokenType.PropertyName || !reader.ValueTextEquals("events"u8)
                || !reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                return false;
            }

            var count = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                count++;
                reader.Skip();
            }

            // The object ends there, and nothing but whitespace follows it.
            return count > most && reader.Read() && reader.TokenType == JsonTokenType.EndObject && !reader.Read();
        }
#pragma warning disable CA1031 // Malformed JSON or text that does not decode: the parse that follows refuses it with a message.
        catch (Exception)
#pragma warning restore CA1031
        {
            return false;
        }
    }

    private static string Describe(Exception exception)
    {
        var path = ClientEventJsonErrors.PathOf(exception);
        if (ClientEventJsonErrors.IsUnmapped(exception))
        {
            return $"The request body has an unknown property '{ClientEventJsonErrors.UnmappedName(exception) ?? "(not valid text)"}'. {BatchShape}";
        }

        if (path.StartsWith("events", StringComparison.Ordinal) && !ClientEventJsonErrors.IsInvalidText(exception) && exception.InnerException is null)
        {
            return $"'events' must be an array. {BatchShape}";
        }

        return ClientEventJsonErrors.IsInvalidText(exception)
            ? $"The request body is not valid JSON text: it holds invalid UTF-8 or an escaped lone surrogate. {BatchShape}"
            : $"The request body is not valid JSON: {exception.Message}";
    }

    private static ClientEventBatch Refused(string error) => ClientEventBatch.Refused(StatusCodes.Status400BadRequest, error);

    private static ClientEventBatch RefusedTooMany(TelemetryClientEventsOptions options) => ClientEventBatch.Refused(
        StatusCodes.Status413PayloadTooLarge,
        $"The request holds more than {options.MaxEventsPerRequest} events; send at most {options.MaxEventsPerRequest} per request.");
}
