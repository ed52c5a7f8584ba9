using System.Diagnostics.Metrics;

namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>
/// The ASP.NET Core integration's instruments, on the library's meter (<c>TelemetryHosting</c>) so that one
/// <c>AddMeter</c> collects them all.
/// </summary>
internal sealed class TelemetryHostingAspNetCoreMetrics
{
    /// <summary>The meter name: the library's, shared with the telemetry recorder's instruments.</summary>
    public const string MeterName = "TelemetryHosting";

    public const string ReasonTag = "reason";

    private readonly Counter<long> _interactionIdIgnored;

    public TelemetryHostingAspNetCoreMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _interactionIdIgnored = meter.CreateCounter<long>(
            "telemetryhosting.interaction_id.ignored",
            "{header}",
            "Interaction id headers not copied into events, by reason: too long, or a character outside letters, digits and -_.:.");
    }

    public void InteractionIdIgnored(string reason) =>
        _interactionIdIgnored.Add(1, new KeyValuePair<string, object?>(ReasonTag, reason));
}
