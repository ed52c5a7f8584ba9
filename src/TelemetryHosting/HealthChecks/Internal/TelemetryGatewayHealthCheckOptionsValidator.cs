using Microsoft.Extensions.Options;

namespace TelemetryHosting.HealthChecks.Internal;

/// <summary>Data-annotation checks of <see cref="TelemetryGatewayHealthCheckOptions"/>, generated at build time.</summary>
[OptionsValidator]
internal sealed partial class TelemetryGatewayHealthCheckOptionsValidator : IValidateOptions<TelemetryGatewayHealthCheckOptions>
{
}
