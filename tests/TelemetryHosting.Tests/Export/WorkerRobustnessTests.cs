using TelemetryHosting.Tests.TestSupport;

namespace TelemetryHosting.Tests.Export;

public sealed class WorkerRobustnessTests
{
    [Fact]
    public async Task Worker_EventThatCannotBeBuilt_IsDroppedAsInvalidAndDeliveryGoesOn()
    {
        await using var harness = await RecorderHarness.StartAsync();

        harness.Recorder.Record("search", "view");
        Assert.True(harness.Recorder.Record("search", "broken", new TelemetryEventParameters
        {
            // Null where the wire format needs a string: the event cannot be built.
            Billing = new TelemetryBillingMetadata { Product = null!, Category = "c" },
        }));
        harness.Recorder.Record("search", "view");
        var first = await harness.Recorder.FlushWithinLimitAsync();
        var accepted = harness.Recorder.Record("search", "after");
        var second = await harness.Recorder.FlushWithinLimitAsync();

        Assert.Equal(new TelemetryFlushResult(2, 1, 0), first);
        Assert.True(accepted, "the recorder still takes events");
        Assert.Equal(new TelemetryFlushResult(3, 1, 0), second);
        Assert.Equal(1, harness.DroppedWithReason("invalid"));
        var log = Assert.Single(harness.LibraryLogs(), log => log.Id.Id == 15);
        Assert.Contains("search/broken", log.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(harness.LibraryLogs(), log => log.Id.Id == 7);
    }

    [Fact]
    public async Task Worker_EventLargerThanTheGatewayPublishes_IsDroppedAsInvalid()
    {
        await using var harness = await RecorderHarness.StartAsync();
        var huge = new TelemetryEventParameters { PrivateMetadata = new Dictionary<string, object?> { ["blob"] = new string('x', 10_000_000) } };

        harness.Recorder.Record("search", "huge", huge);
        harness.Recorder.Record("search", "view");
        var result = await harness.Recorder.FlushWithinLimitAsync();

        Assert.Equal(new TelemetryFlushResult(1, 1, 0), result);
        Assert.Equal(1, harness.DroppedWithReason("invalid"));
        Assert.Contains(harness.LibraryLogs(), log => log.Id.Id == 15 && log.Message.Contains("which the gateway drops", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Flush_EventLeftOutByTheGateway_IsResentNoFasterThanTheRetryDelay()
    {
        await using var harness = await RecorderHarness.StartAsync(options =>
        {
            options.MaxEventAttempts = 3;
            options.RetryDelay = TimeSpan.FromMilliseconds(200);
        });
        harness.Gateway.Faults.RejectWhen = (_, action) => action == "refused";

        harness.Recorder.Record("search", "refused");
        var started = TimeProvider.System.GetTimestamp();
        var result = await harness.Recorder.FlushWithinLimitAsync();
        var elapsed = TimeProvider.System.GetElapsedTime(started);

        // Three attempts with the retry delay between them: the flush cannot settle before two delays have passed.
        Assert.Equal(new TelemetryFlushResult(0, 1, 0), result);
        Assert.True(elapsed >= TimeSpan.FromMilliseconds(400), $"settled after {elapsed}");
    }
}
