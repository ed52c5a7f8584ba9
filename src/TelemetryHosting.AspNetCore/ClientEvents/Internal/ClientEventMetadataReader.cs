using System.Text.Json;

namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>
/// Reads an event's <c>"metadata"</c>: an object of at most <see cref="TelemetryClientEventsOptions.MaxMetadataEntries"/>
/// finite numbers under distinct non-empty keys, none of them the key the server sets; skipped when the options do not
/// accept metadata.
/// </summary>
internal static class ClientEventMetadataReader
{
    public static string? Read(ref Utf8JsonReader reader, ClientEvent result, TelemetryClientEventsOptions options)
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

            var keyError = ClientJsonText.ReadKey(ref reader, "metadata", out var key);
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
                return $"'metadata.{ClientJsonText.Truncate(key)}' must be a finite number (use 1 and 0 for booleans).";
            }

            if (!metadata.TryAdd(key, value))
            {
                return $"'metadata.{ClientJsonText.Truncate(key)}' appears more than once.";
            }
        }

        result.Metadata = metadata.Count > 0 ? metadata : null;
        return null;
    }
}
