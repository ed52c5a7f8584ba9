using System.Diagnostics.Metrics;
using TelemetryHosting.Shared;

namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>
/// The ASP.NET Core integration's instruments, on the library's meter (<c>TelemetryHosting</c>) so that one
/// <c>AddMeter</c> collects them all.
/// </summary>
internal sealed class TelemetryHostingAspNetCoreMetrics
{
    private readonly Counter<long> _interactionIdIgnored;

    public TelemetryHostingAspNetCoreMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(TelemetryHostingInstruments.MeterName);
        _interactionIdIgnored = meter.CreateCounter<long>(
            TelemetryHostingInstruments.InteractionIdIgnored,
            "{header}",
            "Interaction id headers not copied into events, by reason: too long, or a character outside letters, digits and -_.:.");
    }

    public void InteractionIdIgnored(string reason) =>
        _interactionIdIgnored.Add(1, new KeyValuePair<string, object?>(TelemetryHostingInstruments.ReasonTag, reason));
}
