using System.Text.Json;

namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>
/// Reads one event of a client's batch with the source-generated <see cref="ClientEventJsonContext"/>, then makes the
/// checks the serializer cannot: a timestamp with an offset, finite metadata numbers, private metadata depth and count,
/// client field lengths. A problem rejects only this event: the first one found is its <see cref="ClientEvent.Error"/>.
/// </summary>
internal static class ClientEventParser
{
    public const int MaxClientFieldLength = 128;
    private const int MaxTimestampLength = 64;

    /// <summary>Reads the event at <paramref name="slice"/> of <paramref name="body"/>, in the shape the first pass found.</summary>
    public static ClientEvent Parse(ReadOnlyMemory<byte> body, ClientEventSlice slice, TelemetryClientEventsOptions options)
    {
        if (slice.Refusal is { } refusal)
        {
            return new ClientEvent { Error = refusal };
        }

        var eventBytes = body.Slice(slice.Start, slice.Length);
        var reader = new Utf8JsonReader(eventBytes.Span, ClientEventJsonContext.ReaderOptions);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return new ClientEvent { Error = "An event must be a JSON object." };
        }

        return slice.IsInput ? ClientEventInputParser.Parse(ref reader, eventBytes, options) : Parse(ref reader, eventBytes, options);
    }

    private static ClientEvent Parse(ref Utf8JsonReader reader, ReadOnlyMemory<byte> eventBytes, TelemetryClientEventsOptions options)
    {
        var result = new ClientEvent();
        ClientEventDocument? document;
        try
        {
            document = JsonSerializer.Deserialize(ref reader, ClientEventJsonContext.Events.ClientEventDocument);
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException or NotSupportedException or ArgumentException or FormatException)
        {
            result.Error = ClientEventJsonErrors.DescribeEvent(exception);
            return result;
        }

        result.Feature = document!.Feature;
        result.Action = document.Action;
        result.Error = ReadTimestamp(document.Timestamp, eventBytes, result, options)
            ?? ReadMetadata(document.Metadata, eventBytes, result, options)
            ?? ReadPrivateMetadata(document.PrivateMetadata, eventBytes, result, options)
            ?? ReadClient(document.Client, result, options);
        return result;
    }

    public static string? ReadTimestamp(ClientEventRawValue? raw, ReadOnlyMemory<byte> eventBytes, ClientEvent result, TelemetryClientEventsOptions options)
    {
        // Checked on the raw bytes first (at most 6 per character, escaped, and the quotes): a long string is never built.
        if (raw?.Length > (6 * MaxTimestampLength) + 2)
        {
            return ClientEventJsonErrors.TimestampExpected;
        }

        using var document = ClientEventRawValue.ParseUnlessNull(raw, eventBytes);
        if (document is null)
        {
            return null;
        }

        var timestamp = document.RootElement;

        if (timestamp.ValueKind != JsonValueKind.String || !ClientEventMetadataValidator.TryGetString(timestamp, out var text)
            || text.Length > MaxTimestampLength || !HasOffset(text) || !timestamp.TryGetDateTimeOffset(out var value))
        {
            return ClientEventJsonErrors.TimestampExpected;
        }

        if (options.AcceptTimestamp)
        {
            result.Timestamp = value;
        }

        return null;

        // Without one, the parser would take the server's local time zone.
        static bool HasOffset(string text) =>
            text.EndsWith('Z') || text.EndsWith('z')
            || (text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':');
    }

    private static string? ReadMetadata(ClientEventRawValue? raw, ReadOnlyMemory<byte> eventBytes, ClientEvent result, TelemetryClientEventsOptions options)
    {
        using var document = ClientEventRawValue.ParseUnlessNull(raw, eventBytes);
        if (document is null)
        {
            return null;
        }

        var metadata = document.RootElement;

        if (metadata.ValueKind != JsonValueKind.Object)
        {
            return "'metadata' must be an object whose values are numbers.";
        }

        if (!options.AcceptMetadata)
        {
            return null;
        }

        var error = ClientEventMetadataValidator.Validate(metadata, options, out var values);
        result.Metadata = values;
        return error;
    }

    private static string? ReadPrivateMetadata(ClientEventRawValue? raw, ReadOnlyMemory<byte> eventBytes, ClientEvent result, TelemetryClientEventsOptions options)
    {
        using var document = ClientEventRawValue.ParseUnlessNull(raw, eventBytes);
        if (document is null)
        {
            return null;
        }

        var privateMetadata = document.RootElement;

        if (privateMetadata.ValueKind != JsonValueKind.Object)
        {
            return "'privateMetadata' must be an object.";
        }

        if (!options.AcceptPrivateMetadata)
        {
            return null;
        }

        var error = new ClientEventPrivateMetadataValidator(options).Validate(privateMetadata, out var values);
        result.PrivateMetadata = error is null && values.Count > 0 ? values : null;
        return error;
    }

    private static string? ReadClient(ClientEventClientDocument? client, ClientEvent result, TelemetryClientEventsOptions options)
    {
        if (client is null || !options.AcceptClient)
        {
            return null;
        }

        return string.IsNullOrEmpty(client.Name) ? ClientEventJsonErrors.ClientExpected
            : ReadClient(("client.name", client.Name), ("client.version", client.Version), result);
    }

    /// <summary>Checks a client's name and version, then sets them on <paramref name="result"/>.</summary>
    public static string? ReadClient((string Field, string Text) name, (string Field, string? Text) version, ClientEvent result) =>
        CheckLength(name, MaxClientFieldLength) ?? CheckLength(version, MaxClientFieldLength) ?? Set(result, name.Text, version.Text);

    /// <summary>Returns the message for a text longer than <paramref name="most"/> characters, or <see langword="null"/>.</summary>
    public static string? CheckLength((string Field, string? Text) field, int most) =>
        field.Text?.Length > most ? $"'{field.Field}' must be valid Unicode text of at most {most} characters." : null;

    private static string? Set(ClientEvent result, string name, string? version)
    {
        result.Client = new TelemetryEventClient { Name = name, Version = string.IsNullOrEmpty(version) ? null : version };
        return null;
    }
}
