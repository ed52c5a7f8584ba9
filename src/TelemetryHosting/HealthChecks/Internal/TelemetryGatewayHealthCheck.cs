using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using TelemetryHosting.Diagnostics.Internal;
using TelemetryHosting.Shared;
using TelemetryHosting.Export.Internal;
using TelemetryHosting.Resilience.Internal;

namespace TelemetryHosting.HealthChecks.Internal;

/// <summary>
/// Unhealthy while events are being dropped; Degraded while exports have been failing for longer than the threshold
/// or the queue is above its high-water mark; Healthy otherwise. The description says why.
/// </summary>
internal sealed class TelemetryGatewayHealthCheck(
    TelemetryEventQueue queue,
    ExportHealth exportHealth,
    DropHistory drops,
    TimeProvider timeProvider,
    IOptionsMonitor<TelemetryGatewayHealthCheckOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var settings = options.Get(context.Registration.Name);
        var depth = queue.Depth;
        var failingFor = exportHealth.FailingFor;
        var data = new Dictionary<string, object>
        {
            ["queue_depth"] = depth,
            ["queue_capacity"] = queue.Capacity,
            ["exports_failing_for_seconds"] = failingFor.TotalSeconds,
        };

        if (drops.Last is { } drop && timeProvider.GetElapsedTime(drop.At) <= settings.DropWindow)
        {
            data["last_drop_reason"] = drop.Reason;
            return Result(HealthStatus.Unhealthy, data, string.Create(
                CultureInfo.InvariantCulture,
                $"Telemetry events are being dropped: {drop.Count} with reason '{drop.Reason}' {Ago(timeProvider.GetElapsedTime(drop.At))} ago."));
        }

        if (exportHealth.IsFailing && failingFor >= settings.FailingThreshold)
        {
            var status = exportHealth.LastFailure;
            return Result(HealthStatus.Degraded, data, string.Create(
                CultureInfo.InvariantCulture,
                $"Telemetry exports have been failing for {Ago(failingFor)} (last: {status.StatusCode}, {LogText.Escape(status.Detail)}); events wait in the queue."));
        }

        if (depth >= queue.Capacity * settings.QueueHighWaterMark)
        {
            return Result(HealthStatus.Degraded, data, string.Create(
                CultureInfo.InvariantCulture,
                $"The telemetry queue holds {depth} of {queue.Capacity} events, above its high-water mark of {settings.QueueHighWaterMark:P0}."));
        }

        return Result(HealthStatus.Healthy, data, "Telemetry events are being delivered.");
    }

    private static Task<HealthCheckResult> Result(HealthStatus status, Dictionary<string, object> data, string description) =>
        Task.FromResult(new HealthCheckResult(status, description, data: data));

    private static string Ago(TimeSpan duration) => duration.TotalSeconds < 1 ? "less than a second" : $"{(int)duration.TotalSeconds} s";
}
