using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace TelemetryHosting.Diagnostics.Internal;

/// <summary>The authentication and transport security messages; event ids 100 to 119. Never a secret or a token.</summary>
internal static partial class Log
{
    [LoggerMessage(100, LogLevel.Debug, "Requesting a SAMS access token from {TokenEndpoint} for client {ClientId} with scopes {Scopes}.")]
    public static partial void SamsTokenRequesting(ILogger logger, Uri tokenEndpoint, string clientId, string scopes);

    [LoggerMessage(101, LogLevel.Debug, "Obtained a SAMS access token for client {ClientId}, valid for {Lifetime}.")]
    public static partial void SamsTokenObtained(ILogger logger, string clientId, TimeSpan lifetime);

    [LoggerMessage(102, LogLevel.Information,
        "The SAMS token endpoint {TokenEndpoint} rejected HTTP Basic client authentication (HTTP {Status}); sending the client credentials in the form body instead.")]
    public static partial void SamsBasicAuthenticationRejected(ILogger logger, Uri tokenEndpoint, int status);

    [LoggerMessage(103, LogLevel.Warning,
        "No SAMS access token: {Reason} Telemetry exports are retried with backoff; events wait in the queue meanwhile.")]
    public static partial void SamsTokenUnavailable(ILogger logger, string reason);

    [LoggerMessage(104, LogLevel.Error,
        "SAMS refused the access token request, a configuration error: {Reason} Telemetry exports are retried with backoff; events wait in the queue meanwhile, up to its capacity.")]
    public static partial void SamsTokenRefused(ILogger logger, string reason);

    [LoggerMessage(105, LogLevel.Information,
        "The Telemetry Gateway did not accept the SAMS access token ({Detail}); renewing it and retrying the export once.")]
    public static partial void GatewayUnauthenticated(ILogger logger, string detail);

    [LoggerMessage(106, LogLevel.Error,
        "The Telemetry Gateway refused the service with {StatusCode} ({Detail}), a configuration error (SAMS client configured: {HasClient}): check that the SAMS client is active and has the telemetry_gateway::events::write scope. Exports are retried with backoff; events wait in the queue meanwhile, up to its capacity.")]
    public static partial void GatewayDenied(ILogger logger, StatusCode statusCode, string detail, bool hasClient);

    [LoggerMessage(107, LogLevel.Warning,
        "TelemetryGateway:AllowInsecureTransport is on: plain http is accepted for hosts other than loopback ones (gateway {Endpoint}, SAMS token endpoint {TokenEndpoint}; in use: {InUse}). Events, the SAMS client secret and access tokens may travel unencrypted. Turn it off outside development.")]
    public static partial void InsecureTransportAllowed(ILogger logger, Uri? endpoint, Uri? tokenEndpoint, bool inUse);
}
