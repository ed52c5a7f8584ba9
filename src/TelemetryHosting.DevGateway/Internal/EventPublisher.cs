using System.Text;
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
    /// <summary>Events whose published JSON is this large or larger are dropped (GATEWAY.md section 4.5).</summary>
    public const int MaxEventJsonBytes = 10_000_000;

    private const long MinTimestampSeconds = -62135596800L;
    private const long MaxTimestampSeconds = 253402300799L;

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
    public PublishResult Publish(Event ev, RecordEventsRequestMetadata metadata, string metadataJson, bool mergeLegacyMetadata)
    {
        var error = Validate(ev);
        if (error is not null)
        {
            store.CountInvalid();
            return new PublishResult(ev.Id, PublishOutcome.Invalid, error);
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
        if (MayFailOrBeOversize(ev))
        {
            eventJson = Formatter.Format(ev);
            if (Encoding.UTF8.GetByteCount(eventJson) >= MaxEventJsonBytes)
            {
                store.CountOversize();
                return new PublishResult(ev.Id, PublishOutcome.Oversize, null);
            }
        }

        if (faults.ShouldFail(ev.Id, ev.Feature, ev.Action))
        {
            return new PublishResult(ev.Id, PublishOutcome.InjectedFailure, "injected failure (development gateway fault injection)");
        }

        var record = new ReceivedEvent(ev, received, eventJson, ToDateTimeOffset(ev.Timestamp), timeProvider.GetUtcNow(), metadata, metadataJson);
        jsonLines?.Append(record.Json);
        store.Add(record);
        return new PublishResult(ev.Id, PublishOutcome.Published, null);
    }

    /// <summary>The gateway's per-event checks, in its order (GATEWAY.md section 4.4).</summary>
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
    /// Returns whether formatting the event as JSON could throw or reach <see cref="MaxEventJsonBytes"/>; only then is
    /// it formatted while publishing, otherwise on first read of <see cref="ReceivedEvent.Json"/>.
    /// </summary>
    /// <remarks>
    /// Formatting can throw only on a Struct value without a kind (private metadata) or a timestamp outside JSON's
    /// range. The size bound: every field on the wire takes at least 2 bytes (a one-byte tag, as every field number
    /// in the schema is below 16, and at least one byte of value or length). Its JSON takes at most the longest
    /// field name (17 characters, <c>marketingTracking</c>) plus 4 for quotes, colon and comma, plus its value: at
    /// most 32 characters for a timestamp, 24 for a double (9 bytes on the wire), 22 for a 64-bit integer in quotes,
    /// and 6 per byte of a string (a <c>\u00XX</c> escape). That is under 32 JSON bytes per encoded byte, plus the
    /// outer braces; unknown fields count on the wire but are not formatted. Below the bound the exact check cannot
    /// fail, so the JSON is not computed here.
    /// </remarks>
    private static bool MayFailOrBeOversize(Event ev)
    {
        const int MaxJsonBytesPerEncodedByte = 32;
        if (ev.Parameters?.PrivateMetadata is not null || !IsInJsonRange(ev.Timestamp))
        {
            return true;
        }

        return ((long)ev.CalculateSize() * MaxJsonBytesPerEncodedByte) + 2 >= MaxEventJsonBytes;
    }

    // Protobuf JSON writes timestamps from 0001-01-01 to 9999-12-31 with nanoseconds in [0, 1e9), and throws otherwise.
    private static bool IsInJsonRange(Google.Protobuf.WellKnownTypes.Timestamp timestamp) =>
        timestamp.Seconds is >= MinTimestampSeconds and <= MaxTimestampSeconds && timestamp.Nanos is >= 0 and < 1_000_000_000;

    // Out-of-range timestamps cannot be a DateTimeOffset; Go would accept them, so they are clamped rather than refused.
    private static DateTimeOffset ToDateTimeOffset(Google.Protobuf.WellKnownTypes.Timestamp timestamp)
    {
        var seconds = Math.Clamp(timestamp.Seconds, MinTimestampSeconds, MaxTimestampSeconds);
        var nanos = Math.Clamp(timestamp.Nanos, 0, 999_999_999);
        return DateTimeOffset.UnixEpoch.AddSeconds(seconds).AddTicks(nanos / 100);
    }
}
