using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using TelemetryHosting;
using TelemetryHosting.HealthChecks.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the telemetry recorder's health check.</summary>
public static class TelemetryGatewayHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a health check that is Unhealthy while telemetry events are being dropped, Degraded while exports have
    /// been failing for longer than a threshold or the queue is above its high-water mark, and Healthy otherwise.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name. The default value is <c>telemetry-gateway</c>.</param>
    /// <param name="configure">Sets the thresholds.</param>
    /// <param name="tags">Tags for filtering checks.</param>
    /// <returns>The same builder.</returns>
    public static IHealthChecksBuilder AddTelemetryGateway(
        this IHealthChecksBuilder builder,
        string name = "telemetry-gateway",
        Action<TelemetryGatewayHealthCheckOptions>? configure = null,
        IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        var options = builder.Services.AddOptions<TelemetryGatewayHealthCheckOptions>(name).ValidateOnStart();
        builder.Services.TryAddEnumerable(
            ServiceDescriptor.Singleton<IValidateOptions<TelemetryGatewayHealthCheckOptions>, TelemetryGatewayHealthCheckOptionsValidator>());
        if (configure is not null)
        {
            options.Configure(configure);
        }

        builder.Services.TryAddSingleton<TelemetryGatewayHealthCheck>();
        return builder.Add(new HealthCheckRegistration(
            name,
            provider => provider.GetRequiredService<TelemetryGatewayHealthCheck>(),
            failureStatus: null,
            tags));
    }
}
