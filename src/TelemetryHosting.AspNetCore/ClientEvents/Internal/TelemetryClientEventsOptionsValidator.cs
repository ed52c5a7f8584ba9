using Microsoft.Extensions.Options;

namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>Data-annotation checks of <see cref="TelemetryClientEventsOptions"/>, generated at build time.</summary>
[OptionsValidator]
internal sealed partial class TelemetryClientEventsOptionsValidator : IValidateOptions<TelemetryClientEventsOptions>
{
}
