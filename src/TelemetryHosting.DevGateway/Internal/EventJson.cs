using System.Globalization;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Telemetrygateway.V1;

namespace TelemetryHosting.DevGateway.Internal;

/// <summary>
/// Writes one received event, with every field of the proto and the request it came in, as an object of
/// <c>/api/events</c>. Never throws on the event's content: this also writes refused events, whose values may have no
/// protobuf JSON form (a kind-less Struct value is written as <c>null</c>, a NaN number as <c>"NaN"</c>).
/// </summary>
internal static class EventJson
{
    public static void Write(Utf8JsonWriter writer, ReceivedEvent received) =>
        Write(writer, received.Published, received.Request, received.Sequence, received.ReceivedAt, received.IsDuplicate ? EventStatus.Duplicate : EventStatus.Accepted, null, null, isSummary: false);

    public static void Write(Utf8JsonWriter writer, RefusedEvent refused) =>
        Write(writer, refused.Event, refused.Request, refused.Sequence, refused.ReceivedAt, refused.Status, refused.Reason, refused.Location, refused.IsSummary);

    public static string StatusName(EventStatus status) => status switch
    {
        EventStatus.Accepted => "accepted",
        EventStatus.Duplicate => "duplicate",
        EventStatus.Invalid => "invalid",
        EventStatus.Failed => "failed",
        _ => "oversize",
    };

    private static void Write(Utf8JsonWriter writer, Event ev, RecordEventsRequestMetadata request, long sequence, DateTimeOffset receivedAt, EventStatus status, string? reason, string? location, bool isSummary)
    {
        writer.WriteStartObject();
        writer.WriteNumber("sequence", sequence);
        writer.WriteString("status", StatusName(status));
        writer.WriteString("reason", reason);
        writer.WriteString("reasonLocation", location);
        writer.WriteBoolean("summaryOnly", isSummary);
        writer.WriteString("id", ev.Id);
        writer.WriteString("feature", ev.Feature);
        writer.WriteString("action", ev.Action);
        if (ev.Timestamp is { } timestamp && EventJsonCheck.IsInRange(timestamp))
        {
            writer.WriteString("timestamp", EventPublisher.ToDateTimeOffset(timestamp));
        }
        else
        {
            writer.WriteNull("timestamp");
        }

        writer.WriteString("receivedAt", receivedAt);
        WriteRequest(writer, request);

        writer.WriteString("serverVersion", ev.Source?.Server?.Version);
        var client = ev.Source?.Client;
        writer.WriteString("clientName", client?.Name);
        writer.WriteString("clientVersion", client is { HasVersion: true } ? client.Version : null);

        var parameters = ev.Parameters;
        writer.WriteNumber("parametersVersion", parameters?.Version ?? 0);
        writer.WriteStartObject("metadata");
        foreach (var (key, value) in (parameters?.Metadata ?? []).OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            writer.WritePropertyName(key);
            WriteDouble(writer, value);
        }

        writer.WriteEndObject();
        writer.WritePropertyName("privateMetadata");
        if (parameters?.PrivateMetadata is { } privateMetadata)
        {
            WriteStruct(writer, privateMetadata);
        }
        else
        {
            writer.WriteNullValue();
        }

        var billing = parameters?.BillingMetadata;
        writer.WriteString("billingProduct", billing?.Product);
        writer.WriteString("billingCategory", billing?.Category);
#pragma warning disable CS0612 // legacy_metadata is deprecated; the unary path keeps it as sent, so it is shown.
        writer.WriteStartObject("legacyMetadata");
        foreach (var (key, value) in (parameters?.LegacyMetadata ?? []).OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            writer.WriteNumber(key, value);
        }
#pragma warning restore CS0612

        writer.WriteEndObject();
        if (ev.FeatureFlags is { } featureFlags)
        {
            writer.WriteStartObject("featureFlags");
            foreach (var (key, value) in featureFlags.Flags.OrderBy(f => f.Key, StringComparer.Ordinal))
            {
                writer.WriteString(key, value);
            }

            writer.WriteEndObject();
        }
        else
        {
            writer.WriteNull("featureFlags");
        }

        var user = ev.User;
        // An int64 as a string, as in protobuf JSON: JavaScript numbers lose digits past 2^53.
        writer.WriteString("userId", user is { HasUserId: true } ? user.UserId.ToString(CultureInfo.InvariantCulture) : null);
        writer.WriteString("anonymousUserId", user is { HasAnonymousUserId: true } ? user.AnonymousUserId : null);
        writer.WriteString("samsExternalId", user is { HasSamsExternalId: true } ? user.SamsExternalId : null);

        var interaction = ev.Interaction;
        writer.WriteString("traceId", interaction is { HasTraceId: true } ? interaction.TraceId : null);
        writer.WriteString("interactionId", interaction is { HasInteractionId: true } ? interaction.InteractionId : null);
        writer.WriteString("geolocationCountryCode", interaction?.Geolocation?.CountryCode);
        WriteMarketingTracking(writer, ev.MarketingTracking);
        writer.WriteEndObject();
    }

