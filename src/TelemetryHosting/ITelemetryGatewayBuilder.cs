using Microsoft.Extensions.DependencyInjection;

namespace TelemetryHosting;

/// <summary>
/// Returned by <c>AddTelemetryGateway</c>; further configuration of the telemetry recorder hangs off it.
/// </summary>
public interface ITelemetryGatewayBuilder
{
    /// <summary>Gets the service collection the telemetry recorder is registered in.</summary>
    IServiceCollection Services { get; }
}
