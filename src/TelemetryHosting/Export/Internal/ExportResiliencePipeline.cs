using Grpc.Core;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using TelemetryHosting.Diagnostics.Internal;

namespace TelemetryHosting.Export.Internal;

/// <summary>
/// The Polly pipeline around each export: a timeout per attempt inside a retry with exponential backoff and
/// jitter. gRPC statuses travel in trailers, out of sight of HTTP-level resilience handlers, so the pipeline
/// wraps the call itself.
/// </summary>
internal static class ExportResiliencePipeline
{
    public static ResiliencePipeline Create(TelemetryGatewayOptions options, TimeProvider timeProvider, TelemetryHostingMetrics metrics, ILogger logger)
    {
        return new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                // Events are never given up because the gateway is unreachable: the export is retried until it
                // succeeds or the host stops, while the bounded queue absorbs (and counts) what does not fit.
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryDelay,
                MaxDelay = options.MaxRetryDelay,
                ShouldHandle = args => ValueTask.FromResult(
                    !args.Context.CancellationToken.IsCancellationRequested && IsExportFailure(args.Outcome.Exception)),
                OnRetry = args =>
                {
                    var status = StatusOf(args.Outcome.Exception);
                    metrics.ExportFailed(status.StatusCode.ToString());
                    Log.ExportRetrying(logger, status.StatusCode, status.Detail, args.AttemptNumber + 1, args.RetryDelay);
                    return default;
                },
            })
            .AddTimeout(options.ExportTimeout)
            .Build();
    }

    private static bool IsExportFailure(Exception? exception) =>
        exception is RpcException or TimeoutRejectedException or HttpRequestException or IOException;

    private static Status StatusOf(Exception? exception) => exception switch
    {
        RpcException rpc => rpc.Status,
        TimeoutRejectedException => new Status(StatusCode.DeadlineExceeded, "the export attempt timed out"),
        _ => new Status(StatusCode.Unavailable, exception?.GetType().Name ?? "unknown failure"),
    };
}
