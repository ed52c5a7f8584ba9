using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Polly;
using Polly.Retry;
using TelemetryHosting.DevGateway;
using TelemetryHosting.Persistence.Internal;
using TelemetryHosting.Tests.TestSupport;

namespace TelemetryHosting.Tests.Persistence;

/// <summary>
/// Defects a review of the delivery core reported about durable spill, each pinned through the public API and the spill
/// directory's files (the internals are being rewritten): a high-water spill that drops what memory could hold, an empty
/// segment that stops replay, and an outage a replacement pipeline never reports. Each failed on the code it was written
/// against.
/// </summary>
public sealed class SpillFindingsTests : IDisposable
{
    // How long a test waits for what a fixed recorder does within a second or two: long enough for a loaded machine,
    // short enough that a failing test ends in seconds.
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private readonly TemporaryDirectory _temporary = new("telemetryhosting-spill-findings");

    private string SpillDirectory => _temporary.Path;

    public void Dispose() => _temporary.Dispose();

    [Fact]
    public async Task Record_PastTheHighWaterMarkWithTheDiskFull_KeepsTheEventsInMemoryAndDeliversThem()
    {
        await using var harness = await RecorderHarness.StartAsync(options =>
        {
            Persistent(options);
            options.QueueCapacity = 100;
            options.MaxBatchSize = 10;
            options.Persistence.HighWaterMark = 0.5;
            options.Persistence.MaxBytes = 1_024;
        });
        harness.Gateway.Faults.ResponseDelay = TimeSpan.FromMilliseconds(300);

        // A slow but healthy gateway: the queue passes its high-water mark, and no segment of them fits in 1 KiB.
        var parameters = new TelemetryEventParameters { PrivateMetadata = new Dictionary<string, object?> { ["text"] = new string('x', 100) } };
        for (var i = 0; i < 60; i++)
        {
            Assert.True(harness.Recorder.Record("search", "view", parameters));
        }

        var flushed = await harness.Recorder.FlushWithinLimitAsync();

        var diskFull = harness.DroppedWithReason("disk_full");
        Assert.True(diskFull == 0, $"{diskFull} of 60 events were dropped as disk_full while the queue (100) could hold them: {flushed}.");
        Assert.Equal(0, flushed.Failed);
        Assert.True(
            await Eventually.HoldsWithinAsync(() => harness.Gateway.Events.DistinctCount == 60, Bound),
            $"{harness.Gateway.Events.DistinctCount} of 60 events delivered within {Bound.TotalSeconds} s after the flush ({flushed}).");
    }

    [Fact]
    public async Task Replay_EmptySegmentBeforeOthers_DeliversTheOthersAndRemovesIt()
    {
        // A previous run left 50 events on disk.
        await using var gateway = await DevelopmentGateway.StartAsync(new DevelopmentGatewayOptions());
        await RecorderHarness.LeaveOnDiskAsync(gateway, Persistent, 50, "spilled");

        // A well-formed segment of no events, named to be replayed first, the way the library names segments.
        var segments = SegmentFiles();
        Assert.NotEmpty(segments);
        var oldest = long.Parse(Path.GetFileName(segments[0])[..15], CultureInfo.InvariantCulture);
        var empty = Path.Combine(SpillDirectory, $"{oldest - 1:D15}-{Guid.NewGuid():N}.tseg");
        var data = SpillSegmentFormat.Write([], 0, TimeProvider.System.GetUtcNow());
        Assert.Null(SpillSegmentFormat.Check(data));
        await File.WriteAllBytesAsync(empty, data);
        Assert.Equal(empty, SegmentFiles()[0]);

        await using var second = await RecorderHarness.StartAsync(Persistent, gateway: gateway, shutdownTimeout: TimeSpan.FromSeconds(5));

        Assert.True(
            await Eventually.HoldsWithinAsync(() => gateway.Events.DistinctCount == 50, Bound),
            $"The segments behind the empty one were not replayed within {Bound.TotalSeconds} s: the gateway holds " +
            $"{gateway.Events.DistinctCount} of 50 events, the directory {SegmentFiles().Length} segments.");
        await Eventually.HoldsAsync(() => !File.Exists(empty), "the empty segment is removed or moved aside", timeout: Bound);
    }

    [Fact]
    public async Task Outage_LongerThanSpillAfterWithAReplacedPipeline_MovesEventsToDisk()
    {
        await using var harness = await RecorderHarness.StartAsync(
            options =>
            {
                Persistent(options);
                options.MaxBatchSize = 10;
            },
            requireAuthentication: false,
            shutdownTimeout: TimeSpan.FromSeconds(1),
            configureServices: services => services.AddTelemetryGateway(_ => { }).ConfigureExportResilience(
                (pipeline, _) => pipeline.AddRetry(new RetryStrategyOptions
                {
                    // A replacement that keeps retrying, as the documentation asks.
                    MaxRetryAttempts = int.MaxValue,
                    BackoffType = DelayBackoffType.Constant,
                    Delay = TimeSpan.FromMilliseconds(20),
                }),
                replaceDefaults: true));
        harness.Gateway.Faults.FailNextCalls(int.MaxValue);

        for (var i = 0; i < 100; i++)
        {
            Assert.True(harness.Recorder.Record("search", "view"));
        }

        // The gateway answers Unavailable throughout; after SpillAfter (100 ms) the queued events and the batch being
        // retried go to disk.
        Assert.True(
            await Eventually.HoldsWithinAsync(() => harness.Counts().Persisted == 100, Bound),
            $"The outage was not seen within {Bound.TotalSeconds} s: {harness.Counts()}, {SegmentFiles().Length} segments, " +
            $"{int.MaxValue - harness.Gateway.Faults.PendingCallFailures} calls refused.");
        Assert.NotEmpty(SegmentFiles());
        Assert.Equal(0, harness.Gateway.Events.DistinctCount);
    }

    private void Persistent(TelemetryGatewayOptions options)
    {
        options.Persistence.Directory = SpillDirectory;
        options.Persistence.SpillAfter = TimeSpan.FromMilliseconds(100);
    }

    private string[] SegmentFiles() =>
        Directory.Exists(SpillDirectory) ? [.. Directory.GetFiles(SpillDirectory, "*.tseg").Order(StringComparer.Ordinal)] : [];
}
