namespace TelemetryHosting.DevGateway;

/// <summary>An event the development gateway accepted (published), with where it came from.</summary>
public sealed class ReceivedEvent
{
    internal ReceivedEvent(
        string id,
        string feature,
        string action,
        DateTimeOffset timestamp,
        DateTimeOffset receivedAt,
        string? serviceId,
        string? serviceEnvironment,
        string? instanceId,
        string requestId,
        string? traceId,
        IReadOnlyDictionary<string, double> metadata,
        string? privateMetadataJson,
        ReadOnlyMemory<byte> eventBytes,
        string json)
    {
        Id = id;
        Feature = feature;
        Action = action;
        Timestamp = timestamp;
        ReceivedAt = receivedAt;
        ServiceId = serviceId;
        ServiceEnvironment = serviceEnvironment;
        InstanceId = instanceId;
        RequestId = requestId;
        TraceId = traceId;
        Metadata = metadata;
        PrivateMetadataJson = privateMetadataJson;
        EventBytes = eventBytes;
        Json = json;
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
    public IReadOnlyDictionary<string, double> Metadata { get; }

    /// <summary>Gets <c>parameters.private_metadata</c> in JSON form, or <see langword="null"/> when unset.</summary>
    public string? PrivateMetadataJson { get; }

    /// <summary>
    /// Gets the event as received (before any legacy-metadata merge), protobuf-encoded, unknown fields included,
    /// so that tests can decode every field with their own generated types.
    /// </summary>
    public ReadOnlyMemory<byte> EventBytes { get; }

    /// <summary>
    /// Gets the JSON Lines record of this event, as written to <see cref="DevelopmentGatewayOptions.JsonLinesPath"/>:
    /// <c>{"receivedAt":…,"metadata":…,"event":…}</c> where <c>metadata</c> (license key redacted) and <c>event</c>
    /// (as published) are in protobuf JSON form.
    /// </summary>
    public string Json { get; }
}
