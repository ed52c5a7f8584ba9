using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>
/// Reads a client's batch, <c>{ "events": [ { "feature", "action", "timestamp", "metadata", "privateMetadata",
/// "client" } ] }</c>, with <see cref="Utf8JsonReader"/> straight from the (size-checked) body: each limit is
/// checked as its input is met, before what it limits is allocated. A problem with one event rejects only that
/// event; a body that is not JSON or not shaped like a batch, or holds too many events, rejects the whole request.
/// </summary>
/// <remarks>Each event is read by <see cref="ClientEventReader"/>.</remarks>
internal static class ClientEventBatchReader
{
    private const int MaxJsonDepth = 64;

    private const string BatchShape = "The request body must be a JSON object { \"events\": [ ... ] }.";

    public static ClientEventBatch Read(ReadOnlySpan<byte> body, TelemetryClientEventsOptions options)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = MaxJsonDepth });
        try
        {
            return ReadBatch(ref reader, options);
        }
        catch (JsonException exception)
        {
            return ClientEventBatch.Refused(StatusCodes.Status400BadRequest, $"The request body is not valid JSON: {exception.Message}");
        }
    }

    private static ClientEventBatch ReadBatch(ref Utf8JsonReader reader, TelemetryClientEventsOptions options)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return ClientEventBatch.Refused(StatusCodes.Status400BadRequest, BatchShape);
        }

        List<ClientEvent>? events = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!reader.ValueTextEquals("events"u8))
            {
                return ClientEventBatch.Refused(
                    StatusCodes.Status400BadRequest, $"The request body has an unknown property {ClientJsonText.Quote(ref reader)}. {BatchShape}");
            }

            if (events is not null)
            {
                return ClientEventBatch.Refused(StatusCodes.Status400BadRequest, "The request body has 'events' more than once.");
            }

            reader.Read();
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                return ClientEventBatch.Refused(StatusCodes.Status400BadRequest, $"'events' must be an array. {BatchShape}");
            }

            events = [];
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (events.Count == options.MaxEventsPerRequest)
                {
                    return ClientEventBatch.Refused(
                        StatusCodes.Status413PayloadTooLarge,
                        $"The request holds more than {options.MaxEventsPerRequest} events; send at most {options.MaxEventsPerRequest} per request.");
                }

                events.Add(ClientEventReader.Read(ref reader, options));
            }
        }

        if (events is null)
        {
            return ClientEventBatch.Refused(StatusCodes.Status400BadRequest, $"The request body has no 'events'. {BatchShape}");
        }

        // Throws on anything but whitespace after the object.
        reader.Read();
        return ClientEventBatch.Read(events);
    }
}
