using Telemetrygateway.V1;

namespace TelemetryHosting.DevGateway.Internal;

/// <summary>An event the gateway received but did not publish (invalid, failed by fault injection, or oversize), with why.</summary>
/// <param name="Event">The event as received, or when <see cref="IsSummary"/> only its id, feature and action (cut) and timestamp.</param>
/// <param name="Status">Invalid, Failed or Oversize.</param>
/// <param name="Reason">The gateway's reason, as logged and as RecordEvent reports it.</param>
/// <param name="Location">Where in the event the problem is (may name private metadata keys: shown on the page, never logged).</param>
/// <param name="ReceivedAt">When the gateway received it.</param>
/// <param name="Request">The stream's (or unary call's) metadata, each string cut to <see cref="EventPublisher.MaxSummaryTextLength"/> characters, without the license key.</param>
internal sealed record RefusedEvent(Event Event, EventStatus Status, string Reason, string? Location, DateTimeOffset ReceivedAt, RecordEventsRequestMetadata Request)
{
    /// <summary>
    /// Gets a value indicating whether only a summary of the event is kept: always for oversize events, and for other
    /// refused events larger than <see cref="EventPublisher.MaxKeptRefusedEventBytes"/>.
    /// </summary>
    public bool IsSummary { get; init; }

    /// <summary>Gets or sets the event's place in the order of everything the store received; set by the store.</summary>
    public long Sequence { get; set; }
}
