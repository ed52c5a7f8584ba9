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

    /// <summary>The gateway refused the stream's metadata or credentials: retried at the longest delay, logged as an error.</summary>
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

            // Including Internal ("unable to validate token") and Unauthenticated after the token was renewed.
            _ => ExportFailureKind.Transient,
        },
        // IsolatedCircuitException is a BrokenCircuitException.
        TimeoutRejectedException or BrokenCircuitException or HttpRequestException or IOException => ExportFailureKind.Transient,

        // The server's Cancelled or DeadlineExceeded, as the channel reports them; the caller rules out our own first.
        OperationCanceledException => ExportFailureKind.Transient,
        _ => ExportFailureKind.None,
    };

    /// <summary>
    /// Whether the gateway or a proxy refused the stream as too large: an HTTP 413, which
    /// <see cref="Export.Internal.RequestTooLargeHandler"/> puts in the call's debug exception.
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
