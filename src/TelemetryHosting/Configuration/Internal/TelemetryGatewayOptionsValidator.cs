using Microsoft.Extensions.Options;

namespace TelemetryHosting.Configuration.Internal;

/// <summary>Data-annotation checks of <see cref="TelemetryGatewayOptions"/>, generated at build time.</summary>
[OptionsValidator]
internal sealed partial class TelemetryGatewayOptionsValidator : IValidateOptions<TelemetryGatewayOptions>
{
}
