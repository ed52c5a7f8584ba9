using Grpc.Core;

namespace TelemetryHosting.DevGateway;

/// <summary>Settings of <see cref="GatewayFaultOptions.FailCalls"/>: calls (streams or unary) fail at once with a status.</summary>
public sealed class CallFailureOptions : FaultInjectionOptions
{
    /// <summary>Gets or sets the status code the calls fail with.</summary>
    /// <value>The default value is <see cref="StatusCode.Unavailable"/>.</value>
    public StatusCode StatusCode { get; set; } = StatusCode.Unavailable;
}
