using Microsoft.Extensions.DependencyInjection;
using TelemetryHosting.DevGateway;
using TelemetryHosting.Tests.TestSupport;

namespace TelemetryHosting.Tests.Export;

/// <summary>
/// Findings of the third review of the delivery core, each reproduced before its fix: with persistence on, an outage whose
/// spill cannot act on the due batch (the write failed, or the batch holds only events read back from disk) made the
/// worker spin for as long as the outage lasted.
/// </summary>
public sealed class CoreThirdReviewFindingsTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private readonly TemporaryDirectory _spill = new("third-review-spill");

    public void Dispose() => _spill.Dispose();

    /// <summary>
    /// Outage past SpillAfter, the spill write fails (MaxBytes), one export in flight retrying: the batch is due, the
    /// worker may not start an export nor write, and WaitAsync returns at once (the batch's deadline has passed).
    /// </summary>
    [Fact]
    public async Task Outage_SpillWriteFailsWithAnExportInFlight_WorkerDoesNotSpin()
    {
        var clock = new CountingTimeProvider();
        await using var harness = await RecorderHarness.StartAsync(
            options =>
            {
                options.Persistence.Directory = _spill.Path;
                options.Persistence.SpillAfter = TimeSpan.FromMilliseconds(100);
                options.Persistence.MaxBytes = 1_024;
            },
            requireAuthentication: false,
            shutdownTimeout: TimeSpan.FromSeconds(1),
            configureServices: services => services.AddSingleton<TimeProvider>(clock));
        harness.Gateway.Faults.FailNextCalls(int.MaxValue);
        var parameters = new TelemetryEventParameters { PrivateMetadata = new Dictionary<string, object?> { ["text"] = new string('x', 100) } };
        for (var i = 0; i < 20; i++)
        {
            Assert.True(harness.Recorder.Record("search", "view", parameters));
        }

        // The outage's spill fails: the events stay in memory (log 17).
        await Eventually.HoldsAsync(() => harness.LibraryLogs().Any(log => log.Id.Id == 17), "a spill write fails", timeout: Bound);

        // More events while the outage lasts, once the events kept in memory are in flight again: they wait in the batch.
        await Task.Delay(TimeSpan.FromMilliseconds(120));
        for (var i = 0; i < 20; i++)
        {
            Assert.True(harness.Recorder.Record("search", "view", parameters));
        }

        await Task.Delay(TimeSpan.FromMilliseconds(100));
        var before = clock.Reads;
        await Task.Delay(TimeSpan.FromSeconds(1));
        var perSecond = clock.Reads - before;
        Assert.True(perSecond < 10_000, $"During an outage with the spill directory full ({harness.LibraryLogs().Count(log => log.Id.Id == 17)} writes kept in memory) the worker read the clock {perSecond} times in one second: it spins.");
    }

    /// <summary>
    /// A segment replayed beside live events splits across two exports; the outage stops the one holding live events,
    /// the other (disk events only) keeps retrying, and the first one's disk events come back due: the worker spins for
    /// as long as the outage lasts, and writes whatever arrives at once, one segment per turn.
    /// </summary>
    [Fact]
    public async Task Outage_DiskEventsDueWhileADiskOnlyExportRetries_WorkerDoesNotSpin()
    {
        await using var gateway = await DevelopmentGateway.StartAsync(new DevelopmentGatewayOptions { RequireAuthentication = false });
        await RecorderHarness.LeaveOnDiskAsync(
            gateway,
            options =>
            {
                options.Persistence.Directory = _spill.Path;
                options.Persistence.SpillAfter = TimeSpan.FromMinutes(1);
                options.MaxBatchSize = 10;
            },
            10,
            "spilled");
        Assert.Single(Directory.GetFiles(_spill.Path, "*.tseg"));

        gateway.Faults.FailNextCalls(int.MaxValue);
        var clock = new CountingTimeProvider();
        await using var harness = await RecorderHarness.StartAsync(
            options =>
            {
                options.Persistence.Directory = _spill.Path;
                options.Persistence.SpillAfter = TimeSpan.FromMilliseconds(100);
                options.MaxBatchSize = 10;
            },
            gateway: gateway,
            startHost: false,
            requireAuthentication: false,
            shutdownTimeout: TimeSpan.FromSeconds(1),
            configureServices: services => services.AddSingleton<TimeProvider>(clock));

        // Live events wait in the queue when the worker starts: the replayed segment joins them in the first batch.
        for (var i = 0; i < 5; i++)
        {
            Assert.True(harness.Recorder.Record("live", "view"));
        }

        await harness.Host.StartAsync();
        await Eventually.HoldsAsync(() => harness.Counts().Persisted == 15, "the live events are written to disk too", timeout: Bound);
        await Task.Delay(TimeSpan.FromMilliseconds(500));

        var before = clock.Reads;
        var filesBefore = Directory.GetFiles(_spill.Path, "*.tseg").Length;

        // Twenty events 20 ms apart: far fewer than a batch (10) per FlushInterval (50 ms), so the outage's spill should write them a batch at a time.
        for (var i = 0; i < 20; i++)
        {
            Assert.True(harness.Recorder.Record("live", "later"));
            await Task.Delay(TimeSpan.FromMilliseconds(20));
        }

        await Task.Delay(TimeSpan.FromMilliseconds(200));
        var perSecond = clock.Reads - before;
        var files = Directory.GetFiles(_spill.Path, "*.tseg").Length - filesBefore;
        Assert.True(perSecond < 10_000, $"During the outage the worker read the clock {perSecond} times in 1.6 s: it spins; 20 events recorded 20 ms apart made {files} new segment files.");

        // A file per FlushInterval at most (about 400 ms of recording, 50 ms intervals), not one per event.
        Assert.True(files <= 10, $"20 events recorded 20 ms apart during the outage made {files} segment files: the spill wrote them one turn at a time, not a batch at a time.");
    }
}
