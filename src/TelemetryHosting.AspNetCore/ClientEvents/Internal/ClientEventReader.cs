using System.Text.Json;
using TelemetryHosting.Shared;

namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>
/// Reads one event of a client's batch: its properties, each at most once, and its names and timestamp; the
/// metadata, private metadata and client objects by their own readers. A problem rejects only this event (the first
/// problem found is its <see cref="ClientEvent.Error"/>), and the reader moves on past its end.
/// </summary>
internal static class ClientEventReader
{
    private const int MaxTimestampLength = 64;

    // A JSON string escapes one byte in at most 6 (\u00XX): a longer raw value cannot decode to 64 bytes or fewer.
    private const int MaxEscapedNameLength = EventNameValidator.MaxLength * 6;

    [Flags]
    private enum Properties
    {
        None = 0,
        Feature = 1,
        Action = 2,
        Timestamp = 4,
        Metadata = 8,
        PrivateMetadata = 16,
        Client = 32,
    }

    public static ClientEvent Read(ref Utf8JsonReader reader, TelemetryClientEventsOptions options)
    {
        var result = new ClientEvent();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            result.Error = "An event must be a JSON object.";
            reader.Skip();
            return result;
        }

        var depth = reader.CurrentDepth;
        var seen = Properties.None;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var error = ReadProperty(ref reader, result, ref seen, options);
            if (error is not null)
            {
                result.Error = error;
                while (!(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth) && reader.Read())
                {
                }

                return result;
            }
        }

        return result;
    }

    private static string? ReadProperty(ref Utf8JsonReader reader, ClientEvent result, ref Properties seen, TelemetryClientEventsOptions options)
    {
        var property = reader.ValueTextEquals("feature"u8) ? Properties.Feature
            : reader.ValueTextEquals("action"u8) ? Properties.Action
            : reader.ValueTextEquals("timestamp"u8) ? Properties.Timestamp
            : reader.ValueTextEquals("metadata"u8) ? Properties.Metadata
            : reader.ValueTextEquals("privateMetadata"u8) ? Properties.PrivateMetadata
            : reader.ValueTextEquals("client"u8) ? Properties.Client
            : Properties.None;
        if (property == Properties.None)
        {
            return $"Unknown property {ClientJsonText.Quote(ref reader)}; an event has 'feature', 'action', 'timestamp', 'metadata', 'privateMetadata' and 'client'.";
        }

        if ((seen & property) != 0)
        {
            return $"Property {ClientJsonText.Quote(ref reader)} appears more than once.";
        }

        seen |= property;
        reader.Read();
        switch (property)
        {
            case Properties.Feature:
                var featureError = ReadName(ref reader, "feature", EventNameValidator.FeatureTooLongMessage, out var feature);
                result.Feature = feature;
                return featureError;
            case Properties.Action:
                var actionError = ReadName(ref reader, "action", EventNameValidator.ActionTooLongMessage, out var action);
                result.Action = action;
                return actionError;
            case Properties.Timestamp:
                return ReadTimestamp(ref reader, result, options);
            case Properties.Metadata:
                return ClientEventMetadataReader.Read(ref reader, result, options);
            case Properties.PrivateMetadata:
                return ClientEventPrivateMetadataReader.Read(ref reader, result, options);
            default:
                return TelemetryEventClientReader.Read(ref reader, result, options);
        }
    }

    private static string? ReadName(ref Utf8JsonReader reader, string name, string tooLongMessage, out string? value)
    {
        value = null;
        if (reader.TokenType != JsonTokenType.String)
        {
            return $"'{name}' must be a string.";
        }

        if (reader.ValueSpan.Length > MaxEscapedNameLength)
        {
            return tooLongMessage;
        }

        return ClientJsonText.TryGetString(ref reader, out value) ? null : $"'{name}' is not valid Unicode text.";
    }

    private static string? ReadTimestamp(ref Utf8JsonReader reader, ClientEvent result, TelemetryClientEventsOptions options)
    {
        const string Expected = "'timestamp' must be an RFC 3339 date and time with an offset, for example \"2025-01-31T12:00:00.000Z\".";
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.String || reader.ValueSpan.Length > MaxTimestampLength
            || !ClientJsonText.TryGetString(ref reader, out var text) || !HasOffset(text) || !reader.TryGetDateTimeOffset(out var timestamp))
        {
            return Expected;
        }

        if (options.AcceptTimestamp)
        {
            result.Timestamp = timestamp;
        }

        return null;

        // Without one, the reader would take the server's local time zone.
        static bool HasOffset(string text) =>
            text.EndsWith('Z') || text.EndsWith('z')
            || (text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':');
    }
}
