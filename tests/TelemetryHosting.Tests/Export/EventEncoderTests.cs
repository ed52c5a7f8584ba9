using System.Diagnostics;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using TelemetryHosting.Export.Internal;
using TelemetryHosting.Recording.Internal;

namespace TelemetryHosting.Tests.Export;

public sealed class EventEncoderTests
{
    public static TheoryData<string> Cases() => ["minimal", "metadata", "zeros", "everything", "unicode", "before1970", "noversion", "marketing-empty", "marketing-some"];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Encode_AnyEvent_SameBytesAsTheGeneratedMessage(string name)
    {
        var serviceVersion = name == "noversion" ? string.Empty : "1.2.3";
        var pending = Case(name);

        var encoded = EventEncoder.Encode(pending, serviceVersion);

        Assert.Equal(ReferenceEventMessage.Build(pending, serviceVersion).ToByteArray(), encoded);
    }

    private static PendingEvent Case(string name) => name switch
    {
        "minimal" or "noversion" => new PendingEvent { Id = Guid.CreateVersion7(), Timestamp = DateTimeOffset.UnixEpoch.AddTicks(1234567), Feature = "search", Action = "view" },
        "metadata" => new PendingEvent
        {
            Id = Guid.CreateVersion7(),
            Timestamp = new DateTimeOffset(2026, 11, 25, 12, 0, 0, 123, TimeSpan.Zero),
            Feature = "search.results",
            Action = "view",
            Version = 1,
            Metadata = [new("resultCount", 12), new("cached", 1)],
        },
        "zeros" => new PendingEvent
        {
            Id = Guid.Empty,
            Timestamp = DateTimeOffset.UnixEpoch,
            Feature = "a",
            Action = "b",
            Version = -1,
            Metadata = [new("zero", 0.0), new("negativeZero", -0.0), new("nan", double.NaN), new("big", double.MaxValue)],
            FeatureFlags = [new("off", false), new("on", true)],
            User = new TelemetryEventUser { UserId = 0 },
        },
        "before1970" => new PendingEvent { Id = Guid.NewGuid(), Timestamp = new DateTimeOffset(1969, 7, 20, 20, 17, 40, 5, TimeSpan.Zero), Feature = "moon", Action = "land" },
        "unicode" => new PendingEvent
        {
            Id = Guid.NewGuid(),
            Timestamp = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(9_999_999),
            Feature = "café",
            Action = "view",
            Metadata = [new("ключ", 3.5), new(new string('k', 200), 1)],
            InteractionId = "交互-🎉",
            Client = new TelemetryEventClient { Name = "vscode", Version = string.Empty },
        },
        "everything" => new PendingEvent
        {
            Id = Guid.CreateVersion7(),
            Timestamp = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero).AddTicks(1),
            Feature = "search.results",
            Action = "view",
            Version = 300,
            Metadata = [new("resultCount", 12.5)],
            PrivateMetadata = new Struct { Fields = { ["query"] = Value.ForString(new string('q', 300)), ["n"] = Value.ForNumber(3) } },
            Billing = new TelemetryBillingMetadata { Product = "code-search", Category = "core" },
            User = new TelemetryEventUser { UserId = long.MaxValue, AnonymousUserId = "anon", SamsExternalId = "sams" },
            Client = new TelemetryEventClient { Name = "web", Version = "5.0" },
            FeatureFlags = [new("flag", true)],
            InteractionId = "interaction",
            TraceId = ActivityTraceId.CreateRandom(),
            MarketingTracking = EveryMarketingField(),
        },
        "marketing-empty" => new PendingEvent
        {
            Id = Guid.CreateVersion7(),
            Timestamp = DateTimeOffset.UnixEpoch,
            Feature = "search",
            Action = "view",
            MarketingTracking = new TelemetryMarketingTracking { Url = string.Empty, CohortId = string.Empty },
        },
        "marketing-some" => new PendingEvent
        {
            Id = Guid.CreateVersion7(),
            Timestamp = DateTimeOffset.UnixEpoch,
            Feature = "search",
            Action = "view",
            MarketingTracking = new TelemetryMarketingTracking { CohortId = "2026-11", Referrer = "https://example.com/é", SessionFirstUrl = string.Empty },
        },
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    private static TelemetryMarketingTracking EveryMarketingField() => new()
    {
        Url = "https://sourcegraph.com/search",
        FirstSourceUrl = "https://sourcegraph.com/first",
        CohortId = "2026-11-25",
        Referrer = "https://example.com/",
        LastSourceUrl = "https://sourcegraph.com/last",
        DeviceSessionId = "device-session",
        SessionReferrer = "https://example.com/session",
        SessionFirstUrl = "https://sourcegraph.com/session-first",
    };
}
