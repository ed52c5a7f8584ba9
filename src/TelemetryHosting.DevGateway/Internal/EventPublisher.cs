using Google.Protobuf;
using TelemetryHosting.Shared;
using Telemetrygateway.V1;

namespace TelemetryHosting.DevGateway.Internal;

/// <summary>
/// The gateway's publishing step for one event: validate, (stream path) merge legacy metadata, drop oversize, apply
/// injected failures, store and append to the JSON Lines file.
/// </summary>
internal sealed class EventPublisher(ReceivedEventStore store, GatewayFaults faults, TimeProvider timeProvider, JsonLinesWriter? jsonLines)
{
    /// <summary>Events whose published JSON is this large or larger are dropped (docs/gateway-contract.md, "The RecordEvents stream", item 5).</summary>
    public const int MaxEventJsonBytes = 10_000_000;

    /// <summary>
    /// Refused events larger than this on the wire are kept (for the page) as a summary: id, feature and action (each cut
    /// to <see cref="MaxSummaryTextLength"/> characters) and timestamp, with the reason and location. The store keeps up to
    /// 1,000 refused events, and one may be up to the gRPC message limit. With the metadata cut too, each keeps at most
    /// 64 KiB of event, about 9 KB of metadata and 3 KB of location (protobuf/UTF-8 bytes): about 78 MB for 1,000.
    /// </summary>
    public const int MaxKeptRefusedEventBytes = 64 * 1024;

    /// <summary>
    /// How many characters of a summarised event's id, feature and action, of a refused event's location, and of each
    /// string of its request's metadata (request id, service id and environment, instance id, external URL) are kept.
    /// </summary>
    public const int MaxSummaryTextLength = 1000;

    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default);

    /// <summary>Returns the metadata in protobuf JSON form with the license key redacted, for the JSON Lines records.</summary>
    public static string FormatMetadata(RecordEventsRequestMetadata metadata)
    {
        if (metadata.Identifier?.LicensedInstance is { } licensed && licensed.LicenseKey.Length > 0)
        {
            metadata = metadata.Clone();
            metadata.Identifier.LicensedInstance.LicenseKey = "REDACTED";
        }

        return Formatter.Format(metadata);
    }

    /// <summary>Publishes one event.</summary>
    /// <param name="ev">The event; on the stream path its legacy metadata is merged in place.</param>
    /// <param name="metadata">The stream's (or unary call's) metadata.</param>
    /// <param name="metadataJson">The metadata as <see cref="FormatMetadata"/> gives it.</param>
    /// <param name="mergeLegacyMetadata">Whether this is the RecordEvents path, which merges legacy metadata.</param>
    /// <remarks>Never throws for anything in the event: what cannot be published is refused, counted and kept for the page.</remarks>
    public PublishResult Publish(Event ev, RecordEventsRequestMetadata metadata, string metadataJson, bool mergeLegacyMetadata)
    {
        var receivedAt = timeProvider.GetUtcNow();
        var error = Validate(ev);
        if (error is not null)
        {
            return Refuse(ev, EventStatus.Invalid, PublishOutcome.Invalid, error, null, receivedAt, metadata);
        }

        // The real gateway marshals the event to JSON before publishing; an event with no JSON form fails there.
        if (EventJsonCheck.Find(ev) is { } problem)
        {
            return Refuse(ev, EventStatus.Invalid, PublishOutcome.Invalid, problem.Reason, problem.Location, receivedAt, metadata);
        }

        // The bytes as received are kept only when the merge below changes the event; otherwise they are encoded
        // again from the event on first read of ReceivedEvent.EventBytes (unknown fields are kept either way).
        byte[]? received = null;
        if (mergeLegacyMetadata && HasLegacyMetadata(ev))
        {
            received = ev.ToByteArray();
            MergeLegacyMetadata(ev);
        }

        string? eventJson = null;
        if (MayBeOversize(ev))
        {
            var text = new BoundedJsonText(MaxEventJsonBytes);
            try
            {
                Formatter.Format(ev, text);
                eventJson = text.ToString();
            }
            catch (BoundedJsonText.LimitReachedException)
            {
                Refuse(ev, EventStatus.Oversize, PublishOutcome.Oversize, "dropped: its JSON form is 10,000,000 bytes or more (reported as succeeded, like the real gateway does)", null, receivedAt, metadata);
                return new PublishResult(ev.Id, PublishOutcome.Oversize, null);
            }
        }

        if (faults.ShouldFail(ev.Id, ev.Feature, ev.Action))
        {
            return Refuse(ev, EventStatus.Failed, PublishOutcome.InjectedFailure, "injected failure (development gateway fault injection)", null, receivedAt, metadata);
        }

        var record = new ReceivedEvent(ev, received, eventJson, ToDateTimeOffset(ev.Timestamp), receivedAt, metadata, metadataJson);
        jsonLines?.Append(record.Json);
        store.Add(record);
        return new PublishResult(ev.Id, PublishOutcome.Published, null);
    }

    /// <summary>The gateway's per-event checks, in its order (docs/gateway-contract.md, "The RecordEvents stream", item 4).</summary>
    public static string? Validate(Event ev)
    {
        if (ev.Id.Length == 0)
        {
            return "event ID is required";
        }

        if (EventNameValidator.Validate(ev.Feature, ev.Action) is { } nameError)
        {
            return "invalid event 'feature' or 'action': " + nameError;
        }

        return ev.Timestamp is null ? "event timestamp is required" : null;
    }

