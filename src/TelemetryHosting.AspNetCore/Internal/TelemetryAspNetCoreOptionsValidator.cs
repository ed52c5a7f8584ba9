using Microsoft.Extensions.Options;

namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>Data-annotation checks of <see cref="TelemetryAspNetCoreOptions"/>, generated at build time.</summary>
[OptionsValidator]
internal sealed partial class TelemetryAspNetCoreOptionsValidator : IValidateOptions<TelemetryAspNetCoreOptions>
{
}
