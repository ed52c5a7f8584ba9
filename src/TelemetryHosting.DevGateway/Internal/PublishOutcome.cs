namespace TelemetryHosting.DevGateway.Internal;

/// <summary>What happened to one event handed to the publisher.</summary>
internal enum PublishOutcome
{
    /// <summary>Validated and stored.</summary>
    Published,

    /// <summary>Failed the gateway's validation; the reason says why.</summary>
    Invalid,

    /// <summary>Too large: dropped, yet reported as succeeded like the real gateway does.</summary>
    Oversize,

    /// <summary>Failed by fault injection.</summary>
    InjectedFailure,
}
