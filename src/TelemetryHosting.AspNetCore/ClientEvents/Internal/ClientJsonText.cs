using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>
/// The text of a client's JSON, read safely: strings that may not decode, metadata keys, and names quoted in messages.
/// </summary>
/// <remarks>Messages quote at most <see cref="MaxQuotedLength"/> characters of what the client sent.</remarks>
internal static class ClientJsonText
{
    private const int MaxQuotedLength = 64;
    private const int MaxMetadataKeyLength = 256;

    /// <summary>Reads a metadata key of <paramref name="field"/>; returns what is wrong with it, or <see langword="null"/>.</summary>
    public static string? ReadKey(ref Utf8JsonReader reader, string field, out string key)
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

    /// <summary>Gets the current string token as text, or <see langword="false"/> when it does not decode.</summary>
    public static bool TryGetString(ref Utf8JsonReader reader, [NotNullWhen(true)] out string? value)
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

    /// <summary>The current property name, quoted for a message.</summary>
    public static string Quote(ref Utf8JsonReader reader) => $"'{Truncate(DescribeName(ref reader))}'";

    /// <summary>The current property name, or a placeholder when it is too long to decode or does not decode.</summary>
    public static string DescribeName(ref Utf8JsonReader reader) =>
        reader.ValueSpan.Length <= MaxQuotedLength * 6 && TryGetString(ref reader, out var name) ? name : "(too long or not valid text)";

    /// <summary>Client text cut to what a message quotes.</summary>
    public static string Truncate(string text) => text.Length <= MaxQuotedLength ? text : string.Concat(text.AsSpan(0, MaxQuotedLength), "…");
}
