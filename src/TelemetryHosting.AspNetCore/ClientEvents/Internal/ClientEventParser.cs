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

    public static ClientEvent Parse(JsonElement element, TelemetryClientEventsOptions options)
    {
        var result = new ClientEvent();
        if (element.ValueKind != JsonValueKind.Object)
        {
            result.Error = "An event must be a JSON object.";
            return result;
        }

        ClientEventDocument? document;
        try
        {
            document = element.Deserialize(ClientEventJsonContext.Events.ClientEventDocument);
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException or NotSupportedException or ArgumentException or FormatException)
        {
            result.Error = ClientEventJsonErrors.DescribeEvent(exception);
            return result;
        }

        result.Feature = document!.Feature;
        result.Action = document.Action;
        result.Error = ReadTimestamp(document.Timestamp, result, options)
            ?? ReadMetadata(document.Metadata, result, options)
            ?? ReadPrivateMetadata(document.PrivateMetadata, result, options)
            ?? ReadClient(document.Client, result, options);
        return result;
    }

    private static string? ReadTimestamp(JsonElement? element, ClientEvent result, TelemetryClientEventsOptions options)
    {
        if (element is not { } timestamp || timestamp.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

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

    private static string? ReadMetadata(Dictionary<string, JsonElement>? metadata, ClientEvent result, TelemetryClientEventsOptions options)
    {
        if (metadata is null || !options.AcceptMetadata)
        {
            return null;
        }

        var error = ClientEventMetadataValidator.Validate(metadata, options, out var values);
        result.Metadata = values;
        return error;
    }

    private static string? ReadPrivateMetadata(JsonElement? element, ClientEvent result, TelemetryClientEventsOptions options)
    {
        if (element is not { } privateMetadata || privateMetadata.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

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

        if (string.IsNullOrEmpty(client.Name))
        {
            return ClientEventJsonErrors.ClientExpected;
        }

        foreach (var (field, text) in (ReadOnlySpan<(string, string?)>)[("client.name", client.Name), ("client.version", client.Version)])
        {
            if (text?.Length > MaxClientFieldLength)
            {
                return $"'{field}' must be valid Unicode text of at most {MaxClientFieldLength} characters.";
            }
        }

        result.Client = new TelemetryEventClient { Name = client.Name, Version = string.IsNullOrEmpty(client.Version) ? null : client.Version };
        return null;
    }
}
