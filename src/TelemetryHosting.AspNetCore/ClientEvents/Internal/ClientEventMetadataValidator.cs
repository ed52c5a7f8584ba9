using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>
/// Checks an event's <c>"metadata"</c>: at most <see cref="TelemetryClientEventsOptions.MaxMetadataEntries"/> finite
/// numbers under non-empty keys of at most <see cref="MaxKeyLength"/> characters, none of them the key the server sets.
/// </summary>
internal static class ClientEventMetadataValidator
{
    public const int MaxKeyLength = 256;

    /// <summary>Returns what is wrong with <paramref name="metadata"/>, or <see langword="null"/> and its numbers.</summary>
    public static string? Validate(Dictionary<string, JsonElement> metadata, TelemetryClientEventsOptions options, out Dictionary<string, double>? values)
    {
        values = null;
        if (metadata.Count > options.MaxMetadataEntries)
        {
            return $"'metadata' has more than {options.MaxMetadataEntries} entries.";
        }

        var numbers = new Dictionary<string, double>(metadata.Count, StringComparer.Ordinal);
        foreach (var (key, element) in metadata)
        {
            var keyError = ValidateKey(key, "metadata");
            if (keyError is not null)
            {
                return keyError;
            }

            if (key == TelemetryClientEventsOptions.TimestampReplacedMetadataKey)
            {
                return $"'metadata.{key}' is set by the server; clients may not send it.";
            }

            if (element.ValueKind != JsonValueKind.Number || !element.TryGetDouble(out var value) || !double.IsFinite(value))
            {
                return $"'metadata.{ClientEventJsonErrors.Truncate(key)}' must be a finite number (use 1 and 0 for booleans).";
            }

            numbers[key] = value;
        }

        values = numbers.Count > 0 ? numbers : null;
        return null;
    }

    /// <summary>Reads the key of a metadata entry of <paramref name="field"/>; returns what is wrong with it, or <see langword="null"/>.</summary>
    public static string? ReadKey(JsonProperty property, string field, out string key)
    {
        key = string.Empty;
        try
        {
            key = property.Name;
        }
        catch (InvalidOperationException)
        {
            // An escaped lone surrogate (\ud800): text no .NET string or protobuf message should hold.
            return KeyTextError(field);
        }

        return ValidateKey(key, field);
    }

    /// <summary>Gets a string element's text, or <see langword="false"/> when it does not decode.</summary>
    public static bool TryGetString(JsonElement element, [NotNullWhen(true)] out string? value)
    {
        try
        {
            value = element.GetString();
            return value is not null;
        }
        catch (InvalidOperationException)
        {
            value = null;
            return false;
        }
    }

    public static string? ValidateKey(string key, string field) =>
        key.Length > MaxKeyLength ? KeyTextError(field)
        : key.Length == 0 ? $"'{field}' keys must not be empty."
        : null;

    private static string KeyTextError(string field) => $"'{field}' keys must be valid Unicode text of at most {MaxKeyLength} characters.";
}
