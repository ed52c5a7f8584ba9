using TelemetryHosting.Export.Internal;

// The namespace of OpenTelemetry's own AddXxxInstrumentation extensions, so that they are found where they are expected.
namespace OpenTelemetry.Trace;

/// <summary>Adds the telemetry recorder's activities to an OpenTelemetry tracer provider.</summary>
public static class TelemetryGatewayTracerProviderBuilderExtensions
{
    /// <summary>
    /// Adds the <c>TelemetryHosting</c> activity source: one <c>TelemetryHosting.Export</c> client activity for each
    /// stream sent to the Telemetry Gateway. Each is the root of its own trace, never a child of the application's
    /// requests; its trace id is the stream's request id.
    /// </summary>
    /// <param name="builder">The tracer provider builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static TracerProviderBuilder AddTelemetryGatewayInstrumentation(this TracerProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddSource(TelemetryGatewayExporter.ActivitySource.Name);
    }
}
