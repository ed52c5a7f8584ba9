using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>
/// The first pass over a request body: one <see cref="Utf8JsonReader"/> walk that builds nothing per event. It finds the
/// events (at <c>events</c>, or at <c>variables.events</c> of a GraphQL request), counts them, and counts what each one
/// holds, so that a body of too many events is refused, and an event with too many metadata entries, private metadata
/// values or JSON tokens is rejected, before anything is built for them, whatever else the body holds.
/// </summary>
internal static class ClientEventBodyScanner
{
    public const string BatchShape = "The request body must be a JSON object { \"events\": [ ... ] }, or the GraphQL request of Sourcegraph's telemetry exporters.";

    /// <summary>The longest GraphQL document read: the telemetry mutation, formatted and commented, is a few hundred bytes.</summary>
    private const int MaxQueryBytes = 4096;

    private const string InvalidText = $"The request body is not valid JSON text: it holds invalid UTF-8 or an escaped lone surrogate. {BatchShape}";

    /// <summary>How many JSON tokens an event may hold: far more than the largest valid event (about 40 per entry allowed).</summary>
    public static int TokenBudget(TelemetryClientEventsOptions options) => (16 * options.MaxMetadataEntries) + 256;

    public static ClientEventBody Scan(ReadOnlySpan<byte> body, TelemetryClientEventsOptions options)
    {
        var result = new ClientEventBody();
        try
        {
            var reader = new Utf8JsonReader(body, ClientEventJsonContext.ReaderOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return result.Refuse(StatusCodes.Status400BadRequest, BatchShape);
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var property = PropertyOf(ref reader);
                if (property == 0)
                {
                    return result.Refuse(StatusCodes.Status400BadRequest, TextOf(ref reader) is { } name
                        ? $"The request body has an unknown property '{name}'. {BatchShape}"
                        : InvalidText);
                }

                if (!result.See(property))
                {
                    return result.Refuse(StatusCodes.Status400BadRequest, $"The request body has '{NameOf(property)}' more than once.");
                }

                reader.Read();
                var refused = property switch
                {
                    ClientEventBody.EventsProperty => ScanEvents(ref reader, body, options, result, "events"),
                    ClientEventBody.VariablesProperty => ScanVariables(ref reader, body, options, result),
                    ClientEventBody.QueryProperty => reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length > MaxQueryBytes
                        ? $"The GraphQL query is longer than {MaxQueryBytes} bytes; Sourcegraph's telemetry mutation is far shorter."
                        : ReadString(ref reader, "query", value => result.Query = value),
                    ClientEventBody.OperationNameProperty => reader.TokenType == JsonTokenType.Null ? null : ReadString(ref reader, "operationName", value => result.OperationName = value),
                    _ => SkipExtensions(ref reader),
                };
                if (refused is not null)
                {
                    return result.StatusCode != 0 ? result : result.Refuse(StatusCodes.Status400BadRequest, refused);
                }
            }

            // Throws on anything but whitespace after the object.
            reader.Read();
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException or ArgumentException)
        {
            return result.Refuse(StatusCodes.Status400BadRequest, ClientEventJsonErrors.IsInvalidText(exception)
                ? InvalidText
                : $"The request body is not valid JSON: {exception.Message}");
        }

        return result.Finish(options);
    }

