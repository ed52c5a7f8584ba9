namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>A <c>TelemetryEventInput</c>'s <c>source</c>: the client and its version.</summary>
internal sealed class ClientEventInputSourceDocument
{
    public string? Client { get; set; }

    public string? ClientVersion { get; set; }
}
