using TelemetryHosting.Tests.TestSupport;

namespace TelemetryHosting.Tests.Export;

/// <summary>Found by a second fresh review of the third-pass delivery core (fixed): each test failed on ea5bafe before its fix.</summary>
public sealed class CoreSecondReviewFindingsTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);
    private readonly TemporaryDirectory _spill = new("review2-spill");

    public void Dispose() => _spill.Dispose();

    /// <summary>
    /// Finding: past SpillAfter, every wake of the worker (one per event: the batch is empty, so it waits for 1) writes
    /// and fsyncs a segment of what it read: an outage makes one file per event, each replayed as an export of its own.
    /// </summary>
    [Fact]
    public async Task OutagePastSpillAfter_EventsArrivingOneByOne_AreNotWrittenOneFilePerEvent()
    {
        await using var harness = await RecorderHarness.StartAsync(
            options =>
            {
                options.Persistence.Directory = _spill.Path;
                options.Persistence.SpillAfter = TimeSpan.FromMilliseconds(100);
                options.FlushInterval = TimeSpan.FromSeconds(5);
            },
            requireAuthentication: false,
            shutdownTimeout: TimeSpan.FromSeconds(1));
        harness.Gateway.Faults.FailNextCalls(int.MaxValue);
        Assert.True(harness.Recorder.Record("search", "view"));

        // A flush sends the first event now; once SpillAfter has passed it is on disk, and the outage is on.
        using (var bound = new CancellationTokenSource(Bound))
        {
            await harness.Recorder.FlushAsync(bound.Token);
        }

        // On a loaded machine the bounded flush may end before the spill's real-time SpillAfter has passed: wait for it.
        await Eventually.HoldsAsync(() => harness.Counts().Persisted == 1, "the first event is on disk", timeout: Bound);

        for (var i = 0; i < 20; i++)
        {
            Assert.True(harness.Recorder.Record("search", "view"));
            await Task.Delay(25);
        }

        await Eventually.HoldsAsync(() => harness.Counts().Persisted == 21, "the outage moves every event to disk", timeout: Bound);
        var files = Directory.GetFiles(_spill.Path, "*.tseg").Length;
        Assert.True(files <= 4, $"20 events recorded within 0.5 s of an outage (FlushInterval 5 s) made {files} segment files.");
    }

    /// <summary>
    /// Finding: at stop, events the final drain counts as dropped (or cannot write) were never given back to the
    /// queue's bound: the depth gauge keeps reporting them after the stop.
    /// </summary>
    [Fact]
    public async Task StopDuringAnOutage_WithoutPersistence_DepthIsZeroAfterwards()
    {
        await using var harness = await RecorderHarness.StartAsync(
            requireAuthentication: false,
            shutdownTimeout: TimeSpan.FromSeconds(1));
        harness.Gateway.Faults.FailNextCalls(int.MaxValue);
        Assert.True(harness.Recorder.Record("search", "view"));
        await Eventually.HoldsAsync(() => harness.ExportFailures.GetMeasurementSnapshot().Count > 0, "the export fails", timeout: Bound);
        Assert.True(harness.Recorder.Record("search", "view"));
        Assert.True(harness.Recorder.Record("search", "view"));
        await Eventually.HoldsAsync(() => harness.EventsRead() == 3, "the worker holds the two in its batch", timeout: Bound);

        var (stopped, _) = await harness.StopWithinAsync(TimeSpan.FromSeconds(1));
        Assert.True(stopped);
        var counts = harness.Counts();
        Assert.Equal(3, counts.Failed);
        Assert.Equal(0, harness.QueueDepth());
    }
}
