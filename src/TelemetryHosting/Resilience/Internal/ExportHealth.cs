using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TelemetryHosting.Diagnostics.Internal;

namespace TelemetryHosting.Resilience.Internal;

/// <summary>
/// What the worker knows about the gateway's health: when the current run of failed export attempts started,
/// the last failure, and a log of failures that does not flood during an outage.
/// </summary>
internal sealed class ExportHealth
{
    private readonly TimeProvider _timeProvider;
    private readonly TelemetryHostingMetrics _metrics;
    private readonly ILogger _logger;
    private readonly LogThrottle _failureLog;
    private readonly object _lock = new();
    private DateTimeOffset? _failingSince;

    public ExportHealth(TimeProvider timeProvider, TelemetryHostingMetrics metrics, IOptions<TelemetryGatewayOptions> options, ILogger<ExportHealth> logger)
    {
        _timeProvider = timeProvider;
        _metrics = metrics;
        _logger = logger;
        _failureLog = new LogThrottle(timeProvider, options.Value.FailureLogInterval);
    }

    /// <summary>Raised after each failed attempt, on the worker's flow.</summary>
    public event Action? AttemptFailed;

    /// <summary>Gets when the current run of failures started, or <see langword="null"/> when the last export succeeded.</summary>
    public DateTimeOffset? FailingSince
    {
        get
        {
            lock (_lock)
            {
                return _failingSince;
            }
        }
    }

    /// <summary>Gets the status of the last failed attempt.</summary>
    public Status LastFailure { get; private set; }

    /// <summary>Gets how long exports have been failing; zero when they are not.</summary>
    public TimeSpan FailingFor => FailingSince is { } since ? _timeProvider.GetUtcNow() - since : TimeSpan.Zero;

    public void OnAttemptFailed(Exception exception, TimeSpan retryIn)
    {
        var kind = ExportFailure.Classify(exception);
        var status = ExportFailure.StatusOf(exception);
        var now = _timeProvider.GetUtcNow();
        lock (_lock)
        {
            _failingSince ??= now;
            LastFailure = status;
        }

        _metrics.ExportFailed(status.StatusCode);
        if (_failureLog.ShouldLog(out var suppressed))
        {
            if (kind == ExportFailureKind.Configuration)
            {
                Log.ExportMisconfigured(_logger, status.StatusCode, status.Detail, suppressed, retryIn);
            }
            else
            {
                Log.ExportRetrying(_logger, status.StatusCode, status.Detail, suppressed, retryIn);
            }
        }

        AttemptFailed?.Invoke();
    }

    public void OnExportSucceeded()
    {
        DateTimeOffset? since;
        lock (_lock)
        {
            since = _failingSince;
            _failingSince = null;
        }

        _failureLog.Reset();

        if (since is { } start)
        {
            Log.ExportRecovered(_logger, _timeProvider.GetUtcNow() - start);
        }
    }
}
