using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using TelemetryHosting.DevGateway;
using TelemetryHosting.Export.Internal;
using TelemetryHosting.Tests.TestSupport;

namespace TelemetryHosting.Tests.Export;

/// <summary>
/// The defects a review of the previous delivery core reported, each pinned by a test that failed on it:
/// replay under steady traffic, flushes during an outage with persistence, the retry delay of left-out events,
/// segment sizes, and flush requests left by callers who gave up. (A batch full by bytes is covered by
/// <c>BatchingTests.Worker_LargerEventsAfterASmallOne_SendsTheBatchWhenFullByBytes</c>.)
/// </summary>
public sealed class DeliveryFindingsTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private readonly TemporaryDirectory _temporary = new("telemetryhosting-findings");

    private string SpillDirectory => _temporary.Path;

    public void Dispose() => _temporary.Dispose();

    [Fact]
    public async Task Replay_UnderSteadyTraffic_SpilledEventsAreDeliveredWhileNewOnesKeepComing()
    {
        // A previous run left 50 events on disk.
        await using var gateway = await DevelopmentGateway.StartAsync(new DevelopmentGatewayOptions { MaxStoredEvents = 1_000_000 });
        await RecorderHarness.LeaveOnDiskAsync(gateway, Persistent, 50, "spilled");

        // The next run never lets its batch run empty: events keep coming until the spilled ones have arrived.
        await using var second = await RecorderHarness.StartAsync(Persistent, gateway: gateway);
        using var stop = new CancellationTokenSource();
        var traffic = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                second.Recorder.Record("live", "view");
                await Task.Yield();
            }
        });

        await Eventually.HoldsAsync(
            () => gateway.Events.Snapshot().Count(e => e.Feature == "spilled") == 50,
            "the spilled events are replayed while traffic goes on");
        Assert.False(traffic.IsCompleted);
        await stop.CancelAsync();
        await traffic;
    }

    [Fact]
    public async Task Flush_DuringOutageWithPersistence_ReturnsOnceEveryEventIsOnDisk()
    {
        await using var harness = await RecorderHarness.StartAsync(options =>
        {
            Persistent(options);
            options.Persistence.SpillAfter = TimeSpan.Zero;
            options.MaxBatchSize = 10;
        });
        harness.Gateway.Faults.FailNextCalls(int.MaxValue);
        for (var i = 0; i < 100; i++)
        {
            Assert.True(harness.Recorder.Record("search", "view"));
        }

        // The outage goes on; the flush must not wait for it, only for the events to be on disk (a timeout here means
        // it waited for the outage).
        var flushed = await harness.Recorder.FlushWithinLimitAsync().WaitAsync(Eventually.Timeout);

        Assert.Equal(new TelemetryFlushResult(0, 0, 0) { Persisted = 100 }, flushed);
        Assert.Equal(0, harness.Gateway.Events.DistinctCount);
    }

    [Fact]
    public async Task LeftOutEvent_BatchHoldsNewEvents_WaitsForTheRetryDelayBeforeGoingAgain()
    {
        var time = new FakeTimeProvider(Start);
        await using var harness = await RecorderHarness.StartAsync(
            options =>
            {
                options.MaxBatchSize = 2;
                options.FlushInterval = TimeSpan.FromHours(1);
                options.RetryDelay = TimeSpan.FromMinutes(1);
                options.MaxRetryDelay = TimeSpan.FromMinutes(1);
                options.MaxEventAttempts = 3;
            },
            timeProvider: time,
            shutdownTimeout: TimeSpan.FromSeconds(1));
        harness.Gateway.Faults.RejectWhen = (feature, _) => feature == "refused";

        harness.Recorder.Record("refused", "view");
        harness.Recorder.Record("search", "view");
        await Eventually.HoldsAsync(() => harness.Gateway.Faults.RefusedEventIds.Count == 1, "the gateway leaves the event out");

        // New events fill batch after batch while time stands still: the left-out event must not go with them.
        for (var i = 0; i < 10; i++)
        {
            harness.Recorder.Record("search", "view");
        }

        await Eventually.HoldsAsync(() => harness.Gateway.Events.DistinctCount == 11, "the new events are delivered");
        Assert.Single(harness.Gateway.Faults.RefusedEventIds);
        Assert.Equal(0, harness.DroppedWithReason("rejected"));

        // Once the delay has passed it goes again, and uses its second attempt.
        time.Advance(TimeSpan.FromMinutes(1));
        await Eventually.HoldsAsync(() => harness.Gateway.Faults.RefusedEventIds.Count == 2, "the left-out event is sent again after the delay");
    }

    [Fact]
    public async Task Spill_EventsLargerThanABatchInBytes_AreWrittenInSegmentsOfAtMostABatch()
    {
        const int maxBatchBytes = 2_048;
        await using var harness = await RecorderHarness.StartAsync(options =>
        {
            Persistent(options);
            options.Persistence.SpillAfter = TimeSpan.Zero;
            options.MaxBatchSize = 100;
            options.MaxBatchBytes = maxBatchBytes;
            options.MaxPayloadBytes = maxBatchBytes;
        });
        harness.Gateway.Faults.FailNextCalls(int.MaxValue);
        var parameters = new TelemetryEventParameters { PrivateMetadata = new Dictionary<string, object?> { ["text"] = new string('x', 400) } };
        for (var i = 0; i < 60; i++)
        {
            Assert.True(harness.Recorder.Record("search", "view", parameters));
        }

        using var timeout = new CancellationTokenSource(Eventually.Timeout);
        Assert.Equal(60, (await harness.Recorder.FlushAsync(timeout.Token)).Persisted);

        // Header, hash and one event's framing above the batch's bytes at most.
        var sizes = Directory.GetFiles(SpillDirectory, "*.tseg").Select(path => new FileInfo(path).Length).ToList();
        Assert.True(sizes.Count > 1);
        Assert.All(sizes, size => Assert.InRange(size, 1, maxBatchBytes + 600));
    }

    [Fact]
    public async Task Flush_ManyCallersGivingUpDuringAnOutage_LeaveNoRequestsPilingUp()
    {
        await using var harness = await RecorderHarness.StartAsync(options => options.MaxBatchSize = 1, shutdownTimeout: TimeSpan.FromSeconds(1));
        harness.Gateway.Faults.FailNextCalls(int.MaxValue);
        harness.Recorder.Record("search", "view");
        harness.Recorder.Record("search", "view");

        for (var i = 0; i < 10_000; i++)
        {
            using var giveUp = new CancellationTokenSource();
            var flush = harness.Recorder.FlushAsync(giveUp.Token);
            await giveUp.CancelAsync();
            Assert.False((await flush).IsComplete);
        }

        // Nothing was recorded between them: they all shared one wait.
        var queue = harness.Host.Services.GetRequiredService<TelemetryEventQueue>();
        Assert.Equal(1, queue.Flushes.Count);
    }

    private void Persistent(TelemetryGatewayOptions options)
    {
        options.Persistence.Directory = SpillDirectory;
        options.Persistence.SpillAfter = TimeSpan.FromMilliseconds(100);
    }
}
