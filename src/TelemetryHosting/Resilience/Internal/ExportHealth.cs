using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TelemetryHosting.Diagnostics.Internal;
using TelemetryHosting.Shared;

namespace TelemetryHosting.Resilience.Internal;

/// <summary>
/// The gateway's health as every export attempt reports it, whatever pipeline runs them: since when (on the monotonic
/// clock) attempts have been failing, the last failure, and a failure log that does not flood during an outage.
/// </summary>
internal sealed class ExportHealth(
    TimeProvider timeProvider, TelemetryHostingMetrics metrics, IOptions<TelemetryGatewayOptions> options, ILogger<ExportHealth> logger)
{
    private readonly LogThrottle _failureLog = new(timeProvider, options.Value.FailureLogInterval);
    private readonly Lock _lock = new();
    private long? _failingSince;
    private Status _lastFailure;
    private TaskCompletionSource _nextFailure = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Gets a value indicating whether the last export attempt failed.</summary>
    public bool IsFailing => Read(static health => health._failingSince is not null);

    /// <summary>Gets a task that completes at the next failed attempt.</summary>
    public Task NextFailure => Read(static health => health._nextFailure.Task);

    public Status LastFailure => Read(static health => health._lastFailure);

    /// <summary>Gets how long attempts have been failing; zero when they are not.</summary>
    public TimeSpan FailingFor => Read(static health => health._failingSince) is { } since ? timeProvider.GetElapsedTime(since) : TimeSpan.Zero;

    /// <summary>An export attempt failed (not by our own cancellation).</summary>
    public void OnAttemptFailed(Exception exception)
    {
        var status = ExportFailure.StatusOf(exception);
        lock (_lock)
        {
            _failingSince ??= timeProvider.GetTimestamp();
            _lastFailure = status;
            _nextFailure.TrySetResult();
            _nextFailure = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        metrics.ExportFailed(status.StatusCode);
    }

    /// <summary>The default pipeline retries a failed attempt after <paramref name="retryIn"/>: logged, at a bounded rate.</summary>
    public void OnRetry(Exception exception, TimeSpan retryIn)
    {
        if (!_failureLog.ShouldLog(out var suppressed))
        {
            return;
        }

        // The detail is the gateway's (or a proxy's) text: escaped, so that it cannot forge a log line.
        var status = ExportFailure.StatusOf(exception);
        var detail = LogText.Escape(status.Detail);
        if (ExportFailure.Classify(exception) == ExportFailureKind.Configuration)
        {
            Log.ExportMisconfigured(logger, status.StatusCode, detail, suppressed, retryIn);
        }
        else
        {
            Log.ExportRetrying(logger, status.StatusCode, detail, suppressed, retryIn);
        }
    }

    public void OnAttemptSucceeded()
    {
        long? since;
        lock (_lock)
        {
            since = _failingSince;
            _failingSince = null;
        }

        if (since is { } start)
        {
            _failureLog.Reset();
            Log.ExportRecovered(logger, timeProvider.GetElapsedTime(start));
        }
    }

    private T Read<T>(Func<ExportHealth, T> read)
    {
        lock (_lock)
        {
            return read(this);
        }
    }
}
