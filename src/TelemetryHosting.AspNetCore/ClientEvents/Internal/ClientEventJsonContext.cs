using System.Text.Json;
using System.Text.Json.Serialization;

namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>
/// Source-generated (de)serialization of client bodies: camelCase names, no unknown members, no duplicate properties,
/// no comments or trailing commas, and at most <see cref="MaxDepth"/> levels of nesting.
/// </summary>
[JsonSerializable(typeof(ClientEventDocument))]
[JsonSerializable(typeof(ClientEventInputDocument))]
internal sealed partial class ClientEventJsonContext : JsonSerializerContext
{
    public const int MaxDepth = 64;

    /// <summary>Gets the context for one event: strict in every way.</summary>
    public static ClientEventJsonContext Events { get; } = new(CreateOptions());

    public static JsonReaderOptions ReaderOptions { get; } = new() { MaxDepth = MaxDepth };

    private static JsonSerializerOptions CreateOptions() => new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = false,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        AllowDuplicateProperties = false,
        MaxDepth = MaxDepth,
        ReadCommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
        NumberHandling = JsonNumberHandling.Strict,
    };
}
