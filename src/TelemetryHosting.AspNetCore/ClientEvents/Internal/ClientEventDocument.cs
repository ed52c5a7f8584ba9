namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>
/// One event as the client sent it. Names and the client are typed; the timestamp, metadata and private metadata are
/// kept as JSON for the checks the serializer cannot make (an offset, finite numbers, depth and count).
/// </summary>
internal sealed class ClientEventDocument
{
    public string? Feature { get; set; }

    public string? Action { get; set; }

    public ClientEventRawValue? Timestamp { get; set; }

    public ClientEventRawValue? Metadata { get; set; }

    public ClientEventRawValue? PrivateMetadata { get; set; }

    public ClientEventClientDocument? Client { get; set; }
}
