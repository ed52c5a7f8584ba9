using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;

namespace TelemetryHosting.Recording.Internal;

/// <summary>
/// A recorded event on its way to the gateway. The recorder fills the first part on the caller's thread with
/// copies of everything mutable; the worker encodes it once and tracks its delivery apart (OutboundEvent).
/// </summary>
internal sealed class PendingEvent
{
    // Captured by the recorder.
    public required Guid Id { get; init; }
    public required DateTimeOffset Timestamp { get; init; }
    public required string Feature { get; init; }
    public required string Action { get; init; }
    public int Version { get; init; }
    public KeyValuePair<string, double>[]? Metadata { get; init; }
    public ActivityTraceId TraceId { get; init; }

    // The parts most events leave unset live in a second object, made only when one is set: the queued object stays
    // small (it is allocated on the caller's thread for every event).
    public Struct? PrivateMetadata { get => _rare?.PrivateMetadata; init => Rare(value)?.PrivateMetadata = value; }
    public TelemetryBillingMetadata? Billing { get => _rare?.Billing; init => Rare(value)?.Billing = value; }
    public TelemetryEventUser? User { get => _rare?.User; init => Rare(value)?.User = value; }
    public TelemetryEventClient? Client { get => _rare?.Client; init => Rare(value)?.Client = value; }
    public KeyValuePair<string, bool>[]? FeatureFlags { get => _rare?.FeatureFlags; init => Rare(value)?.FeatureFlags = value; }
    public string? InteractionId { get => _rare?.InteractionId; init => Rare(value)?.InteractionId = value; }
    public TelemetryMarketingTracking? MarketingTracking { get => _rare?.MarketingTracking; init => Rare(value)?.MarketingTracking = value; }

    /// <summary>
    /// Returns an upper bound of what the event adds to its encoded size beyond a fixed part (id, timestamp, numbers,
    /// message headers): its strings at 3 bytes a character with their framing. Private metadata, whose size only its
    /// encoding tells, counts as <see cref="int.MaxValue"/>. Cheap: it only reads lengths.
    /// </summary>
    public long VariableBytesBound()
    {
        long bytes = 3L * ((Feature?.Length ?? 0) + (Action?.Length ?? 0));
        if (Metadata is { } metadata)
        {
            foreach (var entry in metadata)
            {
                bytes += (3L * (entry.Key?.Length ?? 0)) + 16;
            }
        }

        if (_rare is not { } rare)
        {
            return bytes;
        }

        if (rare.PrivateMetadata is not null)
        {
            return int.MaxValue;
        }

        bytes += 3L * ((rare.InteractionId?.Length ?? 0) + (rare.User?.SamsExternalId?.Length ?? 0) + (rare.User?.AnonymousUserId?.Length ?? 0)
            + (rare.Client?.Name?.Length ?? 0) + (rare.Client?.Version?.Length ?? 0) + (rare.Billing?.Product?.Length ?? 0) + (rare.Billing?.Category?.Length ?? 0));
        if (rare.FeatureFlags is { } flags)
        {
            foreach (var flag in flags)
            {
                // Entry and name framing, and the value as the string "false" with its framing.
                bytes += (3L * (flag.Key?.Length ?? 0)) + 16;
            }
        }

        if (rare.MarketingTracking is { } tracking)
        {
            // Its eight strings, each with a tag and a length of up to 5 bytes, and its own tag and length.
            bytes += (3L * ((tracking.Url?.Length ?? 0) + (tracking.FirstSourceUrl?.Length ?? 0) + (tracking.CohortId?.Length ?? 0)
                + (tracking.Referrer?.Length ?? 0) + (tracking.LastSourceUrl?.Length ?? 0) + (tracking.DeviceSessionId?.Length ?? 0)
                + (tracking.SessionReferrer?.Length ?? 0) + (tracking.SessionFirstUrl?.Length ?? 0))) + (8 * 6) + 6;
        }

        // The numeric user id (a tag and up to 10 bytes), then the framing of the optional messages.
        return bytes + 11 + 64;
    }

    /// <summary>Gets or sets the event's number, given by the queue as it accepts the event (flushes wait on it).</summary>
    public long Sequence { get; set; }

    private RareParts? _rare;

    private RareParts? Rare(object? value) => value is null ? null : _rare ??= new RareParts();

    private sealed class RareParts
    {
        public Struct? PrivateMetadata { get; set; }
        public TelemetryBillingMetadata? Billing { get; set; }
        public TelemetryEventUser? User { get; set; }
        public TelemetryEventClient? Client { get; set; }
        public KeyValuePair<string, bool>[]? FeatureFlags { get; set; }
        public string? InteractionId { get; set; }
        public TelemetryMarketingTracking? MarketingTracking { get; set; }
    }
}
