using Grpc.Core;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace TelemetryHosting.Resilience.Internal;

/// <summary>How an export failure is treated.</summary>
internal enum ExportFailureKind
{
    /// <summary>Not an export failure (our own cancellation, a bug): not retried.</summary>
    None,

    /// <summary>The gateway or the network had a bad moment: retried with backoff.</summary>
    Transient,

    /// <summary>
    /// The gateway refused the stream's metadata or credentials (InvalidArgument, PermissionDenied, Unimplemented):
    /// a configuration error that retrying soon will not fix. Logged as an error, retried at the longest delay,
    /// events kept.
    /// </summary>
    Configuration,
}

/// <summary>Classifies export failures by gRPC status, as the gateway reports them.</summary>
internal static class ExportFailure
{
    public static ExportFailureKind Classify(Exception? exception) => exception switch
    {
        RpcException rpc => rpc.StatusCode switch
        {
            StatusCode.InvalidArgument or StatusCode.PermissionDenied or StatusCode.Unimplemented => ExportFailureKind.Configuration,
            StatusCode.OK => ExportFailureKind.None,

            // Unavailable, DeadlineExceeded, Aborted, ResourceExhausted, Internal (including "unable to validate
            // token"), Cancelled by the server, Unauthenticated after the token was renewed, and the rest: the
            // events are kept and the export is tried again.
            _ => ExportFailureKind.Transient,
        },
        // IsolatedCircuitException is a BrokenCircuitException.
        TimeoutRejectedException or BrokenCircuitException => ExportFailureKind.Transient,
        HttpRequestException or IOException => ExportFailureKind.Transient,

        // The server ended the call with Cancelled or DeadlineExceeded (the channel reports those as cancellation).
        // Cancellation of our own is ruled out by the caller, which checks its token first.
        OperationCanceledException => ExportFailureKind.Transient,
        _ => ExportFailureKind.None,
    };

    /// <summary>
    /// Whether the gateway, or a proxy in front of it, refused the stream as too large (an HTTP 413 with no gRPC status,
    /// which <see cref="Export.Internal.RequestTooLargeHandler"/> turns into the call's debug exception).
    /// </summary>
    public static bool IsRequestTooLarge(Exception? exception)
    {
        for (var current = exception is RpcException rpc ? rpc.Status.DebugException : exception; current is not null; current = current.InnerException)
        {
            if (current is HttpRequestException { StatusCode: System.Net.HttpStatusCode.RequestEntityTooLarge })
            {
                return true;
            }
        }

        return false;
    }

    public static Status StatusOf(Exception? exception) => exception switch
    {
        RpcException rpc => rpc.Status,
        TimeoutRejectedException => new Status(StatusCode.DeadlineExceeded, "the export attempt timed out"),
        BrokenCircuitException => new Status(StatusCode.Unavailable, "circuit open after repeated failures"),
        OperationCanceledException => new Status(StatusCode.Cancelled, "the gateway cancelled the call"),
        _ => new Status(StatusCode.Unavailable, exception?.GetType().Name ?? "unknown failure"),
    };
}
