using Google.Protobuf.WellKnownTypes;
using Telemetrygateway.V1;

namespace TelemetryHosting.DevGateway.Tests.Web;

/// <summary>An event with every field of the proto's <c>Event</c> set (protos/telemetrygateway/v1/telemetrygateway.proto), and what /api/events must say of it.</summary>
internal static class EveryField
{
    public const string RequestId = "every-field-request";

    public static RecordEventsRequestMetadata Metadata() => new()
    {
        RequestId = RequestId,
        Identifier = new Identifier { ManagedService = new Identifier.Types.ManagedServiceIdentifier { ServiceId = "every-service", ServiceEnvironment = "staging" } },
    };

    public static Event Event()
    {
        var ev = new Event
        {
            Id = "01912345-6789-7abc-8def-0123456789ab",
            Timestamp = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 3, 4, 5, 6, 7, 890, TimeSpan.Zero)),
            Feature = "everyField.feature",
            Action = "recorded",
            Source = new EventSource
            {
                Server = new EventSource.Types.Server { Version = "9.8.7" },
                Client = new EventSource.Types.Client { Name = "every-client", Version = "1.0.0-beta" },
            },
            Parameters = new EventParameters
            {
                Version = 3,
                PrivateMetadata = new Struct(),
                BillingMetadata = new EventBillingMetadata { Product = "every-product", Category = "every-category" },
            },
            User = new EventUser { UserId = 9007199254740993, AnonymousUserId = "anon-every", SamsExternalId = "0191d8a0-7c1e-7b3a-9f1e-2a6c1b9d4e5f" },
            FeatureFlags = new EventFeatureFlags { Flags = { ["every-flag"] = "true", ["other-flag"] = "false" } },
            MarketingTracking = new EventMarketingTracking
            {
                Url = "https://example.com/u", FirstSourceUrl = "https://example.com/first", CohortId = "cohort-1", Referrer = "https://ref.example",
                LastSourceUrl = "https://example.com/last", DeviceSessionId = "device-1", SessionReferrer = "https://sref.example", SessionFirstUrl = "https://example.com/sfirst",
            },
            Interaction = new EventInteraction
            {
                TraceId = "4bf92f3577b34da6a3ce929d0e0e4736",
                InteractionId = "interaction-every",
                Geolocation = new EventInteraction.Types.Geolocation { CountryCode = "NZ" },
            },
        };
        ev.Parameters.Metadata["count"] = 2.5;
        ev.Parameters.PrivateMetadata.Fields["query"] = Value.ForString("secret query");
        ev.Parameters.PrivateMetadata.Fields["nested"] = Value.ForStruct(new Struct { Fields = { ["list"] = Value.ForList(Value.ForNumber(1), Value.ForBool(true), Value.ForNull()) } });
        return ev;
    }

    /// <summary>Every field of an /api/events object for <see cref="Event"/> (sent on the stream path), as raw JSON text.</summary>
    public static IReadOnlyDictionary<string, string> ExpectedJson { get; } = new Dictionary<string, string>
    {
        ["sequence"] = "1",
        ["status"] = "\"accepted\"",
        ["reason"] = "null",
        ["reasonLocation"] = "null",
        ["summaryOnly"] = "false",
        ["id"] = "\"01912345-6789-7abc-8def-0123456789ab\"",
        ["feature"] = "\"everyField.feature\"",
        ["action"] = "\"recorded\"",
        ["timestamp"] = "\"2026-03-04T05:06:07.89+00:00\"",
        ["identifierType"] = "\"managedService\"",
        ["serviceId"] = "\"every-service\"",
        ["serviceEnvironment"] = "\"staging\"",
        ["instanceId"] = "null",
        ["externalUrl"] = "null",
        ["requestId"] = "\"every-field-request\"",
        ["serverVersion"] = "\"9.8.7\"",
        ["clientName"] = "\"every-client\"",
        ["clientVersion"] = "\"1.0.0-beta\"",
        ["parametersVersion"] = "3",
        ["metadata"] = "{\"count\":2.5}",
        ["privateMetadata"] = "{\"nested\":{\"list\":[1,true,null]},\"query\":\"secret query\"}",
        ["billingProduct"] = "\"every-product\"",
        ["billingCategory"] = "\"every-category\"",
        ["legacyMetadata"] = "{}",
        ["featureFlags"] = "{\"every-flag\":\"true\",\"other-flag\":\"false\"}",
        ["userId"] = "\"9007199254740993\"",
        ["anonymousUserId"] = "\"anon-every\"",
        ["samsExternalId"] = "\"0191d8a0-7c1e-7b3a-9f1e-2a6c1b9d4e5f\"",
        ["traceId"] = "\"4bf92f3577b34da6a3ce929d0e0e4736\"",
        ["interactionId"] = "\"interaction-every\"",
        ["geolocationCountryCode"] = "\"NZ\"",
        ["marketingTracking"] = "{\"url\":\"https://example.com/u\",\"firstSourceUrl\":\"https://example.com/first\",\"cohortId\":\"cohort-1\",\"referrer\":\"https://ref.example\",\"lastSourceUrl\":\"https://example.com/last\",\"deviceSessionId\":\"device-1\",\"sessionReferrer\":\"https://sref.example\",\"sessionFirstUrl\":\"https://example.com/sfirst\"}",
    };
}
