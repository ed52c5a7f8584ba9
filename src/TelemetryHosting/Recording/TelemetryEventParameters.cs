namespace TelemetryHosting;

/// <summary>The optional parts of a recorded event.</summary>
/// <remarks>
/// The recorder copies the dictionaries when the event is recorded, so an instance may be reused or its
/// dictionaries changed afterwards without affecting events already recorded.
/// </remarks>
public sealed class TelemetryEventParameters
{
    /// <summary>
    /// The W3C baggage key, <c>sourcegraph.interaction_id</c>, from which the recorder takes the interaction id of an
    /// event when neither <see cref="InteractionId"/> nor an enricher sets one.
    /// </summary>
    public const string InteractionIdBaggageKey = "sourcegraph.interaction_id";

    /// <summary>
    /// Gets the version of the shape of <see cref="Metadata"/> and <see cref="PrivateMetadata"/>; increase it when
    /// their meaning changes. The default value is 0.
    /// </summary>
    public int Version { get; init; }

    /// <summary>
    /// Gets numeric metadata. Keys should be constants, never user data; values must be finite (use 1 and 0 for
    /// booleans). The default value is <see langword="null"/> (no metadata).
    /// </summary>
    public IReadOnlyDictionary<string, double>? Metadata { get; init; }

    /// <summary>
    /// Gets arbitrary, possibly sensitive metadata: strings, numbers, booleans, <see langword="null"/>, and nested
    /// dictionaries and lists of those. It is sent as a <c>google.protobuf.Struct</c> and never logged.
    /// The default value is <see langword="null"/>.
    /// </summary>
    public IReadOnlyDictionary<string, object?>? PrivateMetadata { get; init; }

    /// <summary>Gets the billing product and category of the event. The default value is <see langword="null"/>.</summary>
    public TelemetryBillingMetadata? Billing { get; init; }

    /// <summary>Gets the user the event is about. The default value is <see langword="null"/> (no user).</summary>
    public TelemetryEventUser? User { get; init; }

    /// <summary>
    /// Gets the client that reported the event, for events a client sent to the service. The default value is
    /// <see langword="null"/> (the event originated in the service).
    /// </summary>
    public TelemetryEventClient? Client { get; init; }

    /// <summary>Gets the evaluated feature flags. The default value is <see langword="null"/> (none).</summary>
    public IReadOnlyDictionary<string, bool>? FeatureFlags { get; init; }

    /// <summary>
    /// Gets the event's marketing attribution (pages and referrers), sent as <c>marketing_tracking</c>. Sourcegraph
    /// keeps it only for events of its public instance (sourcegraph.com): record it only when the service has a reason
    /// to, typically for events a web client reported. The default value is <see langword="null"/> (none).
    /// </summary>
    public TelemetryMarketingTracking? MarketingTracking { get; init; }

    /// <summary>
    /// Gets the client-propagated interaction id (Sourcegraph clients send it in the
    /// <c>X-Sourcegraph-Interaction-ID</c> header). The default value is <see langword="null"/>: then an enricher's, or
    /// else the <see cref="InteractionIdBaggageKey"/> baggage item's when it is at most 128 letters, digits and
    /// <c>-_.:</c>.
    /// </summary>
    public string? InteractionId { get; init; }

    /// <summary>
    /// Gets when the event happened, for events a client recorded earlier. The default value is
    /// <see langword="null"/>: the time of the <see cref="ITelemetryRecorder.Record"/> call.
    /// </summary>
    public DateTimeOffset? Timestamp { get; init; }
}
