using System.Text.Json;
using System.Text.Json.Serialization;

namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>
/// Source-generated (de)serialization of client bodies: camelCase names, no unknown members, no duplicate properties,
/// no comments or trailing commas, and at most <see cref="MaxDepth"/> levels of nesting.
/// </summary>
[JsonSerializable(typeof(ClientEventEnvelope))]
[JsonSerializable(typeof(ClientEventDocument))]
internal sealed partial class ClientEventJsonContext : JsonSerializerContext
{
    public const int MaxDepth = 64;

    /// <summary>Gets the context for one event: strict in every way.</summary>
    public static ClientEventJsonContext Events { get; } = new(CreateOptions(allowDuplicateProperties: false));

    /// <summary>
    /// Gets the context for the envelope. It allows duplicates only so that an event's duplicate keys, kept in its
    /// <see cref="JsonElement"/>, reject that event alone; a second <c>"events"</c> is caught by the envelope.
    /// </summary>
    public static ClientEventJsonContext Envelope { get; } = new(CreateOptions(allowDuplicateProperties: true));

    public static JsonReaderOptions ReaderOptions { get; } = new() { MaxDepth = MaxDepth };

    private static JsonSerializerOptions CreateOptions(bool allowDuplicateProperties) => new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = false,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        AllowDuplicateProperties = allowDuplicateProperties,
        MaxDepth = MaxDepth,
        ReadCommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
        NumberHandling = JsonNumberHandling.Strict,
    };
}
