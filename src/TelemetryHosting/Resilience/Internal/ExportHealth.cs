using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TelemetryHosting.Diagnostics.Internal;

namespace TelemetryHosting.Resilience.Internal;

/// <summary>
/// What the worker knows about the gateway's health, from the outcome of every export attempt whatever resilience
/// pipeline runs them: since when (on the monotonic clock) attempts have been failing, the last failure, and a log of
/// failures that does not flood during an outage.
/// </summary>
internal sealed class ExportHealth
{
    private readonly TimeProvider _timeProvider;
    private readonly TelemetryHostingMetrics _metrics;
    private readonly ILogger _logger;
    private readonly LogThrottle _failureLog;
    private readonly Lock _lock = new();
    private long? _failingSince;
    private Status _lastFailure;
    private TaskCompletionSource _nextFailure = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ExportHealth(TimeProvider timeProvider, TelemetryHostingMetrics metrics, IOptions<TelemetryGatewayOptions> options, ILogger<ExportHealth> logger)
    {
        _timeProvider = timeProvider;
        _metrics = metrics;
        _logger = logger;
        _failureLog = new LogThrottle(timeProvider, options.Value.FailureLogInterval);
    }

    /// <summary>Gets a value indicating whether the last export attempt failed.</summary>
    public bool IsFailing
    {
        get
        {
            lock (_lock)
            {
                return _failingSince is not null;
            }
        }
    }

    /// <summary>Gets a task that completes at the next failed attempt.</summary>
    public Task NextFailure
    {
        get
        {
            lock (_lock)
            {
                return _nextFailure.Task;
            }
        }
    }

    /// <summary>Gets the status of the last failed attempt.</summary>
    public Status LastFailure
    {
        get
        {
            lock (_lock)
            {
                return _lastFailure;
            }
        }
    }

    /// <summary>Gets how long attempts have been failing; zero when they are not.</summary>
    public TimeSpan FailingFor
    {
        get
        {
            lock (_lock)
            {
                return _failingSince is { } since ? _timeProvider.GetElapsedTime(since) : TimeSpan.Zero;
            }
        }
    }

    /// <summary>An export attempt failed (not by our own cancellation).</summary>
    public void OnAttemptFailed(Exception exception)
    {
        var status = ExportFailure.StatusOf(exception);
        lock (_lock)
        {
            _failingSince ??= _timeProvider.GetTimestamp();
            _lastFailure = status;
            _nextFailure.TrySetResult();
            _nextFailure = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        _metrics.ExportFailed(status.StatusCode);
    }

    /// <summary>The default pipeline retries a failed attempt after <paramref name="retryIn"/>: logged, at a bounded rate.</summary>
    public void OnRetry(Exception exception, TimeSpan retryIn)
    {
        if (!_failureLog.ShouldLog(out var suppressed))
        {
            return;
        }

        var status = ExportFailure.StatusOf(exception);
        if (ExportFailure.Classify(exception) == ExportFailureKind.Configuration)
        {
            Log.ExportMisconfigured(_logger, status.StatusCode, status.Detail, suppressed, retryIn);
        }
        else
        {
            Log.ExportRetrying(_logger, status.StatusCode, status.Detail, suppressed, retryIn);
        }
    }

    /// <summary>An export attempt got through to the gateway.</summary>
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
            Log.ExportRecovered(_logger, _timeProvider.GetElapsedTime(start));
        }
    }
}
