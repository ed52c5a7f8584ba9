using Polly;
using TelemetryHosting;
using TelemetryHosting.Resilience.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Further configuration of the telemetry recorder, on the builder that <c>AddTelemetryGateway</c> returns.</summary>
public static class TelemetryGatewayBuilderExtensions
{
    /// <summary>
    /// Adds strategies to the Polly pipeline that every export runs in, or replaces its default strategies.
    /// </summary>
    /// <param name="builder">The telemetry gateway builder.</param>
    /// <param name="configure">
    /// Adds strategies to the pipeline. Unless <paramref name="replaceDefaults"/> is set, they are added inside the
    /// default retry, circuit breaker and attempt timeout.
    /// </param>
    /// <param name="replaceDefaults">
    /// <see langword="true"/> to leave out the default strategies. A replacement should keep retrying failed exports:
    /// when the pipeline gives up, the worker stops sending until the host restarts and counts the events at
    /// shutdown.
    /// </param>
    /// <returns>The same builder.</returns>
    public static ITelemetryGatewayBuilder ConfigureExportResilience(
        this ITelemetryGatewayBuilder builder, Action<ResiliencePipelineBuilder, IServiceProvider> configure, bool replaceDefaults = false)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.Configure<ExportResilienceCustomization>(customization =>
        {
            customization.Configure.Add(configure);
            customization.ReplaceDefaults |= replaceDefaults;
        });
        return builder;
    }
}