    private static string? ScanVariables(ref Utf8JsonReader reader, ReadOnlySpan<byte> body, TelemetryClientEventsOptions options, ClientEventBody result)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return "'variables' must be an object { \"events\": [ ... ] }.";
        }

        var seen = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!Is(ref reader, "events"u8))
            {
                return $"'variables' has an unknown variable '{TextOf(ref reader) ?? "(not valid text)"}'; the mutation takes only 'events'.";
            }

            if (seen)
            {
                return "'variables' has 'events' more than once.";
            }

            seen = true;
            result.HasVariableEvents = true;
            reader.Read();
            if (ScanEvents(ref reader, body, options, result, "variables.events") is { } refused)
            {
                return refused;
            }
        }

        return null;
    }

    private static string? ScanEvents(ref Utf8JsonReader reader, ReadOnlySpan<byte> body, TelemetryClientEventsOptions options, ClientEventBody result, string name)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return $"'{name}' must be an array.";
        }

        var budget = TokenBudget(options);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (result.Events.Count == options.MaxEventsPerRequest)
            {
                // One event too many: nothing more is built. The rest of the body is only walked, so that a body that
                // is not JSON is still refused as such.
                result.TooManyEvents = true;
                reader.Skip();
                continue;
            }

            var start = (int)reader.TokenStartIndex;
            var slice = new ClientEventSlice { Start = start };
            if (reader.TokenType == JsonTokenType.StartObject)
            {
                ScanEvent(ref reader, options, budget, slice);
            }
            else
            {
                reader.Skip();
            }

            slice.Length = (int)reader.BytesConsumed - start;
            result.Events.Add(slice);
        }

        return null;
    }

    /// <summary>Walks one event object (the reader on its start) to its end, counting as it goes.</summary>
    private static void ScanEvent(ref Utf8JsonReader reader, TelemetryClientEventsOptions options, int budget, ClientEventSlice slice)
    {
        var depth = reader.CurrentDepth;
        var tokens = 0;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
        {
            tokens++;
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }

            CheckNameLength(ref reader, slice);
            if (reader.CurrentDepth != depth + 1)
            {
                continue;
            }

            if (IsEventName(ref reader, "source"u8, slice))
            {
                slice.IsInput = true;
            }
            else if (IsEventName(ref reader, "parameters"u8, slice))
            {
                slice.IsInput = true;
                reader.Read();
                tokens++;
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    ScanParameters(ref reader, options, ref tokens, slice);
                }
            }
            else if (IsEventName(ref reader, "metadata"u8, slice))
            {
                reader.Read();
                tokens++;
                CountMetadata(ref reader, options, ref tokens, slice, "metadata");
            }
            else if (IsEventName(ref reader, "privateMetadata"u8, slice))
            {
                reader.Read();
                tokens++;
                CountPrivateMetadata(ref reader, options, ref tokens, slice, "privateMetadata");
            }

            if (tokens > budget)
            {
                slice.Refusal ??= $"The event is too large: it holds more than {budget} JSON values and names.";
            }
        }

        if (tokens > budget)
        {
            slice.Refusal ??= $"The event is too large: it holds more than {budget} JSON values and names.";
        }
    }

    private static void ScanParameters(ref Utf8JsonReader reader, TelemetryClientEventsOptions options, ref int tokens, ClientEventSlice slice)
    {
        var depth = reader.CurrentDepth;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
        {
            tokens++;
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }

            CheckNameLength(ref reader, slice);
            if (reader.CurrentDepth != depth + 1)
            {
                continue;
            }

            if (IsEventName(ref reader, "metadata"u8, slice))
            {
                reader.Read();
                tokens++;
                CountMetadata(ref reader, options, ref tokens, slice, "parameters.metadata");
            }
            else if (IsEventName(ref reader, "privateMetadata"u8, slice))
            {
                reader.Read();
                tokens++;
                CountPrivateMetadata(ref reader, options, ref tokens, slice, "parameters.privateMetadata");
            }
        }
    }

    /// <summary>Counts the entries of a metadata object (the compact shape) or array (<c>TelemetryEventInput</c>'s).</summary>
    private static void CountMetadata(ref Utf8JsonReader reader, TelemetryClientEventsOptions options, ref int tokens, ClientEventSlice slice, string field)
    {
        if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
        {
            return;
        }

        // An object's entries are its property names; an array's, its elements (a name's value is at the name's depth).
        var isArray = reader.TokenType == JsonTokenType.StartArray;
        var depth = reader.CurrentDepth;
        var entries = 0;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            tokens++;
            if (reader.TokenType == JsonTokenType.PropertyName)
            {
                CheckNameLength(ref reader, slice);
            }

            if (reader.CurrentDepth == depth + 1
                && (isArray ? reader.TokenType is not (JsonTokenType.EndObject or JsonTokenType.EndArray) : reader.TokenType == JsonTokenType.PropertyName))
            {
                entries++;
            }
        }

        tokens++;
        if (entries > options.MaxMetadataEntries)
        {
            slice.Refusal ??= $"'{field}' has more than {options.MaxMetadataEntries} entries.";
        }
    }

    /// <summary>Counts the values a private metadata value holds (the value itself, when it is not an object, is one).</summary>
    private static void CountPrivateMetadata(ref Utf8JsonReader reader, TelemetryClientEventsOptions options, ref int tokens, ClientEventSlice slice, string field)
    {
        var values = 0;
        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
        {
            var depth = reader.CurrentDepth;
            values = reader.TokenType == JsonTokenType.StartArray ? 1 : 0;
            while (reader.Read() && reader.CurrentDepth > depth)
            {
                tokens++;
                if (reader.TokenType == JsonTokenType.PropertyName)
                {
                    CheckNameLength(ref reader, slice);
                }

                if (reader.TokenType is not (JsonTokenType.PropertyName or JsonTokenType.EndObject or JsonTokenType.EndArray))
                {
                    values++;
                }
            }

            tokens++;
        }

        if (values > options.MaxMetadataEntries)
        {
            slice.Refusal ??= $"'{field}' has more than {options.MaxMetadataEntries} values.";
        }
    }

    private static string? ReadString(ref Utf8JsonReader reader, string name, Action<string?> set)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            return $"'{name}' must be a string.";
        }

        set(reader.GetString());
        return null;
    }

    private static string? SkipExtensions(ref Utf8JsonReader reader)
    {
        // GraphQL clients may send "extensions" (persisted-query hashes and the like): nothing here reads them.
        reader.Skip();
        return null;
    }

    /// <summary>Whether the name or string at the reader is <paramref name="text"/>; one that does not decode (an escaped lone surrogate) is not.</summary>
    private static bool Is(ref Utf8JsonReader reader, ReadOnlySpan<byte> text)
    {
        if (!reader.ValueIsEscaped)
        {
            return reader.ValueSpan.SequenceEqual(text);
        }

        // Escaped: at most 6 bytes a character. Longer cannot be the name, and is not unescaped at all.
        if (reader.ValueSpan.Length > 6 * text.Length)
        {
            return false;
        }

        try
        {
            return reader.ValueTextEquals(text);
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>
    /// <see cref="Is"/> for a name in an event; a name that does not decode rejects the event, and once it is rejected no
    /// name is decoded again (a body of such names costs one exception an event, not one a name).
    /// </summary>
    private static bool IsEventName(ref Utf8JsonReader reader, ReadOnlySpan<byte> text, ClientEventSlice slice)
    {
        if (slice.Refusal is not null || !reader.ValueIsEscaped)
        {
            return slice.Refusal is null && reader.ValueSpan.SequenceEqual(text);
        }

        if (reader.ValueSpan.Length > 6 * text.Length)
        {
            return false;
        }

        try
        {
            return reader.ValueTextEquals(text);
        }
        catch (InvalidOperationException)
        {
            slice.Refusal = "An event has a property name that is not valid Unicode text.";
            return false;
        }
    }

    /// <summary>
    /// Rejects the event when a property name is longer than any the endpoint takes (keys are at most
    /// <see cref="ClientEventMetadataValidator.MaxKeyLength"/> characters, at most 6 bytes each), before a message or a
    /// serializer's path ever copies it.
    /// </summary>
    private static void CheckNameLength(ref Utf8JsonReader reader, ClientEventSlice slice)
    {
        if (reader.ValueSpan.Length > 6 * ClientEventMetadataValidator.MaxKeyLength)
        {
            slice.Refusal ??= $"An event has a property name longer than {ClientEventMetadataValidator.MaxKeyLength} characters.";
        }
    }

    /// <summary>The name at the reader, cut to what a message quotes; <see langword="null"/> when it does not decode.</summary>
    private static string? TextOf(ref Utf8JsonReader reader)
    {
        try
        {
            return ClientEventJsonErrors.Truncate(reader.GetString() ?? string.Empty);
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static int PropertyOf(ref Utf8JsonReader reader) =>
        Is(ref reader, "events"u8) ? ClientEventBody.EventsProperty
        : Is(ref reader, "query"u8) ? ClientEventBody.QueryProperty
        : Is(ref reader, "variables"u8) ? ClientEventBody.VariablesProperty
        : Is(ref reader, "operationName"u8) ? ClientEventBody.OperationNameProperty
        : Is(ref reader, "extensions"u8) ? ClientEventBody.ExtensionsProperty
        : 0;

    private static string NameOf(int property) => property switch
    {
        ClientEventBody.EventsProperty => "events",
        ClientEventBody.QueryProperty => "query",
        ClientEventBody.VariablesProperty => "variables",
        ClientEventBody.OperationNameProperty => "operationName",
        _ => "extensions",
    };
}
