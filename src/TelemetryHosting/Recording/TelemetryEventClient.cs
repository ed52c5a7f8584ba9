namespace TelemetryHosting;

/// <summary>The client that reported an event to the service.</summary>
public sealed class TelemetryEventClient
{
    /// <summary>Gets the client's name, for example <c>web</c> or <c>vscode</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the client's version. The default value is <see langword="null"/>.</summary>
    public string? Version { get; init; }
}
