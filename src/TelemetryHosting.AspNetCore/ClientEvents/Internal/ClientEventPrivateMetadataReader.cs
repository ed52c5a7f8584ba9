using System.Text.Json;

namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>
/// Reads an event's <c>"privateMetadata"</c>: an object of any JSON values (strings, finite numbers, booleans, nulls,
/// objects and arrays), at most <see cref="TelemetryClientEventsOptions.MaxPrivateMetadataDepth"/> levels deep and
/// <see cref="TelemetryClientEventsOptions.MaxMetadataEntries"/> values in all; skipped when the options do not accept it.
/// </summary>
internal static class ClientEventPrivateMetadataReader
{
    public static string? Read(ref Utf8JsonReader reader, ClientEvent result, TelemetryClientEventsOptions options)
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
            var keyError = ClientJsonText.ReadKey(ref reader, "privateMetadata", out var key);
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
                return $"'privateMetadata' has the key '{ClientJsonText.Truncate(key)}' more than once at one level.";
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
                if (!ClientJsonText.TryGetString(ref reader, out var text))
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
}
