using System.Text;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Telemetrygateway.V1;
using TelemetryHosting.Diagnostics.Internal;
using TelemetryHosting.Recording.Internal;

namespace TelemetryHosting.Export.Internal;

/// <summary>
/// Encodes a recorded event once, as the worker takes it; one that cannot be built, or that the gateway would drop for
/// its size, is given up here (reason <c>invalid</c>) rather than holding back the others.
/// </summary>
internal sealed class EventPreparer(string serviceVersion, DeliveryCounts counts, TelemetryHostingMetrics metrics, ILogger logger)
{
    private const int MaxEventBytes = 10_000_000;

    /// <returns>The event, encoded; <see langword="null"/> when it has been counted as failed instead.</returns>
    public OutboundEvent? TryPrepare(PendingEvent pending)
    {
        string problem;
        try
        {
            var encoded = EventEncoder.Encode(pending, serviceVersion);

            // The gateway drops (while acknowledging) events whose published JSON is 10,000,000 bytes or more. JSON can
            // be smaller than the encoding (short numeric metadata): measured only when the encoding reaches the limit.
            if (encoded.Length < MaxEventBytes
                || Encoding.UTF8.GetByteCount(JsonFormatter.Default.Format(Event.Parser.ParseFrom(encoded))) < MaxEventBytes)
            {
                return OutboundEvent.FromRecorded(pending, encoded);
            }

            problem = $"its JSON form is {MaxEventBytes} bytes or more, which the gateway drops";
        }
#pragma warning disable CA1031 // Whatever breaks one event must not break the batch.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            problem = exception.GetType().Name;
        }

        counts.Failed(1);
        metrics.Dropped(DropReason.Invalid);
        Log.EventInvalid(logger, pending.Id.ToString("D"), pending.Feature, pending.Action, problem);
        return null;
    }
}