#pragma warning disable CS0612 // legacy_metadata is deprecated in the proto; reading it is the point here.
    private static bool HasLegacyMetadata(Event ev) => ev.Parameters is { } parameters && parameters.LegacyMetadata.Count > 0;

    // Legacy exporters sent integer metadata; the gateway folds it into metadata, legacy winning on a clash.
    private static void MergeLegacyMetadata(Event ev)
    {
        var parameters = ev.Parameters;
        foreach (var (key, value) in parameters.LegacyMetadata)
        {
            parameters.Metadata[key] = value;
        }

        parameters.LegacyMetadata.Clear();
    }
#pragma warning restore CS0612

    /// <summary>
    /// Returns whether the event's JSON could reach <see cref="MaxEventJsonBytes"/>; only then is it formatted while
    /// publishing (and stopped at the limit), otherwise on first read of <see cref="ReceivedEvent.Json"/>.
    /// </summary>
    /// <remarks>
    /// The bound: every field on the wire takes at least 2 bytes (a one-byte tag, as every field number in the schema
    /// is below 16, and at least one byte of value or length). Its JSON takes at most the longest field name (17
    /// characters, <c>marketingTracking</c>) plus 4 for quotes, colon and comma, plus its value: at most 32 characters for
    /// a timestamp, 24 for a double (9 bytes on the wire), 22 for a 64-bit integer in quotes, and 6 per byte of a string
    /// (a <c>\u00XX</c> escape). That is under 32 JSON bytes per encoded byte, plus the outer braces; unknown fields count
    /// on the wire but are not formatted. Below the bound the exact check cannot fail, so the JSON is not computed here.
    /// </remarks>
    private static bool MayBeOversize(Event ev)
    {
        const int MaxJsonBytesPerEncodedByte = 32;
        return ((long)ev.CalculateSize() * MaxJsonBytesPerEncodedByte) + 2 >= MaxEventJsonBytes;
    }

    private PublishResult Refuse(Event ev, EventStatus status, PublishOutcome outcome, string reason, string? location, DateTimeOffset receivedAt, RecordEventsRequestMetadata metadata)
    {
        var isSummary = status == EventStatus.Oversize || ev.CalculateSize() > MaxKeptRefusedEventBytes;
        var kept = isSummary ? Summarize(ev) : ev;
        var keptLocation = location is null ? null : TextClip.Clip(location, MaxSummaryTextLength);
        store.AddRefused(new RefusedEvent(kept, status, reason, keptLocation, receivedAt, Trim(metadata)) { IsSummary = isSummary });
        return new PublishResult(ev.Id, outcome, reason);
    }

    // The metadata as the page shows it, each string cut: a refused event must not keep its call's metadata (unbounded,
    // and each unary call brings its own copy) alive. The license key is never shown, so it is not kept.
    private static RecordEventsRequestMetadata Trim(RecordEventsRequestMetadata metadata)
    {
        var identifier = metadata.Identifier;
        var kept = new RecordEventsRequestMetadata { RequestId = Clip(metadata.RequestId) };
        if (identifier?.ManagedService is { } managed)
        {
            kept.Identifier = new Identifier { ManagedService = new() { ServiceId = Clip(managed.ServiceId) } };
            if (managed.HasServiceEnvironment)
            {
                kept.Identifier.ManagedService.ServiceEnvironment = Clip(managed.ServiceEnvironment);
            }
        }
        else if (identifier?.LicensedInstance is { } licensed)
        {
            kept.Identifier = new Identifier { LicensedInstance = new() { InstanceId = Clip(licensed.InstanceId), ExternalUrl = Clip(licensed.ExternalUrl) } };
        }
        else if (identifier?.UnlicensedInstance is { } unlicensed)
        {
            kept.Identifier = new Identifier { UnlicensedInstance = new() { InstanceId = Clip(unlicensed.InstanceId), ExternalUrl = Clip(unlicensed.ExternalUrl) } };
        }
        else if (identifier is not null)
        {
            kept.Identifier = new Identifier();
        }

        return kept;

        static string Clip(string text) => TextClip.Clip(text, MaxSummaryTextLength);
    }

    private static Event Summarize(Event ev) => new()
    {
        Id = TextClip.Clip(ev.Id, MaxSummaryTextLength),
        Feature = TextClip.Clip(ev.Feature, MaxSummaryTextLength),
        Action = TextClip.Clip(ev.Action, MaxSummaryTextLength),
        Timestamp = ev.Timestamp,
    };

    /// <summary>Converts a timestamp that <see cref="EventJsonCheck"/> found in range.</summary>
    internal static DateTimeOffset ToDateTimeOffset(Google.Protobuf.WellKnownTypes.Timestamp timestamp) =>
        DateTimeOffset.UnixEpoch.AddSeconds(timestamp.Seconds).AddTicks(timestamp.Nanos / 100);
}
