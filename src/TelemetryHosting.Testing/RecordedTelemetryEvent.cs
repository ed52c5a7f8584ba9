using System.Diagnostics;
using System.Globalization;

namespace TelemetryHosting.Testing;

/// <summary>An event captured by <see cref="FakeTelemetryRecorder"/>, as the real telemetry recorder would have queued it.</summary>
/// <remarks>
/// Dictionaries are copied when the event is recorded, as the real telemetry recorder copies them, so changing the
/// caller's dictionaries afterwards does not change a captured event. Values nested inside
/// <see cref="PrivateMetadata"/> are not copied.
/// </remarks>
public sealed class RecordedTelemetryEvent
{
    private static readonly IReadOnlyDictionary<string, double> NoMetadata = new Dictionary<string, double>();
    private static readonly IReadOnlyDictionary<string, object?> NoPrivateMetadata = new Dictionary<string, object?>();
    private static readonly IReadOnlyDictionary<string, bool> NoFeatureFlags = new Dictionary<string, bool>();

    internal RecordedTelemetryEvent(
        Guid id, string feature, string action, DateTimeOffset timestamp, ActivityTraceId? traceId, TelemetryEventParameters? parameters)
    {
        Id = id;
        Feature = feature;
        Action = action;
        Timestamp = timestamp;
        TraceId = traceId;
        Version = parameters?.Version ?? 0;
        Metadata = parameters?.Metadata is { Count: > 0 } metadata ? new Dictionary<string, double>(metadata) : NoMetadata;
        PrivateMetadata = parameters?.PrivateMetadata is { Count: > 0 } privateMetadata
            ? new Dictionary<string, object?>(privateMetadata)
            : NoPrivateMetadata;
        FeatureFlags = parameters?.FeatureFlags is { Count: > 0 } flags ? new Dictionary<string, bool>(flags) : NoFeatureFlags;
        Billing = parameters?.Billing;
        User = parameters?.User;
        Client = parameters?.Client;
        InteractionId = parameters?.InteractionId;
        MarketingTracking = parameters?.MarketingTracking;
    }

    /// <summary>Gets the event's id: a UUIDv7 made from the recording time, as the real telemetry recorder makes it.</summary>
    public Guid Id { get; }

    /// <summary>Gets the feature the event is about, for example <c>search.results</c>.</summary>
    public string Feature { get; }

    /// <summary>Gets what happened, for example <c>view</c>.</summary>
    public string Action { get; }

    /// <summary>
    /// Gets when the event happened: <see cref="TelemetryEventParameters.Timestamp"/> when it was set, otherwise the
    /// fake recorder's <see cref="TimeProvider"/> at the time of the <see cref="FakeTelemetryRecorder.Record"/> call.
    /// </summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>
    /// Gets the trace id of <see cref="Activity.Current"/> on the recording thread, or <see langword="null"/> when
    /// there was no current activity.
    /// </summary>
    public ActivityTraceId? TraceId { get; }

    /// <summary>Gets <see cref="TelemetryEventParameters.Version"/>, or 0 when no parameters were given.</summary>
    public int Version { get; }

    /// <summary>Gets a copy of <see cref="TelemetryEventParameters.Metadata"/>; empty when there was none.</summary>
    public IReadOnlyDictionary<string, double> Metadata { get; }

    /// <summary>Gets a copy of <see cref="TelemetryEventParameters.PrivateMetadata"/>; empty when there was none.</summary>
    public IReadOnlyDictionary<string, object?> PrivateMetadata { get; }

    /// <summary>Gets a copy of <see cref="TelemetryEventParameters.FeatureFlags"/>; empty when there were none.</summary>
    public IReadOnlyDictionary<string, bool> FeatureFlags { get; }

    /// <summary>Gets <see cref="TelemetryEventParameters.Billing"/>.</summary>
    public TelemetryBillingMetadata? Billing { get; }

    /// <summary>Gets <see cref="TelemetryEventParameters.User"/>.</summary>
    public TelemetryEventUser? User { get; }

    /// <summary>Gets <see cref="TelemetryEventParameters.Client"/>.</summary>
    public TelemetryEventClient? Client { get; }

    /// <summary>Gets <see cref="TelemetryEventParameters.InteractionId"/>.</summary>
    public string? InteractionId { get; }

    /// <summary>Gets <see cref="TelemetryEventParameters.MarketingTracking"/>.</summary>
    public TelemetryMarketingTracking? MarketingTracking { get; }

    /// <summary>Returns <c>feature/action</c> and the metadata, for assertion messages.</summary>
    /// <returns>A short description of the event.</returns>
    public override string ToString()
    {
        var name = $"{Feature}/{Action}";
        return Metadata.Count == 0
            ? name
            : $"{name} {{{string.Join(", ", Metadata.Select(entry => entry.Key + "=" + entry.Value.ToString(CultureInfo.InvariantCulture)))}}}";
    }
}
