using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Time.Testing;
using TelemetryHosting.Tests.TestSupport;

namespace TelemetryHosting.Tests.Recording;

/// <summary>Decodes what the gateway received and checks every field the recorder sets.</summary>
public sealed class RecordedEventWireTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Record_AllParameters_ArriveOnTheWire()
    {
        var time = new FakeTimeProvider(Start);
        await using var harness = await RecorderHarness.StartAsync(
            options => options.ServiceEnvironment = "test",
            timeProvider: time);
        var parameters = new TelemetryEventParameters
        {
            Version = 3,
            Metadata = new Dictionary<string, double> { ["resultCount"] = 12, ["cached"] = 1 },
            PrivateMetadata = new Dictionary<string, object?>
            {
                ["query"] = "repo:foo",
                ["filters"] = new[] { "lang:go" },
                ["page"] = 2,
                ["exact"] = true,
                ["cursor"] = null,
                ["scope"] = new Dictionary<string, object?> { ["repos"] = new List<object?> { "a", 1.5 } },
            },
            Billing = new TelemetryBillingMetadata { Product = "cody", Category = "core" },
            User = new TelemetryEventUser { SamsExternalId = "018f2c1e-6f6a-7a3b-9c1d-2e3f4a5b6c7d", UserId = 42 },
            Client = new TelemetryEventClient { Name = "web", Version = "5.1.0" },
            FeatureFlags = new Dictionary<string, bool> { ["new-search"] = true, ["old-ui"] = false },
            InteractionId = "interaction-7",
        };

        using var activity = new Activity("request").SetIdFormat(ActivityIdFormat.W3C).Start();
        Assert.True(harness.Recorder.Record("search.results", "view", parameters));
        activity.Stop();
        await harness.Recorder.FlushWithinLimitAsync();

        var received = Assert.Single(harness.Gateway.Events.Snapshot());
        Assert.Equal(RecorderHarness.ServiceId, received.ServiceId);
        Assert.Equal("test", received.ServiceEnvironment);
        Assert.False(string.IsNullOrEmpty(received.RequestId));
        var wire = Assert.Single(harness.ReceivedEvents());

        Assert.Equal(36, wire.Id.Length);
        Assert.Equal(wire.Id.ToLowerInvariant(), wire.Id);
        Assert.Equal(7, Guid.Parse(wire.Id).Version);
        Assert.Equal(Timestamp.FromDateTimeOffset(Start), wire.Timestamp);
        Assert.Equal("search.results", wire.Feature);
        Assert.Equal("view", wire.Action);
        Assert.Equal("1.2.3-test", wire.Source.Server.Version);
        Assert.Equal("web", wire.Source.Client.Name);
        Assert.Equal("5.1.0", wire.Source.Client.Version);
        Assert.Equal(3, wire.Parameters.Version);
        Assert.Equal(new Dictionary<string, double> { ["resultCount"] = 12, ["cached"] = 1 }, wire.Parameters.Metadata);
#pragma warning disable CS0612 // The deprecated field is read only to prove that it is never sent.
        Assert.Empty(wire.Parameters.LegacyMetadata);
#pragma warning restore CS0612
        Assert.Equal("cody", wire.Parameters.BillingMetadata.Product);
        Assert.Equal("core", wire.Parameters.BillingMetadata.Category);

        var fields = wire.Parameters.PrivateMetadata.Fields;
        Assert.Equal("repo:foo", fields["query"].StringValue);
        Assert.Equal("lang:go", Assert.Single(fields["filters"].ListValue.Values).StringValue);
        Assert.Equal(2, fields["page"].NumberValue);
        Assert.True(fields["exact"].BoolValue);
        Assert.Equal(Value.KindOneofCase.NullValue, fields["cursor"].KindCase);
        var repos = fields["scope"].StructValue.Fields["repos"].ListValue.Values;
        Assert.Equal("a", repos[0].StringValue);
        Assert.Equal(1.5, repos[1].NumberValue);

        Assert.Equal("018f2c1e-6f6a-7a3b-9c1d-2e3f4a5b6c7d", wire.User.SamsExternalId);
        Assert.Equal(42, wire.User.UserId);
        Assert.False(wire.User.HasAnonymousUserId);
        Assert.Equal(new Dictionary<string, string> { ["new-search"] = "true", ["old-ui"] = "false" }, wire.FeatureFlags.Flags);
        Assert.Equal(activity.TraceId.ToHexString(), wire.Interaction.TraceId);
        Assert.Matches("^[0-9a-f]{32}$", wire.Interaction.TraceId);
        Assert.Equal("interaction-7", wire.Interaction.InteractionId);
        Assert.Null(wire.Interaction.Geolocation);
        Assert.Null(wire.MarketingTracking);
    }

    [Fact]
    public async Task Record_MarketingTracking_EveryFieldArrivesOnTheWire()
    {
        await using var harness = await RecorderHarness.StartAsync(timeProvider: new FakeTimeProvider(Start));
        var tracking = new TelemetryMarketingTracking
        {
            Url = "https://sourcegraph.com/search?q=context:global+repo:foo",
            FirstSourceUrl = "https://sourcegraph.com/?utm_source=newsletter",
            CohortId = "2026-11-23",
            Referrer = "https://www.example.com/",
            LastSourceUrl = "https://sourcegraph.com/pricing?utm_campaign=é",
            DeviceSessionId = "7c4e1f0a-device-session",
            SessionReferrer = "https://news.example.org/item?id=1",
            SessionFirstUrl = "https://sourcegraph.com/blog/🎉" + new string('p', 2_048 - 31),
        };

        Assert.True(harness.Recorder.Record("search", "view", new TelemetryEventParameters { MarketingTracking = tracking }));
        await harness.Recorder.FlushWithinLimitAsync();

        var wire = Assert.Single(harness.ReceivedEvents()).MarketingTracking;
        Assert.NotNull(wire);
        Assert.Equal(tracking.Url, wire.Url);
        Assert.Equal(tracking.FirstSourceUrl, wire.FirstSourceUrl);
        Assert.Equal(tracking.CohortId, wire.CohortId);
        Assert.Equal(tracking.Referrer, wire.Referrer);
        Assert.Equal(tracking.LastSourceUrl, wire.LastSourceUrl);
        Assert.Equal(tracking.DeviceSessionId, wire.DeviceSessionId);
        Assert.Equal(tracking.SessionReferrer, wire.SessionReferrer);
        Assert.Equal(tracking.SessionFirstUrl, wire.SessionFirstUrl);

        // The development gateway's JSON Lines record (protobuf JSON) carries it too.
        using var record = System.Text.Json.JsonDocument.Parse(Assert.Single(harness.Gateway.Events.Snapshot()).Json);
        var json = record.RootElement.GetProperty("event").GetProperty("marketingTracking");
        Assert.Equal(tracking.CohortId, json.GetProperty("cohortId").GetString());
        Assert.Equal(tracking.SessionFirstUrl, json.GetProperty("sessionFirstUrl").GetString());
    }

    [Fact]
    public async Task Record_MarketingTrackingPartlySet_SendsOnlyTheSetFields()
    {
        await using var harness = await RecorderHarness.StartAsync();

        harness.Recorder.Record("search", "view", new TelemetryEventParameters
        {
            MarketingTracking = new TelemetryMarketingTracking { Url = "https://sourcegraph.com/", Referrer = "", CohortId = "c1" },
        });
        harness.Recorder.Record("search", "submit", new TelemetryEventParameters
        {
            MarketingTracking = new TelemetryMarketingTracking { Url = "", SessionReferrer = "" },
        });
        await harness.Recorder.FlushWithinLimitAsync();

        var events = harness.ReceivedEvents();
        var partial = Assert.Single(events, e => e.Action == "view").MarketingTracking;
        Assert.Equal("https://sourcegraph.com/", partial.Url);
        Assert.Equal("c1", partial.CohortId);
        Assert.False(partial.HasReferrer);
        Assert.False(partial.HasFirstSourceUrl || partial.HasLastSourceUrl || partial.HasDeviceSessionId || partial.HasSessionReferrer || partial.HasSessionFirstUrl);

        // Only empty strings: no marketing tracking at all, as a user with nothing set is left out.
        Assert.Null(Assert.Single(events, e => e.Action == "submit").MarketingTracking);
    }

    [Fact]
    public async Task Record_NoParametersAndNoTrace_LeavesOptionalPartsUnset()
    {
        Assert.Null(Activity.Current);
        await using var harness = await RecorderHarness.StartAsync();

        harness.Recorder.Record("search", "view");
        await harness.Recorder.FlushWithinLimitAsync();

        var wire = Assert.Single(harness.ReceivedEvents());
        Assert.Null(wire.User);
        Assert.Null(wire.FeatureFlags);
        Assert.Null(wire.Interaction);
        Assert.Null(wire.MarketingTracking);
        Assert.Null(wire.Source.Client);
        Assert.Null(wire.Parameters.PrivateMetadata);
        Assert.Null(wire.Parameters.BillingMetadata);
        Assert.Empty(wire.Parameters.Metadata);
        Assert.Equal(0, wire.Parameters.Version);
        var received = Assert.Single(harness.Gateway.Events.Snapshot());
        Assert.Null(received.ServiceEnvironment);
    }

    [Fact]
    public async Task Record_EmptyOptionalStrings_AreLeftUnset()
    {
        await using var harness = await RecorderHarness.StartAsync();

        harness.Recorder.Record("search", "view", new TelemetryEventParameters
        {
            User = new TelemetryEventUser { SamsExternalId = "", AnonymousUserId = "" },
            Client = new TelemetryEventClient { Name = "web", Version = "" },
            InteractionId = "",
            Metadata = new Dictionary<string, double>(),
            PrivateMetadata = new Dictionary<string, object?>(),
        });
        await harness.Recorder.FlushWithinLimitAsync();

        var wire = Assert.Single(harness.ReceivedEvents());
        Assert.Null(wire.User);
        Assert.False(wire.Source.Client.HasVersion);
        Assert.Null(wire.Interaction);
        Assert.Null(wire.Parameters.PrivateMetadata);
    }

    [Fact]
    public async Task Record_ClientTimestamp_IsKept()
    {
        await using var harness = await RecorderHarness.StartAsync();
        var earlier = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(2));

        harness.Recorder.Record("search", "view", new TelemetryEventParameters { Timestamp = earlier });
        await harness.Recorder.FlushWithinLimitAsync();

        Assert.Equal(Timestamp.FromDateTimeOffset(earlier), Assert.Single(harness.ReceivedEvents()).Timestamp);
    }

    [Fact]
    public async Task Record_ParametersChangedAfterwards_EventKeepsRecordedValues()
    {
        await using var harness = await RecorderHarness.StartAsync(options => options.FlushInterval = TimeSpan.FromHours(1));
        var metadata = new Dictionary<string, double> { ["count"] = 1 };
        var privateMetadata = new Dictionary<string, object?> { ["query"] = "first" };

        harness.Recorder.Record("search", "view", new TelemetryEventParameters { Metadata = metadata, PrivateMetadata = privateMetadata });
        metadata["count"] = 2;
        privateMetadata["query"] = "second";
        await harness.Recorder.FlushWithinLimitAsync();

        var wire = Assert.Single(harness.ReceivedEvents());
        Assert.Equal(1, wire.Parameters.Metadata["count"]);
        Assert.Equal("first", wire.Parameters.PrivateMetadata.Fields["query"].StringValue);
    }

    [Fact]
    public async Task Record_ManyEvents_IdsAreUniqueVersion7()
    {
        await using var harness = await RecorderHarness.StartAsync();

        for (var i = 0; i < 200; i++)
        {
            harness.Recorder.Record("search", "view");
        }

        var result = await harness.Recorder.FlushWithinLimitAsync();

        Assert.Equal(new TelemetryFlushResult(200, 0, 0), result);
        var ids = harness.ReceivedEvents().Select(e => Guid.Parse(e.Id)).ToList();
        Assert.Equal(200, ids.Distinct().Count());
        Assert.All(ids, id => Assert.Equal(7, id.Version));
    }
}
