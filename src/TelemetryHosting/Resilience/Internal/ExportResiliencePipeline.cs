using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Telemetry;

namespace TelemetryHosting.Resilience.Internal;

/// <summary>
/// Builds the Polly pipeline around each export: retry (exponential backoff with jitter) outside a circuit breaker
/// outside a timeout per attempt. gRPC statuses travel in trailers, out of sight of HTTP-level resilience
/// handlers, so the pipeline wraps the call itself.
/// </summary>
internal static class ExportResiliencePipeline
{
    public static void Configure(ResiliencePipelineBuilder builder, IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<TelemetryGatewayOptions>>().Value;
        var customization = services.GetRequiredService<IOptions<ExportResilienceCustomization>>().Value;
        builder.TimeProvider = new MonotonicClock(services.GetRequiredService<TimeProvider>());
        builder.ConfigureTelemetry(QuietTelemetry(services.GetService<IOptions<TelemetryOptions>>()?.Value));
        if (!customization.ReplaceDefaults)
        {
            AddDefaults(builder, options, services.GetRequiredService<ExportHealth>());
        }

        foreach (var configure in customization.Configure)
        {
            configure(builder, services);
        }
    }

    private static void AddDefaults(ResiliencePipelineBuilder builder, TelemetryGatewayOptions options, ExportHealth health)
    {
        builder
            .AddRetry(new RetryStrategyOptions
            {
                // Outages never cost events: the export is retried until it succeeds or the host stops, while
                // the bounded queue (and, when enabled, the disk) absorbs what arrives meanwhile.
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryDelay,
                MaxDelay = options.MaxRetryDelay,
                ShouldHandle = args => ValueTask.FromResult(IsExportFailure(args.Context, args.Outcome)),
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(
                    ExportFailure.Classify(args.Outcome.Exception) == ExportFailureKind.Configuration ? options.MaxRetryDelay : null),
                OnRetry = args =>
                {
                    health.OnRetry(args.Outcome.Exception!, args.RetryDelay);
                    return default;
                },
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = options.CircuitBreakerFailureRatio,
                SamplingDuration = options.CircuitBreakerSamplingDuration,
                MinimumThroughput = options.CircuitBreakerMinimumThroughput,
                BreakDuration = options.CircuitBreakerBreakDuration,
                ShouldHandle = args => ValueTask.FromResult(IsExportFailure(args.Context, args.Outcome)),
            })
            .AddTimeout(options.ExportTimeout);
    }

    /// <summary>
    /// The app's Polly telemetry (loggers, listeners, enrichers, severity rules), except that routine successes are
    /// reported at Debug even where the app says Information: Polly reports every attempt and run, two lines per export
    /// of a pipeline that runs every second. Retries, timeouts and the breaker keep their level; the meter sees all.
    /// </summary>
    private static TelemetryOptions QuietTelemetry(TelemetryOptions? app)
    {
        var telemetry = app is null ? new TelemetryOptions() : new TelemetryOptions(app);
        var appSeverity = telemetry.SeverityProvider;
        telemetry.SeverityProvider = args =>
        {
            var severity = appSeverity?.Invoke(args) ?? args.Event.Severity;
            return severity == ResilienceEventSeverity.Information && args.Event.EventName is "ExecutionAttempt" or "PipelineExecuting" or "PipelineExecuted"
                ? ResilienceEventSeverity.Debug
                : severity;
        };
        return telemetry;
    }

    /// <summary>What both the retry and the circuit breaker count: a failed attempt that was not our own cancellation.</summary>
    private static bool IsExportFailure(ResilienceContext context, Outcome<object> outcome) =>
        !context.CancellationToken.IsCancellationRequested
        && ExportFailure.Classify(outcome.Exception) != ExportFailureKind.None;

    /// <summary>
    /// The application's clock with a "now" that follows the monotonic clock: Polly times a circuit's break from
    /// <c>GetUtcNow</c>, which a wall-clock step (NTP, a restored VM) would otherwise lengthen or cut short.
    /// </summary>
    private sealed class MonotonicClock(TimeProvider inner) : TimeProvider
    {
        private readonly DateTimeOffset _origin = inner.GetUtcNow();
        private readonly long _start = inner.GetTimestamp();

        public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

        public override long TimestampFrequency => inner.TimestampFrequency;

        public override DateTimeOffset GetUtcNow() => _origin + inner.GetElapsedTime(_start);

        public override long GetTimestamp() => inner.GetTimestamp();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            inner.CreateTimer(callback, state, dueTime, period);
    }
}
