namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>One event of a client's batch, as read from the request body; <see cref="Error"/> set when it is rejected.</summary>
internal sealed class ClientEvent
{
    public string? Feature { get; set; }

    public string? Action { get; set; }

    public DateTimeOffset? Timestamp { get; set; }

    public Dictionary<string, double>? Metadata { get; set; }

    public Dictionary<string, object?>? PrivateMetadata { get; set; }

    public TelemetryEventClient? Client { get; set; }

    /// <summary>Gets or sets the version of the event's shape (<c>parameters.version</c>; 0 in the compact shape).</summary>
    public int Version { get; set; }

    public TelemetryBillingMetadata? Billing { get; set; }

    public TelemetryMarketingTracking? MarketingTracking { get; set; }

    /// <summary>Gets or sets the event's own interaction id (<c>parameters.interactionID</c>), which overrides the request header's.</summary>
    public string? InteractionId { get; set; }

    /// <summary>Gets or sets why the event is rejected (the first problem found), or <see langword="null"/>.</summary>
    public string? Error { get; set; }
}
