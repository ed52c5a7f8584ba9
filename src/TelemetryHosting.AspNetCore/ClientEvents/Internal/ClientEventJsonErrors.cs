using System.Text.Json;
using TelemetryHosting.Shared;

namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>
/// Turns what the serializer throws on a client's JSON into the endpoint's messages, which name the client's
/// property (from the exception's JSON path) and never a .NET type.
/// </summary>
internal static class ClientEventJsonErrors
{
    public const string EventProperties = "an event has 'feature', 'action', 'timestamp', 'metadata', 'privateMetadata' and 'client'.";
    public const string TimestampExpected = "'timestamp' must be an RFC 3339 date and time with an offset, for example \"2025-01-31T12:00:00.000Z\".";
    public const string ClientExpected = "'client' must be an object { \"name\": \"web\", \"version\": \"1.2.3\" } with a name.";

    private const int MaxQuotedLength = 64;

    /// <summary>Client text cut to what a message quotes, never inside a surrogate pair.</summary>
    public static string Truncate(string text) => TextClip.Clip(text, MaxQuotedLength);

    /// <summary>Whether the serializer refused the JSON as text (invalid UTF-8 or an escaped lone surrogate).</summary>
    public static bool IsInvalidText(Exception exception)
    {
        for (var inner = exception; inner is not null; inner = inner.InnerException)
        {
            // The serializer wraps the reader's refusal; a type mismatch is an InvalidOperationException too.
            if (inner is System.Text.DecoderFallbackException
                || (inner is InvalidOperationException or ArgumentException && inner.Message.Contains("UTF", StringComparison.Ordinal)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether the exception is the serializer's refusal of a property the type does not have.</summary>
    public static bool IsUnmapped(Exception exception) => exception.Message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal);

    /// <summary>The name the serializer's refusal of an unknown property quotes, cut to what a message quotes.</summary>
    public static string? UnmappedName(Exception exception)
    {
        const string Prefix = "The JSON property '";
        var message = exception.Message;
        var end = message.LastIndexOf("' could not be mapped", StringComparison.Ordinal);
        return message.StartsWith(Prefix, StringComparison.Ordinal) && end >= Prefix.Length ? Truncate(message[Prefix.Length..end]) : null;
    }

    /// <summary>Whether the exception is the serializer's refusal of a property that appears twice.</summary>
    public static bool IsDuplicate(Exception exception) => exception.Message.StartsWith("Duplicate propert", StringComparison.Ordinal);

    /// <summary>The client's name for the property the serializer stopped at: <c>$.metadata.k</c> is <c>metadata.k</c>.</summary>
    public static string PathOf(Exception exception)
    {
        var path = (exception as JsonException)?.Path ?? "$";
        return path.Length <= 2 ? string.Empty : Truncate(path[(path[1] == '.' ? 2 : 1)..]);
    }

    /// <summary>The message for an event the serializer refused.</summary>
    public static string DescribeEvent(Exception exception)
    {
        var path = PathOf(exception);
        var top = path.Split('.', '[')[0];
        if (IsUnmapped(exception))
        {
            var name = UnmappedName(exception) ?? "(not valid text)";
            return top == "client"
                ? $"Unknown property 'client.{name}'; {ClientExpected}"
                : $"Unknown property '{name}'; {EventProperties}";
        }

        if (IsDuplicate(exception))
        {
            return top switch
            {
                "" => "A property appears more than once.",
                _ when path == top => $"Property '{path}' appears more than once.",
                _ => $"'{path}' appears more than once.",
            };
        }

        if (IsInvalidText(exception))
        {
            return path switch
            {
                "" => "An event has a property name that is not valid Unicode text.",
                "client" => "'client' has a property name that is not valid Unicode text.",
                _ => $"'{path}' is not valid Unicode text.",
            };
        }

        // The timestamp, metadata and private metadata are read by the parsers themselves (ClientEventRawValue), with
        // their own messages: the serializer only skips them.
        return top switch
        {
            "feature" or "action" => $"'{top}' must be a string.",
            "client" when path == top => ClientExpected,
            "client" => $"'{path}' must be a string.",
            _ => $"The event is not valid: {exception.Message}",
        };
    }
}
