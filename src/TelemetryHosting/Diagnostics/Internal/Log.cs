using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace TelemetryHosting.Diagnostics.Internal;

/// <summary>
/// Every log message of the library, with stable event ids. Never log private metadata, tokens or secrets.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Warning,
        "Telemetry event dropped: the queue is full ({Capacity} events). Raise TelemetryGateway:QueueCapacity or check that the gateway is reachable.")]
    public static partial void QueueFull(ILogger logger, int capacity);

    [LoggerMessage(2, LogLevel.Warning,
        "Telemetry event {TelemetryEventId} ({Feature}/{Action}) given up after {Attempts} attempts: the gateway did not acknowledge it.")]
    public static partial void EventRejected(ILogger logger, string telemetryEventId, string feature, string action, int attempts);

    [LoggerMessage(3, LogLevel.Warning,
        "Telemetry export failed with {StatusCode} ({Detail}); {Suppressed} similar failures since the last report. Retrying in {Delay}; events wait in the queue meanwhile.")]
    public static partial void ExportRetrying(ILogger logger, StatusCode statusCode, string detail, int suppressed, TimeSpan delay);

    [LoggerMessage(4, LogLevel.Error,
        "{Count} telemetry events were not delivered before the recorder stopped.")]
    public static partial void UndeliveredAtShutdown(ILogger logger, long count);

    [LoggerMessage(5, LogLevel.Debug,
        "Telemetry export {RequestId}: {Acknowledged} of {Count} events acknowledged in {Duration}.")]
    public static partial void ExportCompleted(ILogger logger, string requestId, int acknowledged, int count, TimeSpan duration);

    [LoggerMessage(6, LogLevel.Information,
        "Telemetry recorder stopped: {Delivered} events delivered, {Failed} given up.")]
    public static partial void Stopped(ILogger logger, long delivered, long failed);

    [LoggerMessage(7, LogLevel.Error,
        "Telemetry export worker failed unexpectedly; it keeps its events and carries on after a pause.")]
    public static partial void WorkerFailed(ILogger logger, Exception exception);

    [LoggerMessage(8, LogLevel.Error,
        "The Telemetry Gateway refused the export with {StatusCode} ({Detail}): check TelemetryGateway:ServiceId and the SAMS client's scopes. {Suppressed} similar failures since the last report. Retrying in {Delay}; events are kept up to the queue bound.")]
    public static partial void ExportMisconfigured(ILogger logger, StatusCode statusCode, string detail, int suppressed, TimeSpan delay);

    [LoggerMessage(9, LogLevel.Information, "Telemetry exports succeed again after failing for {Duration}.")]
    public static partial void ExportRecovered(ILogger logger, TimeSpan duration);

    [LoggerMessage(10, LogLevel.Information, "Spilled {Count} telemetry events to {File}.")]
    public static partial void Spilled(ILogger logger, int count, string file);

    [LoggerMessage(11, LogLevel.Warning, "Spilled telemetry file {File} is corrupt ({Reason}); moved it to {Destination}.")]
    public static partial void SpillFileCorrupt(ILogger logger, string file, string reason, string destination);

    [LoggerMessage(12, LogLevel.Error, "{Count} telemetry events could not be spilled to disk ({Reason}) and were dropped.")]
    public static partial void SpillFailed(ILogger logger, int count, string reason);

    [LoggerMessage(13, LogLevel.Warning, "{Count} spilled telemetry events in {File} were older than {MaxAge} and were dropped.")]
    public static partial void SpillExpired(ILogger logger, int count, string file, TimeSpan maxAge);

    [LoggerMessage(14, LogLevel.Information, "Replaying {Count} spilled telemetry events from {File}.")]
    public static partial void Replaying(ILogger logger, int count, string file);

    [LoggerMessage(15, LogLevel.Warning, "Telemetry event {TelemetryEventId} ({Feature}/{Action}) dropped: it cannot be sent ({Problem}).")]
    public static partial void EventInvalid(ILogger logger, string telemetryEventId, string feature, string action, string problem);

    [LoggerMessage(16, LogLevel.Warning, "Telemetry event enricher {Enricher} failed on {Feature}/{Action}; events are recorded without what it adds ({Suppressed} similar failures since the last report).")]
    public static partial void EnricherFailed(ILogger logger, Exception exception, string enricher, string feature, string action, int suppressed);

    [LoggerMessage(17, LogLevel.Warning, "{Count} telemetry events could not be written to disk ({Reason}); they stay in memory and wait in the queue.")]
    public static partial void SpillKeptInMemory(ILogger logger, int count, string reason);

    [LoggerMessage(18, LogLevel.Error, "The telemetry export worker did not finish settling within {Time} after the host's shutdown timeout; events it still held are counted as pending.")]
    public static partial void StopTimedOut(ILogger logger, TimeSpan time);

    [LoggerMessage(19, LogLevel.Warning, "The gateway or a proxy in front of it refused a telemetry stream of {RefusedBytes} bytes of events as too large (HTTP 413); streams carry at most {LimitBytes} bytes for the next {Period}. Raise the proxy's request body limit (nginx: client_max_body_size) or lower TelemetryGateway:MaxBatchBytes.")]
    public static partial void StreamLimitLowered(ILogger logger, long refusedBytes, int limitBytes, TimeSpan period);

    [LoggerMessage(20, LogLevel.Warning, "Telemetry event {TelemetryEventId} ({Feature}/{Action}) given up after {Attempts} attempts: the gateway or a proxy in front of it refused it as too large (HTTP 413) even alone in a stream ({EncodedBytes} bytes encoded).")]
    public static partial void EventTooLarge(ILogger logger, string telemetryEventId, string feature, string action, int encodedBytes, int attempts);

    [LoggerMessage(21, LogLevel.Warning, "Telemetry event {TelemetryEventId} ({Feature}/{Action}) given up after {Attempts} sends: the export resilience pipeline gave up on each of them (a pipeline configured to stop retrying).")]
    public static partial void EventExportFailed(ILogger logger, string telemetryEventId, string feature, string action, int attempts);

    [LoggerMessage(22, LogLevel.Warning, "Spilled telemetry events are not replayed ({Reason}); they stay on disk, and the directory is checked again in {RetryIn}.")]
    public static partial void ReplayPaused(ILogger logger, string reason, TimeSpan retryIn);
}
