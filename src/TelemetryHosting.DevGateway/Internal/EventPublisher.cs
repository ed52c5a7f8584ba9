using System.Globalization;
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

        var received = ev.ToByteArray();
        if (mergeLegacyMetadata)
        {
            MergeLegacyMetadata(ev);
        }

        var eventJson = Formatter.Format(ev);
        if (Encoding.UTF8.GetByteCount(eventJson) >= MaxEventJsonBytes)
        {
            store.CountOversize();
            return new PublishResult(ev.Id, PublishOutcome.Oversize, null);
        }

        if (faults.ShouldFail(ev.Id, ev.Feature, ev.Action))
        {
            return new PublishResult(ev.Id, PublishOutcome.InjectedFailure, "injected failure (development gateway fault injection)");
        }

        var receivedAt = timeProvider.GetUtcNow();
        var line = new StringBuilder(eventJson.Length + metadataJson.Length + 64)
            .Append("{\"receivedAt\":\"")
            .Append(receivedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture))
            .Append("\",\"metadata\":").Append(metadataJson)
            .Append(",\"event\":").Append(eventJson)
            .Append('}')
            .ToString();

        var identifier = metadata.Identifier;
        var managed = identifier.ManagedService;
        var record = new ReceivedEvent(
            ev.Id,
            ev.Feature,
            ev.Action,
            ToDateTimeOffset(ev.Timestamp),
            receivedAt,
            managed?.ServiceId,
            managed is { HasServiceEnvironment: true } ? managed.ServiceEnvironment : null,
            identifier.LicensedInstance?.InstanceId ?? identifier.UnlicensedInstance?.InstanceId,
            metadata.RequestId,
            ev.Interaction is { HasTraceId: true } interaction ? interaction.TraceId : null,
            ev.Parameters is null ? new Dictionary<string, double>() : new Dictionary<string, double>(ev.Parameters.Metadata),
            ev.Parameters?.PrivateMetadata is { } privateMetadata ? Formatter.Format(privateMetadata) : null,
            received,
            line);
        jsonLines?.Append(line);
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

    // Legacy exporters sent integer metadata; the gateway folds it into metadata, legacy winning on a clash.
    private static void MergeLegacyMetadata(Event ev)
    {
#pragma warning disable CS0612 // legacy_metadata is deprecated in the proto; reading it is the point here.
        if (ev.Parameters is not { } parameters || parameters.LegacyMetadata.Count == 0)
        {
            return;
        }

        foreach (var (key, value) in parameters.LegacyMetadata)
        {
            parameters.Metadata[key] = value;
        }

        parameters.LegacyMetadata.Clear();
#pragma warning restore CS0612
    }

    // Out-of-range timestamps cannot be a DateTimeOffset; Go would accept them, so they are clamped rather than refused.
    private static DateTimeOffset ToDateTimeOffset(Google.Protobuf.WellKnownTypes.Timestamp timestamp)
    {
        const long MinSeconds = -62135596800L;
        const long MaxSeconds = 253402300799L;
        var seconds = Math.Clamp(timestamp.Seconds, MinSeconds, MaxSeconds);
        var nanos = Math.Clamp(timestamp.Nanos, 0, 999_999_999);
        return DateTimeOffset.UnixEpoch.AddSeconds(seconds).AddTicks(nanos / 100);
    }
}
