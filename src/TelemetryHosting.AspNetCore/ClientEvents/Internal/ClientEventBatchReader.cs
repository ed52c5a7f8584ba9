using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using TelemetryHosting.Shared;

namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>
/// Reads a client's batch, <c>{ "events": [ { "feature", "action", "timestamp", "metadata", "privateMetadata",
/// "client" } ] }</c>, with <see cref="Utf8JsonReader"/> straight from the (size-checked) body: each limit is
/// checked as its input is met, before what it limits is allocated. A problem with one event rejects only that
/// event; a body that is not JSON or not shaped like a batch, or holds too many events, rejects the whole request.
/// </summary>
/// <remarks>Messages quote at most <see cref="MaxQuotedLength"/> characters of what the client sent.</remarks>
internal static class ClientEventBatchReader
{
    public const int MaxClientFieldLength = 128;
    private const int MaxJsonDepth = 64;
    private const int MaxQuotedLength = 64;
    private const int MaxMetadataKeyLength = 256;
    private const int MaxTimestampLength = 64;

    // A JSON string escapes one byte in at most 6 (\u00XX): a longer raw value cannot decode to 64 bytes or fewer.
    private const int MaxEscapedNameLength = EventNameValidator.MaxLength * 6;

    private const string BatchShape = "The request body must be a JSON object { \"events\": [ ... ] }.";

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
                    StatusCodes.Status400BadRequest, $"The request body has an unknown property {Quote(ref reader)}. {BatchShape}");
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

                events.Add(ReadEvent(ref reader, options));
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

    private static ClientEvent ReadEvent(ref Utf8JsonReader reader, TelemetryClientEventsOptions options)
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
            return $"Unknown property {Quote(ref reader)}; an event has 'feature', 'action', 'timestamp', 'metadata', 'privateMetadata' and 'client'.";
        }

        if ((seen & property) != 0)
        {
            return $"Property {Quote(ref reader)} appears more than once.";
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
                return ReadMetadata(ref reader, result, options);
            case Properties.PrivateMetadata:
                return ReadPrivateMetadata(ref reader, result, options);
            default:
                return ReadClient(ref reader, result, options);
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

        return TryGetString(ref reader, out value) ? null : $"'{name}' is not valid Unicode text.";
    }

    private static string? ReadTimestamp(ref Utf8JsonReader reader, ClientEvent result, TelemetryClientEventsOptions options)
    {
        const string Expected = "'timestamp' must be an RFC 3339 date and time with an offset, for example \"2025-01-31T12:00:00.000Z\".";
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.String || reader.ValueSpan.Length > MaxTimestampLength
            || !TryGetString(ref reader, out var text) || !HasOffset(text) || !reader.TryGetDateTimeOffset(out var timestamp))
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

    private static string? ReadMetadata(ref Utf8JsonReader reader, ClientEvent result, TelemetryClientEventsOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return "'metadata' must be an object whose values are numbers.";
        }

        if (!options.AcceptMetadata)
        {
            reader.Skip();
            return null;
        }

        var metadata = new Dictionary<string, double>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (metadata.Count == options.MaxMetadataEntries)
            {
                return $"'metadata' has more than {options.MaxMetadataEntries} entries.";
            }

            var keyError = ReadKey(ref reader, "metadata", out var key);
            if (keyError is not null)
            {
                return keyError;
            }

            if (key == TelemetryClientEventsOptions.TimestampReplacedMetadataKey)
            {
                return $"'metadata.{key}' is set by the server; clients may not send it.";
            }

            reader.Read();
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetDouble(out var value) || !double.IsFinite(value))
            {
                return $"'metadata.{Truncate(key)}' must be a finite number (use 1 and 0 for booleans).";
            }

            if (!metadata.TryAdd(key, value))
            {
                return $"'metadata.{Truncate(key)}' appears more than once.";
            }
        }

        result.Metadata = metadata.Count > 0 ? metadata : null;
        return null;
    }

    private static string? ReadPrivateMetadata(ref Utf8JsonReader reader, ClientEvent result, TelemetryClientEventsOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return "'privateMetadata' must be an object.";
        }

        if (!options.AcceptPrivateMetadata)
        {
            reader.Skip();
            return null;
        }

        var count = 0;
        var error = ReadPrivateObject(ref reader, depth: 1, ref count, options, out var values);
        if (error is null && values.Count > 0)
        {
            result.PrivateMetadata = values;
        }

        return error;
    }

    private static string? ReadPrivateObject(
        ref Utf8JsonReader reader, int depth, ref int count, TelemetryClientEventsOptions options, out Dictionary<string, object?> values)
    {
        values = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (depth > options.MaxPrivateMetadataDepth)
        {
            return $"'privateMetadata' is nested more than {options.MaxPrivateMetadataDepth} levels deep.";
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var keyError = ReadKey(ref reader, "privateMetadata", out var key);
            if (keyError is not null)
            {
                return keyError;
            }

            reader.Read();
            var error = ReadPrivateValue(ref reader, depth, ref count, options, out var value);
            if (error is not null)
            {
                return error;
            }

            if (!values.TryAdd(key, value))
            {
                return $"'privateMetadata' has the key '{Truncate(key)}' more than once at one level.";
            }
        }

        return null;
    }

    private static string? ReadPrivateValue(
        ref Utf8JsonReader reader, int depth, ref int count, TelemetryClientEventsOptions options, out object? value)
    {
        value = null;
        if (++count > options.MaxMetadataEntries)
        {
            return $"'privateMetadata' has more than {options.MaxMetadataEntries} values.";
        }

        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                if (!TryGetString(ref reader, out var text))
                {
                    return "'privateMetadata' holds a string that is not valid Unicode text.";
                }

                value = text;
                return null;
            case JsonTokenType.Number:
                if (!reader.TryGetDouble(out var number) || !double.IsFinite(number))
                {
                    return "'privateMetadata' holds a number that is not finite.";
                }

                value = number;
                return null;
            case JsonTokenType.True:
                value = true;
                return null;
            case JsonTokenType.False:
                value = false;
                return null;
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.StartObject:
                var objectError = ReadPrivateObject(ref reader, depth + 1, ref count, options, out var nested);
                value = nested;
                return objectError;
            default:
                if (depth + 1 > options.MaxPrivateMetadataDepth)
                {
                    return $"'privateMetadata' is nested more than {options.MaxPrivateMetadataDepth} levels deep.";
                }

                var list = new List<object?>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    var itemError = ReadPrivateValue(ref reader, depth + 1, ref count, options, out var item);
                    if (itemError is not null)
                    {
                        return itemError;
                    }

                    list.Add(item);
                }

                value = list;
                return null;
        }
    }

    private static string? ReadClient(ref Utf8JsonReader reader, ClientEvent result, TelemetryClientEventsOptions options)
    {
        const string Expected = "'client' must be an object { \"name\": \"web\", \"version\": \"1.2.3\" } with a name.";
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return Expected;
        }

        if (!options.AcceptClient)
        {
            reader.Skip();
            return null;
        }

        string? name = null;
        string? version = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isName = reader.ValueTextEquals("name"u8);
            if (!isName && !reader.ValueTextEquals("version"u8))
            {
                return $"Unknown property 'client.{Truncate(DescribeName(ref reader))}'; {Expected}";
            }

            reader.Read();
            if (reader.TokenType == JsonTokenType.Null && !isName)
            {
                continue;
            }

            var field = isName ? "client.name" : "client.version";
            if (reader.TokenType != JsonTokenType.String)
            {
                return $"'{field}' must be a string.";
            }

            // Raw UTF-8 bytes: the decoded text has at most as many UTF-16 units.
            if (reader.ValueSpan.Length > MaxClientFieldLength || !TryGetString(ref reader, out var text))
            {
                return $"'{field}' must be valid Unicode text of at most {MaxClientFieldLength} characters.";
            }

            if (isName)
            {
                name = text;
            }
            else
            {
                version = text.Length > 0 ? text : null;
            }
        }

        if (string.IsNullOrEmpty(name))
        {
            return Expected;
        }

        result.Client = new TelemetryEventClient { Name = name, Version = version };
        return null;
    }

    private static string? ReadKey(ref Utf8JsonReader reader, string field, out string key)
    {
        key = string.Empty;
        if (reader.ValueSpan.Length > MaxMetadataKeyLength * 6 || !TryGetString(ref reader, out var text) || text.Length > MaxMetadataKeyLength)
        {
            return $"'{field}' keys must be valid Unicode text of at most {MaxMetadataKeyLength} characters.";
        }

        if (text.Length == 0)
        {
            return $"'{field}' keys must not be empty.";
        }

        key = text;
        return null;
    }

    private static bool TryGetString(ref Utf8JsonReader reader, [NotNullWhen(true)] out string? value)
    {
        try
        {
            value = reader.GetString();
            return value is not null;
        }
        catch (InvalidOperationException)
        {
            // Invalid UTF-8, or an escaped lone surrogate (\ud800): text no .NET string or protobuf message should hold.
            value = null;
            return false;
        }
    }

    private static string Quote(ref Utf8JsonReader reader) => $"'{Truncate(DescribeName(ref reader))}'";

    private static string DescribeName(ref Utf8JsonReader reader) =>
        reader.ValueSpan.Length <= MaxQuotedLength * 6 && TryGetString(ref reader, out var name) ? name : "(too long or not valid text)";

    private static string Truncate(string text) => text.Length <= MaxQuotedLength ? text : string.Concat(text.AsSpan(0, MaxQuotedLength), "…");
}
