using System.Text.Json;

namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>
/// Checks an event's <c>"privateMetadata"</c> and turns it into values for the recorder: an object of strings, finite
/// numbers, booleans, nulls, objects and arrays, at most <see cref="TelemetryClientEventsOptions.MaxPrivateMetadataDepth"/>
/// levels deep and <see cref="TelemetryClientEventsOptions.MaxMetadataEntries"/> values in all.
/// </summary>
internal sealed class ClientEventPrivateMetadataValidator(TelemetryClientEventsOptions options, string field = "privateMetadata")
{
    private int _count;

    /// <summary>Returns what is wrong with <paramref name="element"/>, or <see langword="null"/> and its values.</summary>
    public string? Validate(JsonElement element, out Dictionary<string, object?> values) => ReadObject(element, depth: 1, out values);

    /// <summary>Returns what is wrong with a private metadata value that is not an object (kept as its one value), or <see langword="null"/>.</summary>
    public string? ValidateValue(JsonElement element, out object? value) => ReadValue(element, depth: 1, out value);

    private string? ReadObject(JsonElement element, int depth, out Dictionary<string, object?> values)
    {
        values = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (depth > options.MaxPrivateMetadataDepth)
        {
            return DepthError();
        }

        foreach (var property in element.EnumerateObject())
        {
            var keyError = ClientEventMetadataValidator.ReadKey(property, field, out var key);
            if (keyError is not null)
            {
                return keyError;
            }

            var error = ReadValue(property.Value, depth, out var value);
            if (error is not null)
            {
                return error;
            }

            if (!values.TryAdd(key, value))
            {
                return $"'{field}' has the key '{ClientEventJsonErrors.Truncate(key)}' more than once at one level.";
            }
        }

        return null;
    }

    private string? ReadValue(JsonElement element, int depth, out object? value)
    {
        value = null;
        if (++_count > options.MaxMetadataEntries)
        {
            return $"'{field}' has more than {options.MaxMetadataEntries} values.";
        }

        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                if (!ClientEventMetadataValidator.TryGetString(element, out var text))
                {
                    return $"'{field}' holds a string that is not valid Unicode text.";
                }

                value = text;
                return null;
            case JsonValueKind.Number:
                if (!element.TryGetDouble(out var number) || !double.IsFinite(number))
                {
                    return $"'{field}' holds a number that is not finite.";
                }

                value = number;
                return null;
            case JsonValueKind.True or JsonValueKind.False:
                value = element.ValueKind == JsonValueKind.True;
                return null;
            case JsonValueKind.Object:
                var objectError = ReadObject(element, depth + 1, out var nested);
                value = nested;
                return objectError;
            case JsonValueKind.Array:
                if (depth + 1 > options.MaxPrivateMetadataDepth)
                {
                    return DepthError();
                }

                var list = new List<object?>();
                foreach (var item in element.EnumerateArray())
                {
                    var itemError = ReadValue(item, depth + 1, out var itemValue);
                    if (itemError is not null)
                    {
                        return itemError;
                    }

                    list.Add(itemValue);
                }

                value = list;
                return null;
            default:
                return null;
        }
    }

    private string DepthError() => $"'{field}' is nested more than {options.MaxPrivateMetadataDepth} levels deep.";
}
