using System.Globalization;
using System.Text;
using Google.Protobuf;
using Telemetrygateway.V1;

namespace TelemetryHosting.DevGateway;

/// <summary>An event the development gateway accepted (published), with where it came from.</summary>
public sealed class ReceivedEvent
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default);

    // The published event. The gateway never changes it after publishing, so the parts below that are costly and
    // rarely read (the JSON record, the encoded bytes, copies of maps) are computed from it on first read; two
    // threads racing on a first read compute equal values, so no lock is taken.
    private readonly Event _published;
    private readonly Google.Protobuf.Collections.MapField<string, double>? _metadataSource;
    private readonly string _metadataJson;
    private byte[]? _eventBytes;
    private string? _eventJson;
    private string? _json;
    private IReadOnlyDictionary<string, double>? _metadata;
    private string? _privateMetadataJson;

    /// <param name="published">The event as published (legacy metadata merged); not changed afterwards.</param>
    /// <param name="receivedBytes">The event as received when it differs from <paramref name="published"/>, else <see langword="null"/>.</param>
    /// <param name="eventJson">The published event's JSON when already formatted, else <see langword="null"/>.</param>
    /// <param name="timestamp">The event's timestamp (in range: an event whose timestamp has no JSON form is refused).</param>
    /// <param name="receivedAt">When the gateway received it.</param>
    /// <param name="metadata">The stream's (or unary call's) metadata.</param>
    /// <param name="metadataJson">The metadata in JSON form, license key redacted.</param>
    internal ReceivedEvent(
        Event published,
        byte[]? receivedBytes,
        string? eventJson,
        DateTimeOffset timestamp,
        DateTimeOffset receivedAt,
        RecordEventsRequestMetadata metadata,
        string metadataJson)
    {
        _published = published;
        Request = metadata;
        _eventBytes = receivedBytes;
        _eventJson = eventJson;
        _metadataJson = metadataJson;
        _metadataSource = published.Parameters?.Metadata;
        Id = published.Id;
        Feature = published.Feature;
        Action = published.Action;
        Timestamp = timestamp;
        ReceivedAt = receivedAt;
        var identifier = metadata.Identifier;
        var managed = identifier.ManagedService;
        ServiceId = managed?.ServiceId;
        ServiceEnvironment = managed is { HasServiceEnvironment: true } ? managed.ServiceEnvironment : null;
        InstanceId = identifier.LicensedInstance?.InstanceId ?? identifier.UnlicensedInstance?.InstanceId;
        RequestId = metadata.RequestId;
        TraceId = published.Interaction is { HasTraceId: true } interaction ? interaction.TraceId : null;
    }

    /// <summary>Gets the event id.</summary>
    public string Id { get; }

    /// <summary>Gets the event's feature.</summary>
    public string Feature { get; }

    /// <summary>Gets the event's action.</summary>
    public string Action { get; }

    /// <summary>Gets the event's own timestamp (when it was recorded).</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>Gets when the gateway received it, by the gateway's <see cref="TimeProvider"/>.</summary>
    public DateTimeOffset ReceivedAt { get; }

    /// <summary>Gets the managed service's id, or <see langword="null"/> when a Sourcegraph instance sent the event.</summary>
    public string? ServiceId { get; }

    /// <summary>Gets the managed service's environment, or <see langword="null"/> when none was sent.</summary>
    public string? ServiceEnvironment { get; }

    /// <summary>Gets the Sourcegraph instance's id, or <see langword="null"/> when a managed service sent the event.</summary>
    public string? InstanceId { get; }

    /// <summary>Gets the request id of the stream's (or unary call's) metadata.</summary>
    public string RequestId { get; }

    /// <summary>Gets the event's <c>interaction.trace_id</c>, or <see langword="null"/> when unset.</summary>
    public string? TraceId { get; }

    /// <summary>Gets <c>parameters.metadata</c> as published: on the RecordEvents path, with legacy metadata merged in.</summary>
    public IReadOnlyDictionary<string, double> Metadata =>
        _metadata ??= _metadataSource is null ? new Dictionary<string, double>() : new Dictionary<string, double>(_metadataSource);

    /// <summary>Gets <c>parameters.private_metadata</c> in JSON form, or <see langword="null"/> when unset.</summary>
    public string? PrivateMetadataJson =>
        _published.Parameters?.PrivateMetadata is { } privateMetadata ? _privateMetadataJson ??= Formatter.Format(privateMetadata) : null;

    /// <summary>
    /// Gets the event as received (before any legacy-metadata merge), protobuf-encoded, unknown fields included,
    /// so that tests can decode every field with their own generated types.
    /// </summary>
    public ReadOnlyMemory<byte> EventBytes => _eventBytes ??= _published.ToByteArray();

    /// <summary>
    /// Gets the JSON Lines record of this event, as written to <see cref="DevelopmentGatewayOptions.JsonLinesPath"/>:
    /// <c>{"receivedAt":…,"metadata":…,"event":…}</c> where <c>metadata</c> (license key redacted) and <c>event</c>
    /// (as published) are in protobuf JSON form.
    /// </summary>
    public string Json => _json ??= FormatLine();

    /// <summary>Gets the event as published (never changed after publishing).</summary>
    internal Event Published => _published;

    /// <summary>Gets the stream's (or unary call's) metadata.</summary>
    internal RecordEventsRequestMetadata Request { get; }

    /// <summary>Gets or sets the event's place in the order of everything the store received; set by the store.</summary>
    internal long Sequence { get; set; }

    /// <summary>Gets or sets whether its id had been accepted before; set by the store.</summary>
    internal bool IsDuplicate { get; set; }

    /// <summary>Gets the published event in protobuf JSON form.</summary>
    internal string EventJson => _eventJson ??= Formatter.Format(_published);

    private string FormatLine()
    {
        var eventJson = EventJson;
        return new StringBuilder(eventJson.Length + _metadataJson.Length + 64)
            .Append("{\"receivedAt\":\"")
            .Append(ReceivedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture))
            .Append("\",\"metadata\":").Append(_metadataJson)
            .Append(",\"event\":").Append(eventJson)
            .Append('}')
            .ToString();
    }
}
