namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>An event's <c>"client"</c> as the client sent it, <c>{ "name": "web", "version": "1.2.3" }</c>.</summary>
internal sealed class ClientEventClientDocument
{
    public string? Name { get; set; }

    public string? Version { get; set; }
}