    private static void WriteRequest(Utf8JsonWriter writer, RecordEventsRequestMetadata request)
    {
        var identifier = request.Identifier;
        writer.WriteString("identifierType", identifier?.IdentifierCase switch
        {
            Identifier.IdentifierOneofCase.ManagedService => "managedService",
            Identifier.IdentifierOneofCase.LicensedInstance => "licensedInstance",
            Identifier.IdentifierOneofCase.UnlicensedInstance => "unlicensedInstance",
            _ => null,
        });
        var managed = identifier?.ManagedService;
        writer.WriteString("serviceId", managed?.ServiceId);
        writer.WriteString("serviceEnvironment", managed is { HasServiceEnvironment: true } ? managed.ServiceEnvironment : null);

        // Never the license key: it is a secret of the instance.
        writer.WriteString("instanceId", identifier?.LicensedInstance?.InstanceId ?? identifier?.UnlicensedInstance?.InstanceId);
        writer.WriteString("externalUrl", identifier?.LicensedInstance?.ExternalUrl ?? identifier?.UnlicensedInstance?.ExternalUrl);
        writer.WriteString("requestId", request.RequestId);
    }

    private static void WriteMarketingTracking(Utf8JsonWriter writer, EventMarketingTracking? tracking)
    {
        if (tracking is null)
        {
            writer.WriteNull("marketingTracking");
            return;
        }

        writer.WriteStartObject("marketingTracking");
        WriteIfSet(writer, "url", tracking.HasUrl, tracking.Url);
        WriteIfSet(writer, "firstSourceUrl", tracking.HasFirstSourceUrl, tracking.FirstSourceUrl);
        WriteIfSet(writer, "cohortId", tracking.HasCohortId, tracking.CohortId);
        WriteIfSet(writer, "referrer", tracking.HasReferrer, tracking.Referrer);
        WriteIfSet(writer, "lastSourceUrl", tracking.HasLastSourceUrl, tracking.LastSourceUrl);
        WriteIfSet(writer, "deviceSessionId", tracking.HasDeviceSessionId, tracking.DeviceSessionId);
        WriteIfSet(writer, "sessionReferrer", tracking.HasSessionReferrer, tracking.SessionReferrer);
        WriteIfSet(writer, "sessionFirstUrl", tracking.HasSessionFirstUrl, tracking.SessionFirstUrl);
        writer.WriteEndObject();
    }

    private static void WriteIfSet(Utf8JsonWriter writer, string name, bool isSet, string value)
    {
        if (isSet)
        {
            writer.WriteString(name, value);
        }
    }

    private static void WriteStruct(Utf8JsonWriter writer, Struct value)
    {
        writer.WriteStartObject();
        foreach (var (key, field) in value.Fields.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            writer.WritePropertyName(key);
            WriteValue(writer, field);
        }

        writer.WriteEndObject();
    }

    private static void WriteValue(Utf8JsonWriter writer, Value value)
    {
        switch (value.KindCase)
        {
            case Value.KindOneofCase.NumberValue: WriteDouble(writer, value.NumberValue); break;
            case Value.KindOneofCase.StringValue: writer.WriteStringValue(value.StringValue); break;
            case Value.KindOneofCase.BoolValue: writer.WriteBooleanValue(value.BoolValue); break;
            case Value.KindOneofCase.StructValue: WriteStruct(writer, value.StructValue); break;
            case Value.KindOneofCase.ListValue:
                writer.WriteStartArray();
                foreach (var item in value.ListValue.Values)
                {
                    WriteValue(writer, item);
                }

                writer.WriteEndArray();
                break;

            // NullValue, and a Value with no kind (refused events only; the reason says where).
            default: writer.WriteNullValue(); break;
        }
    }

    // JSON has no NaN or infinity: protobuf JSON writes them as strings, and so does this.
    private static void WriteDouble(Utf8JsonWriter writer, double value)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            writer.WriteStringValue(value.ToString(CultureInfo.InvariantCulture));
        }
    }
}
