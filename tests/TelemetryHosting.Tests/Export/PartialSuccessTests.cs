using TelemetryHosting.Tests.TestSupport;

namespace TelemetryHosting.Tests.Export;

public sealed class PartialSuccessTests
{
    [Fact]
    public async Task Worker_GatewayOmitsSomeIds_ResendsOnlyThoseWithTheSameIds()
    {
        // Enough attempts that a slow machine never gives the refused events up: the cap is not what is tested here.
        await using var harness = await RecorderHarness.StartAsync(options => options.MaxEventAttempts = 1_000);
        harness.Gateway.Faults.RejectWhen = (feature, action) => feature == "flaky.feature";

        for (var i = 0; i < 10; i++)
        {
            harness.Recorder.Record(i % 3 == 0 ? "flaky.feature" : "stable.feature", "view");
        }

        await harness.WaitForDistinctAsync(6);
        await Eventually.HoldsAsync(() => harness.Gateway.Faults.RefusedEventIds.Distinct().Count() == 4, "every flaky event has been refused once");
        Assert.DoesNotContain(harness.Gateway.Events.Snapshot(), e => e.Feature == "flaky.feature");
        var refused = harness.Gateway.Faults.RefusedEventIds.ToHashSet();

        // Once the gateway takes them, the left-out events arrive; nothing else is sent twice.
        harness.Gateway.Faults.RejectWhen = null;
        var result = await harness.Recorder.FlushWithinLimitAsync();

        Assert.Equal(new TelemetryFlushResult(10, 0, 0), result);
        var received = harness.Gateway.Events.Snapshot();
        Assert.Equal(10, harness.Gateway.Events.DistinctCount);
        Assert.Equal(0, harness.Gateway.Events.DuplicateCount);
        Assert.Equal(4, received.Count(e => e.Feature == "flaky.feature"));

        // The events that arrived late are exactly the ones refused earlier: re-sent with their ids.
        Assert.Equal(4, refused.Count);
        Assert.Equal(refused, received.Where(e => e.Feature == "flaky.feature").Select(e => e.Id).ToHashSet());
        Assert.Equal(0, harness.DroppedWithReason("rejected"));
    }

    [Fact]
    public async Task Worker_GatewayAlwaysRefusesAnEvent_GivesUpAfterMaxAttemptsAndCountsIt()
    {
        await using var harness = await RecorderHarness.StartAsync(options => options.MaxEventAttempts = 3);
        harness.Gateway.Faults.RejectWhen = (feature, action) => action == "poison";

        harness.Recorder.Record("search", "view");
        harness.Recorder.Record("search", "poison");
        harness.Recorder.Record("search", "view");
        var result = await harness.Recorder.FlushWithinLimitAsync();

        Assert.Equal(new TelemetryFlushResult(2, 1, 0), result);
        Assert.Equal(1, harness.DroppedWithReason("rejected"));
        Assert.Equal(2, harness.Gateway.Events.DistinctCount);
        var log = Assert.Single(harness.LibraryLogs(), log => log.Id.Id == 2);
        Assert.Contains("search/poison", log.Message, StringComparison.Ordinal);
        Assert.Contains("3 attempts", log.Message, StringComparison.Ordinal);
    }
}
