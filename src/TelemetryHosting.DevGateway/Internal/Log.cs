using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace TelemetryHosting.DevGateway.Internal;

/// <summary>
/// The development gateway's log messages. Never log secrets, tokens or private metadata here. Every value a peer chose
/// is a <see cref="PeerText"/>, escaped when written.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Development Telemetry Gateway listening: gRPC at {GrpcAddress}, events page and SAMS token endpoint at {WebAddress}")]
    public static partial void Started(ILogger logger, Uri grpcAddress, Uri webAddress);

    [LoggerMessage(2, LogLevel.Information, "Received events are shown at {PageAddress}")]
    public static partial void PageAddress(ILogger logger, Uri pageAddress);

    [LoggerMessage(3, LogLevel.Debug, "Payload of {EventCount} events from request {RequestId}: {SucceededCount} reported as succeeded")]
    public static partial void PayloadHandled(ILogger logger, int eventCount, PeerText requestId, int succeededCount);

    [LoggerMessage(4, LogLevel.Information, "Call {Method} refused: {StatusCode} {Detail}")]
    public static partial void CallRefused(ILogger logger, string method, StatusCode statusCode, PeerText detail);

    [LoggerMessage(5, LogLevel.Information, "Event {EventId} ({Feature}/{Action}) not published: {Reason}")]
    public static partial void EventNotPublished(ILogger logger, PeerText eventId, PeerText feature, PeerText action, PeerText reason);

    [LoggerMessage(6, LogLevel.Warning, "Event {EventId} ({Feature}/{Action}) dropped: its JSON form is 10,000,000 bytes or more")]
    public static partial void EventOversize(ILogger logger, PeerText eventId, PeerText feature, PeerText action);

    [LoggerMessage(7, LogLevel.Information, "Fault injection: aborting a RecordEvents stream of request {RequestId}")]
    public static partial void StreamAborted(ILogger logger, PeerText requestId);

    [LoggerMessage(8, LogLevel.Information, "SAMS token issued to client {ClientId} with scopes {Scopes}")]
    public static partial void TokenIssued(ILogger logger, PeerText clientId, PeerText scopes);

    [LoggerMessage(9, LogLevel.Information, "SAMS token request refused: {Error} ({Description})")]
    public static partial void TokenRequestRefused(ILogger logger, string error, PeerText description);

    [LoggerMessage(10, LogLevel.Information, "Fault injection: a RecordEvents stream is left unread and unanswered")]
    public static partial void StreamHung(ILogger logger);

    [LoggerMessage(11, LogLevel.Information, "Fault injection: closing the connection of request {RequestId} (GOAWAY)")]
    public static partial void ConnectionClosing(ILogger logger, PeerText requestId);
}
