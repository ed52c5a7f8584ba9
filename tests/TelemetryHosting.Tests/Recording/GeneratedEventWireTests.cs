using TelemetryHosting.Tests.TestSupport;

namespace TelemetryHosting.Tests.Recording;

/// <summary>
/// A [TelemetryEvent] method (tests/Shared/GeneratedEvents.cs), its body written by the generator when this project
/// compiles, delivers over gRPC to the development gateway (Kestrel, in-process, SAMS on) with every field its
/// declaration describes.
/// </summary>
public sealed class GeneratedEventWireTests
{
    [Fact]
    public async Task GeneratedEvent_EveryKindOfParameter_ArrivesAtTheGatewayWithEveryField()
    {
        await using var harness = await RecorderHarness.StartAsync();
        var user = new TelemetryEventUser { SamsExternalId = "018f2c1e-6f6a-7a3b-9c1d-2e3f4a5b6c7d", UserId = 42 };

        Assert.True(harness.Recorder.RecordResultsViewed(12, cached: true, TimeSpan.FromMilliseconds(1_234.5), score: 0.75, "repo:foo", page: 2, user, "interaction-7"));
        Assert.True(harness.Recorder.RecordResultsViewed(0, cached: false, TimeSpan.Zero, score: null, "", page: 1, user: null, interactionId: null));
        var flushed = await harness.Recorder.FlushWithinLimitAsync();

        Assert.Equal(2, flushed.Delivered);
        Assert.True(flushed.IsComplete);
        var received = harness.Gateway.Events.Snapshot();
        Assert.Equal(2, received.Count);
        Assert.All(received, gatewayEvent =>
        {
            Assert.Equal(RecorderHarness.ServiceId, gatewayEvent.ServiceId);
            Assert.Equal("search.results", gatewayEvent.Feature);
            Assert.Equal("view", gatewayEvent.Action);
        });

        var wire = harness.ReceivedEvents().ToDictionary(ev => ev.Parameters.Metadata["resultCount"]);
        var full = wire[12];
        Assert.Equal("search.results", full.Feature);
        Assert.Equal("view", full.Action);
        Assert.Equal("1.2.3-test", full.Source.Server.Version);
        Assert.Equal(2, full.Parameters.Version);
        Assert.Equal(
            new Dictionary<string, double> { ["resultCount"] = 12, ["cached"] = 1, ["elapsed"] = 1_234.5, ["score"] = 0.75 },
            full.Parameters.Metadata);
        Assert.Equal(2, full.Parameters.PrivateMetadata.Fields.Count);
        Assert.Equal("repo:foo", full.Parameters.PrivateMetadata.Fields["query"].StringValue);
        Assert.Equal(2, full.Parameters.PrivateMetadata.Fields["pageNumber"].NumberValue);
        Assert.Equal("code-search", full.Parameters.BillingMetadata.Product);
        Assert.Equal("core", full.Parameters.BillingMetadata.Category);
        Assert.Equal("018f2c1e-6f6a-7a3b-9c1d-2e3f4a5b6c7d", full.User.SamsExternalId);
        Assert.Equal(42, full.User.UserId);
        Assert.Equal("interaction-7", full.Interaction.InteractionId);

        // false is 0; a null nullable is left out; no user, no interaction id (nothing enriches this host's events).
        var sparse = wire[0];
        Assert.Equal(new Dictionary<string, double> { ["resultCount"] = 0, ["cached"] = 0, ["elapsed"] = 0 }, sparse.Parameters.Metadata);
        Assert.Equal(string.Empty, sparse.Parameters.PrivateMetadata.Fields["query"].StringValue);
        Assert.Equal(1, sparse.Parameters.PrivateMetadata.Fields["pageNumber"].NumberValue);
        Assert.Equal("code-search", sparse.Parameters.BillingMetadata.Product);
        Assert.Null(sparse.User);
        Assert.True(sparse.Interaction is null || string.IsNullOrEmpty(sparse.Interaction.InteractionId));
    }
}
