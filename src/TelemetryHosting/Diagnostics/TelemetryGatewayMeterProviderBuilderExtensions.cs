using TelemetryHosting.Shared;

// The namespace of OpenTelemetry's own AddXxxInstrumentation extensions, so that they are found where they are expected.
namespace OpenTelemetry.Metrics;

/// <summary>Adds the telemetry recorder's metrics to an OpenTelemetry meter provider.</summary>
public static class TelemetryGatewayMeterProviderBuilderExtensions
{
    /// <summary>The name of Polly's meter, on which the export's resilience pipeline reports retries and breaks.</summary>
    private const string PollyMeterName = "Polly";

    /// <summary>
    /// Adds the <c>TelemetryHosting</c> meter (events exported and dropped, queue depth, export and authentication
    /// failures, and the ASP.NET Core package's counts) and Polly's <c>Polly</c> meter, on which the export's
    /// resilience pipeline reports its retries and circuit breaks (tagged <c>pipeline.name</c>; other Polly pipelines
    /// of the application report there too).
    /// </summary>
    /// <param name="builder">The meter provider builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static MeterProviderBuilder AddTelemetryGatewayInstrumentation(this MeterProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddMeter(TelemetryHostingInstruments.MeterName, PollyMeterName);
    }
}
