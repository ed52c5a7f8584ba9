using Google.Protobuf.WellKnownTypes;
using TelemetryHosting.Export.Internal;
using TelemetryHosting.Recording.Internal;

namespace TelemetryHosting.Tests.Export;

/// <summary>
/// The size bound that decides whether an event wakes the worker on its own (a batch full by bytes must not wait for
/// the flush interval): with the queue's fixed allowance it is an upper bound of what the encoder writes. A review found
/// it too low for feature flags with short or 3-byte-character names (the worker then waited for the interval).
/// </summary>
public sealed class VariableBytesBoundTests
{
    private const string ServiceVersion = "1.2.3-test";

    public static TheoryData<string> Shapes() => new() { "cjk-flags", "one-char-flags", "cjk-metadata", "one-char-metadata", "everything", "one-char-marketing", "nothing" };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void VariableBytesBound_WithTheQueuesFixedAllowance_IsAnUpperBoundOfTheEncodedSize(string shape)
    {
        var pending = Event(shape);

        var encoded = EventEncoder.Encode(pending, ServiceVersion).Length;

        // The queue's fixed allowance: 256 bytes, and 3 bytes a character of the service version.
        var bound = pending.VariableBytesBound() + 256 + (3 * ServiceVersion.Length);
        Assert.True(encoded <= bound, $"{shape}: encoded {encoded} bytes, bound {bound}");
    }

    [Fact]
    public void VariableBytesBound_PrivateMetadata_CountsAsLarge()
    {
        var pending = new PendingEvent
        {
            Id = Guid.CreateVersion7(),
            Timestamp = DateTimeOffset.UnixEpoch,
            Feature = "f",
            Action = "a",
            PrivateMetadata = new Struct(),
        };

        Assert.Equal(int.MaxValue, pending.VariableBytesBound());
    }

    private static PendingEvent Event(string shape)
    {
        var cjk = Enumerable.Range(0, 300).Select(i => ((char)(0x4E00 + i)).ToString()).ToList();
        var oneChar = Enumerable.Range(0, 60).Select(i => ((char)('!' + i)).ToString()).ToList();
        return shape switch
        {
            "cjk-flags" => Base(flags: [.. cjk.Select(name => KeyValuePair.Create(name, false))]),
            "one-char-flags" => Base(flags: [.. oneChar.Select(name => KeyValuePair.Create(name, false))]),
            "cjk-metadata" => Base(metadata: [.. cjk.Select(name => KeyValuePair.Create(name, double.MinValue))]),
            "one-char-metadata" => Base(metadata: [.. oneChar.Select(name => KeyValuePair.Create(name, -1e300))]),
            "everything" => new PendingEvent
            {
                Id = Guid.CreateVersion7(),
                Timestamp = DateTimeOffset.MinValue,
                Feature = new string('f', 64),
                Action = new string('a', 64),
                Version = int.MaxValue,
                TraceId = System.Diagnostics.ActivityTraceId.CreateRandom(),
                Metadata = [KeyValuePair.Create("a", 1.5)],
                Billing = new TelemetryBillingMetadata { Product = "中" + new string('p', 40), Category = "类别" },
                User = new TelemetryEventUser { SamsExternalId = "用户", AnonymousUserId = "匿名", UserId = long.MaxValue },
                Client = new TelemetryEventClient { Name = "客户端", Version = "版本" },
                FeatureFlags = [KeyValuePair.Create("x", true), KeyValuePair.Create("y", false)],
                InteractionId = "交互",
                MarketingTracking = new TelemetryMarketingTracking
                {
                    Url = new string('链', 2_048),
                    FirstSourceUrl = "首",
                    CohortId = "组",
                    Referrer = "引",
                    LastSourceUrl = "末",
                    DeviceSessionId = "设",
                    SessionReferrer = "会",
                    SessionFirstUrl = "初",
                },
            },
            "one-char-marketing" => new PendingEvent
            {
                Id = Guid.CreateVersion7(),
                Timestamp = DateTimeOffset.UnixEpoch,
                Feature = "s",
                Action = "v",
                MarketingTracking = new TelemetryMarketingTracking
                {
                    Url = "u", FirstSourceUrl = "f", CohortId = "c", Referrer = "r", LastSourceUrl = "l", DeviceSessionId = "d", SessionReferrer = "s", SessionFirstUrl = "x",
                },
            },
            _ => Base(),
        };
    }

    private static PendingEvent Base(KeyValuePair<string, bool>[]? flags = null, KeyValuePair<string, double>[]? metadata = null) => new()
    {
        Id = Guid.CreateVersion7(),
        Timestamp = DateTimeOffset.UnixEpoch,
        Feature = "s",
        Action = "v",
        FeatureFlags = flags,
        Metadata = metadata,
    };
}
