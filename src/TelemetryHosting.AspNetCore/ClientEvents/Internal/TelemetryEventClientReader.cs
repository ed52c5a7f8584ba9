using System.Text.Json;

namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>
/// Reads an event's <c>"client"</c>, <c>{ "name": "web", "version": "1.2.3" }</c>, into a
/// <see cref="TelemetryEventClient"/>: a name is required, each field is text of at most
/// <see cref="MaxClientFieldLength"/> characters; skipped when the options do not accept it.
/// </summary>
internal static class TelemetryEventClientReader
{
    public const int MaxClientFieldLength = 128;

    public static string? Read(ref Utf8JsonReader reader, ClientEvent result, TelemetryClientEventsOptions options)
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
                return $"Unknown property 'client.{ClientJsonText.Truncate(ClientJsonText.DescribeName(ref reader))}'; {Expected}";
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
            if (reader.ValueSpan.Length > MaxClientFieldLength || !ClientJsonText.TryGetString(ref reader, out var text))
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
}
