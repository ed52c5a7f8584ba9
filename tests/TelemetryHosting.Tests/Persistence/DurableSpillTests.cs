using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using System.Diagnostics.Metrics;
using TelemetryHosting.DevGateway;
using TelemetryHosting.Shared;
using TelemetryHosting.Tests.TestSupport;

namespace TelemetryHosting.Tests.Persistence;

public sealed class DurableSpillTests : IDisposable
{
    private readonly TemporaryDirectory _temporary = new("telemetryhosting-spill");

    private string SpillDirectory => _temporary.Path;

    public void Dispose() => _temporary.Dispose();

    [Fact]
    public async Task Stop_DuringOutage_WritesEventsToDiskAndTheNextStartDeliversThem()
    {
        await using var gateway = await DevelopmentGateway.StartAsync(new DevelopmentGatewayOptions());
        gateway.Faults.FailNextCalls(int.MaxValue);
        var first = await RecorderHarness.StartAsync(Spill, gateway: gateway);
        for (var i = 0; i < 300; i++)
        {
            Assert.True(first.Recorder.Record("search", "view", new TelemetryEventParameters { Metadata = new Dictionary<string, double> { ["n"] = i } }));
        }

        await Eventually.HoldsAsync(() => first.ExportFailures.GetMeasurementSnapshot().Count > 0, "the export has failed");
        await first.Host.StopAsync();
        var stopped = await first.Recorder.FlushWithinLimitAsync();

        Assert.Equal(new TelemetryFlushResult(0, 0, 0) { Persisted = 300 }, stopped);
        Assert.Equal(0, first.Dropped.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.NotEmpty(SegmentFiles());
        Assert.Equal(0, gateway.Events.DistinctCount);
        await first.DisposeAsync();

        gateway.Faults.Reset();
        await using var second = await RecorderHarness.StartAsync(Spill, gateway: gateway);
        await second.WaitForDistinctAsync(300);

        var numbers = second.ReceivedEvents().Select(e => (int)e.Parameters.Metadata["n"]).Order().ToList();
        Assert.Equal(Enumerable.Range(0, 300), numbers);
        await Eventually.HoldsAsync(() => SegmentFiles().Length == 0, "the replayed segments are deleted");
        Assert.Equal(300, (await second.Recorder.FlushWithinLimitAsync()).Delivered);
    }

    [Fact]
    public async Task Stop_DuringOutage_EventWithMarketingTrackingIsReplayedWithEveryField()
    {
        await using var gateway = await DevelopmentGateway.StartAsync(new DevelopmentGatewayOptions());
        gateway.Faults.FailNextCalls(int.MaxValue);
        var first = await RecorderHarness.StartAsync(Spill, gateway: gateway);
        var tracking = new TelemetryMarketingTracking
        {
            Url = "https://sourcegraph.com/search",
            FirstSourceUrl = "https://sourcegraph.com/?utm_source=a",
            CohortId = "2026-11-23",
            Referrer = "https://example.com/",
            LastSourceUrl = "https://sourcegraph.com/pricing",
            DeviceSessionId = "device-1",
            SessionReferrer = "https://example.org/",
            SessionFirstUrl = "https://sourcegraph.com/blog/é",
        };
        Assert.True(first.Recorder.Record("search", "view", new TelemetryEventParameters
        {
            Billing = new TelemetryBillingMetadata { Product = "code-search", Category = "core" },
            MarketingTracking = tracking,
        }));

        await Eventually.HoldsAsync(() => first.ExportFailures.GetMeasurementSnapshot().Count > 0, "the export has failed");
        await first.Host.StopAsync();
        Assert.Equal(1, first.Counts().Persisted);
        await first.DisposeAsync();

        gateway.Faults.Reset();
        await using var second = await RecorderHarness.StartAsync(Spill, gateway: gateway);
        await second.WaitForDistinctAsync(1);

        var wire = Assert.Single(second.ReceivedEvents());
        Assert.Equal("code-search", wire.Parameters.BillingMetadata.Product);
        Assert.Equal(
            [tracking.Url, tracking.FirstSourceUrl, tracking.CohortId, tracking.Referrer, tracking.LastSourceUrl, tracking.DeviceSessionId, tracking.SessionReferrer, tracking.SessionFirstUrl],
            [wire.MarketingTracking.Url, wire.MarketingTracking.FirstSourceUrl, wire.MarketingTracking.CohortId, wire.MarketingTracking.Referrer,
                wire.MarketingTracking.LastSourceUrl, wire.MarketingTracking.DeviceSessionId, wire.MarketingTracking.SessionReferrer, wire.MarketingTracking.SessionFirstUrl]);
    }

    [Fact]
    public async Task Outage_LongerThanSpillAfter_MovesQueuedEventsToDisk()
    {
        await using var harness = await RecorderHarness.StartAsync(SpillAtOnceInBatchesOfTen);
        harness.Gateway.Faults.FailNextCalls(int.MaxValue);

        for (var i = 0; i < 100; i++)
        {
            harness.Recorder.Record("search", "view");
        }

        // Every event goes to disk: the queued ones, and the ten of the failing export (stopped, so that they can).
        await Eventually.HoldsAsync(() => harness.Counts().Persisted == 100, "queued events are spilled");
        Assert.NotEmpty(SegmentFiles());

        harness.Gateway.Faults.Reset();
        await Eventually.HoldsAsync(() => harness.Gateway.Events.DistinctCount == 100, "everything is delivered after recovery");
        Assert.Equal(0, harness.Gateway.Events.DuplicateCount);
        await Eventually.HoldsAsync(() => SegmentFiles().Length == 0, "the replayed segments are deleted");
    }

    [Fact]
    public async Task Outage_LongerThanSpillAfter_AlsoWritesTheBatchBeingRetried_SoACrashLosesNothing()
    {
        await using var failing = await DevelopmentGateway.StartAsync(new DevelopmentGatewayOptions());
        failing.Faults.FailNextCalls(int.MaxValue);
        await using var first = await RecorderHarness.StartAsync(SpillAtOnceInBatchesOfTen, gateway: failing);
        for (var i = 0; i < 100; i++)
        {
            Assert.True(first.Recorder.Record("search", "view", new TelemetryEventParameters { Metadata = new Dictionary<string, double> { ["n"] = i } }));
        }

        // The ten events the failing export held are on disk too (the export was stopped), and counted as persisted.
        await Eventually.HoldsAsync(() => EventsOnDisk() == 100, "every event is on disk, the batch being retried included");
        await Eventually.HoldsAsync(() => first.Counts().Persisted == 100, "every event counts as persisted");

        // The process dies here. The next instance, on the same directory and a healthy gateway, delivers them all.
        await using var second = await RecorderHarness.StartAsync(Spill);
        await second.WaitForDistinctAsync(100);
        var numbers = second.ReceivedEvents().Select(e => (int)e.Parameters.Metadata["n"]).Order().ToList();
        Assert.Equal(Enumerable.Range(0, 100), numbers);
    }

    [Fact]
    public async Task Stop_ReplayedFilePartlyDelivered_KeepsOnlyTheUndeliveredOnDisk()
    {
        await using var gateway = await DevelopmentGateway.StartAsync(new DevelopmentGatewayOptions());
        gateway.Faults.FailNextCalls(int.MaxValue);
        gateway.Faults.RejectWhen = (feature, _) => feature == "refused";
        var first = await RecorderHarness.StartAsync(
            options =>
            {
                SpillAtOnceInBatchesOfTen(options);
                options.MaxEventAttempts = 1_000;
            },
            gateway: gateway);
        for (var i = 0; i < 10; i++)
        {
            var parameters = new TelemetryEventParameters { Metadata = new Dictionary<string, double> { ["n"] = i } };
            Assert.True(first.Recorder.Record(i < 5 ? "search" : "refused", "view", parameters));
        }

        // The export of ten is stopped and its events written to disk, counted as persisted (a flush need not wait for them);
        // the file is replayed as the only export while the outage lasts.
        await Eventually.HoldsAsync(() => EventsOnDisk() == 10, "the batch being retried is on disk");
        await Eventually.HoldsAsync(() => first.Counts().Persisted == 10, "the events on disk count as persisted");

        // The gateway answers: five acknowledged, five left out (in memory, and still in the file).
        gateway.Faults.FailNextCalls(0);
        await Eventually.HoldsAsync(() => first.Counts().Delivered == 5, "five are delivered");

        // Another outage, then a graceful stop: only the five undelivered may stay on disk.
        gateway.Faults.FailNextCalls(int.MaxValue);
        await first.Host.StopAsync();
        Assert.Equal(new TelemetryFlushResult(5, 0, 0) { Persisted = 5 }, await first.Recorder.FlushWithinLimitAsync());
        await first.DisposeAsync();
        Assert.Equal(5, EventsOnDisk());

        gateway.Faults.Reset();
        gateway.Faults.RejectWhen = null;
        await using var second = await RecorderHarness.StartAsync(Spill, gateway: gateway);
        await second.WaitForDistinctAsync(10);
        await Eventually.HoldsAsync(() => SegmentFiles().Length == 0, "the replayed segment is deleted");
        Assert.Equal(5, (await second.Recorder.FlushWithinLimitAsync()).Delivered);
        Assert.Equal(0, gateway.Events.DuplicateCount);
    }

    [Fact]
    public async Task Outage_BatchBeingRetriedWrittenToDisk_ItsFileIsDeletedOnceDelivered()
    {
        await using var harness = await RecorderHarness.StartAsync(SpillAtOnceInBatchesOfTen);
        harness.Gateway.Faults.FailNextCalls(int.MaxValue);
        for (var i = 0; i < 10; i++)
        {
            harness.Recorder.Record("search", "view");
        }

        await Eventually.HoldsAsync(() => EventsOnDisk() == 10, "the batch being retried is on disk");

        // On disk (and sent from there), they count as persisted: a flush does not wait for the outage to end.
        await Eventually.HoldsAsync(() => harness.Counts().Persisted == 10, "the events on disk count as persisted");
        Assert.Equal(new TelemetryFlushResult(0, 0, 0) { Persisted = 10 }, await harness.Recorder.FlushWithinLimitAsync());
        harness.Gateway.Faults.Reset();

        await Eventually.HoldsAsync(() => harness.Counts().Delivered == 10, "the events on disk are delivered");
        Assert.Equal(new TelemetryFlushResult(10, 0, 0), await harness.Recorder.FlushWithinLimitAsync());
        Assert.Equal(10, harness.Gateway.Events.DistinctCount);
        Assert.Equal(0, harness.Gateway.Events.DuplicateCount);
        await Eventually.HoldsAsync(() => SegmentFiles().Length == 0, "the file is deleted once its events are delivered");
    }

    [Fact]
    public async Task Queue_AboveHighWaterMark_SpillsInsteadOfRefusing()
    {
        await using var harness = await RecorderHarness.StartAsync(options =>
        {
            Spill(options);
            options.QueueCapacity = 100;
            options.MaxBatchSize = 10;
            options.Persistence.HighWaterMark = 0.5;
            options.Persistence.SpillAfter = TimeSpan.FromHours(1);
        });
        harness.Gateway.Faults.FailNextCalls(int.MaxValue);

        // The worker holds one failing batch of ten; from then on only the spiller can make room.
        for (var i = 0; i < 10; i++)
        {
            harness.Recorder.Record("search", "view");
        }

        await Eventually.HoldsAsync(() => harness.ExportFailures.GetMeasurementSnapshot().Count > 0, "the export has failed");

        // Record in steps that each cross the high-water mark, letting the spiller catch up between steps.
        for (var step = 0; step < 10; step++)
        {
            for (var i = 0; i < 60; i++)
            {
                Assert.True(harness.Recorder.Record("search", "view"));
            }

            await Eventually.HoldsAsync(() => harness.QueueDepth() < 50, "the spiller drains the queue");
        }

        Assert.Equal(0, harness.DroppedWithReason("queue_full"));
        Assert.NotEmpty(SegmentFiles());
        harness.Gateway.Faults.Reset();
        await Eventually.HoldsAsync(() => harness.Gateway.Events.DistinctCount == 610, "everything is delivered after recovery");
    }

    [Fact]
    public async Task Replay_CorruptAndTruncatedFilesAmongGoodOnes_DeliversTheGoodAndMovesTheBadAside()
    {
        await using var gateway = await DevelopmentGateway.StartAsync(new DevelopmentGatewayOptions());
        gateway.Faults.FailNextCalls(int.MaxValue);
        var first = await RecorderHarness.StartAsync(options => { Spill(options); options.MaxBatchSize = 50; }, gateway: gateway);
        for (var i = 0; i < 200; i++)
        {
            first.Recorder.Record("search", "view");
        }

        await Eventually.HoldsAsync(() => first.ExportFailures.GetMeasurementSnapshot().Count > 0, "the export has failed");
        await first.Host.StopAsync();
        await first.DisposeAsync();
        var good = SegmentFiles();
        Assert.Equal(4, good.Length);
        File.WriteAllBytes(Path.Combine(SpillDirectory, "000000000000001-1-00000001.tseg"), "THSEG001 garbage that is not a segment"u8.ToArray());
        var truncated = File.ReadAllBytes(good[0]);
        File.WriteAllBytes(Path.Combine(SpillDirectory, "000000000000002-1-00000001.tseg"), truncated[..(truncated.Length / 2)]);
        var flipped = File.ReadAllBytes(good[1]);
        flipped[flipped.Length / 2] ^= 0xFF;
        File.WriteAllBytes(good[1], flipped);

        gateway.Faults.Reset();
        await using var second = await RecorderHarness.StartAsync(Spill, gateway: gateway, startHost: false);
        using var corrupt = new MetricCollector<long>(second.Host.Services.GetRequiredService<IMeterFactory>(), TelemetryHostingInstruments.MeterName, TelemetryHostingInstruments.SpillFilesCorrupt);
        await second.Host.StartAsync();
        await second.WaitForDistinctAsync(150);
        await Eventually.HoldsAsync(() => SegmentFiles().Length == 0, "every segment is replayed or moved aside");

        Assert.Equal(150, gateway.Events.DistinctCount);
        Assert.Equal(3, Directory.GetFiles(Path.Combine(SpillDirectory, "corrupt")).Length);
        Assert.Equal(3, corrupt.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.Equal(3, second.LibraryLogs().Count(log => log.Id.Id == 11));
    }

    [Fact]
    public async Task Replay_SegmentOlderThanMaxAge_IsDroppedAsExpired()
    {
        await using var gateway = await DevelopmentGateway.StartAsync(new DevelopmentGatewayOptions());
        gateway.Faults.FailNextCalls(int.MaxValue);
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var first = await RecorderHarness.StartAsync(Spill, timeProvider: time, gateway: gateway);
        for (var i = 0; i < 20; i++)
        {
            first.Recorder.Record("search", "view");
        }

        await first.Host.StopAsync();
        await first.DisposeAsync();
        gateway.Faults.Reset();

        // The next run starts eight days later, past the default maximum age of seven days.
        time.Advance(TimeSpan.FromDays(8));
        await using var second = await RecorderHarness.StartAsync(Spill, timeProvider: time, gateway: gateway);
        await Eventually.HoldsAsync(() => second.DroppedWithReason("expired") == 20, "the old events are counted as expired");

        Assert.Empty(SegmentFiles());
        Assert.Equal(0, gateway.Events.DistinctCount);
    }

    [Fact]
    public async Task Spill_OverTheByteCap_DropsAsDiskFull()
    {
        await using var harness = await RecorderHarness.StartAsync(options =>
        {
            Spill(options);
            options.Persistence.MaxBytes = 2_000;
        });
        harness.Gateway.Faults.FailNextCalls(int.MaxValue);
        var parameters = new TelemetryEventParameters { PrivateMetadata = new Dictionary<string, object?> { ["text"] = new string('x', 1_000) } };
        for (var i = 0; i < 10; i++)
        {
            harness.Recorder.Record("search", "view", parameters);
        }

        await harness.Host.StopAsync();

        var result = await harness.Recorder.FlushWithinLimitAsync();
        Assert.Equal(10, harness.DroppedWithReason("disk_full"));
        Assert.Equal(10, result.Failed);
        Assert.Contains(harness.LibraryLogs(), log => log.Id.Id == 12 && log.Message.Contains("maximum of 2000 bytes", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Replay_HeaderOutOfRangeUnderAValidChecksum_IsMovedAsideAndTheRecorderKeepsWorking()
    {
        Directory.CreateDirectory(SpillDirectory);
        var body = Array.Empty<byte>();
        var data = new byte[24 + 32];
        "THSEG002"u8.CopyTo(data);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(8), long.MaxValue);
        System.Security.Cryptography.SHA256.HashData(data.AsSpan(0, 24), data.AsSpan(24));
        await File.WriteAllBytesAsync(Path.Combine(SpillDirectory, "000000000000001-crafted.tseg"), data);

        await using var harness = await RecorderHarness.StartAsync(Spill);
        await Eventually.HoldsAsync(() => SegmentFiles().Length == 0, "the crafted file is moved aside");
        Assert.True(harness.Recorder.Record("search", "view"));
        var result = await harness.Recorder.FlushWithinLimitAsync();

        Assert.Equal(1, result.Delivered);
        Assert.Single(Directory.GetFiles(Path.Combine(SpillDirectory, "corrupt")));
        Assert.Contains(harness.LibraryLogs(), log => log.Id.Id == 11 && log.Message.Contains("header out of range", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Counts_AfterReplayingAnEarlierRunThenSpillingAgain_AreRight()
    {
        await using var gateway = await DevelopmentGateway.StartAsync(new DevelopmentGatewayOptions());
        gateway.Faults.FailNextCalls(int.MaxValue);
        var first = await RecorderHarness.StartAsync(Spill, gateway: gateway);
        for (var i = 0; i < 50; i++)
        {
            first.Recorder.Record("search", "view");
        }

        await first.Host.StopAsync();
        await first.DisposeAsync();

        // The next run starts with 50 events on disk, which count as accepted (and persisted) from its start.
        gateway.Faults.Reset();
        var second = await RecorderHarness.StartAsync(Spill, gateway: gateway);
        await second.WaitForDistinctAsync(50);
        await Eventually.HoldsAsync(() => second.Counts().Delivered == 50, "the replayed events are acknowledged");

        gateway.Faults.FailNextCalls(int.MaxValue);
        for (var i = 0; i < 20; i++)
        {
            second.Recorder.Record("search", "view");
        }

        await Eventually.HoldsAsync(() => second.ExportFailures.GetMeasurementSnapshot().Count > 0, "the export has failed");
        await second.Host.StopAsync();

        Assert.Equal(new TelemetryFlushResult(50, 0, 0) { Persisted = 20 }, second.Counts());
        Assert.False(second.Counts().IsComplete);
        await second.DisposeAsync();
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Start_ExistingDirectoryOpenToOthers_IsMadeOwnerOnlyAndFilesAreOwnerOnly()
    {
        Directory.CreateDirectory(SpillDirectory);
        File.SetUnixFileMode(SpillDirectory, (UnixFileMode)0b111_111_111);
        await using var harness = await RecorderHarness.StartAsync(Spill);
        harness.Gateway.Faults.FailNextCalls(int.MaxValue);
        harness.Recorder.Record("search", "view");

        await harness.Host.StopAsync();

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(SpillDirectory));
        var segment = Assert.Single(SegmentFiles());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(segment));
    }

    [Fact]
    public async Task Start_TemporaryFileWhoseRenameWasLost_IsPromotedAndReplayed()
    {
        await using var gateway = await DevelopmentGateway.StartAsync(new DevelopmentGatewayOptions());
        gateway.Faults.FailNextCalls(int.MaxValue);
        var first = await RecorderHarness.StartAsync(Spill, gateway: gateway);
        for (var i = 0; i < 10; i++)
        {
            first.Recorder.Record("search", "view");
        }

        await first.Host.StopAsync();
        await first.DisposeAsync();
        var segment = Assert.Single(SegmentFiles());
        File.Move(segment, segment + ".tmp");
        File.WriteAllBytes(Path.Combine(SpillDirectory, "000000000000002-torn.tseg.tmp"), "THSEG002 torn"u8.ToArray());

        gateway.Faults.Reset();
        await using var second = await RecorderHarness.StartAsync(Spill, gateway: gateway);
        await second.WaitForDistinctAsync(10);

        Assert.Empty(Directory.GetFiles(SpillDirectory, "*.tmp"));
    }

    [Fact]
    public async Task Start_WithPersistence_CreatesTheDirectoryOwnerOnly()
    {
        await using var harness = await RecorderHarness.StartAsync(Spill);

        Assert.True(Directory.Exists(SpillDirectory));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(SpillDirectory));
        }
    }

    private void Spill(TelemetryGatewayOptions options)
    {
        options.Persistence.Directory = SpillDirectory;
        options.Persistence.SpillAfter = TimeSpan.FromMilliseconds(100);
    }

    /// <summary>Spills as soon as an export fails; one export holds ten events.</summary>
    private void SpillAtOnceInBatchesOfTen(TelemetryGatewayOptions options)
    {
        Spill(options);
        options.Persistence.SpillAfter = TimeSpan.Zero;
        options.MaxBatchSize = 10;
    }

    /// <summary>The events the segment files hold, from their headers.</summary>
    private int EventsOnDisk()
    {
        var total = 0;
        foreach (var path in SegmentFiles())
        {
            try
            {
                var header = new byte[24];
                using var file = File.OpenRead(path);
                file.ReadExactly(header);
                total += System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(16));
            }
            catch (IOException)
            {
                // Deleted or still being renamed into place: counted at the next look.
            }
        }

        return total;
    }

    private string[] SegmentFiles() =>
        Directory.Exists(SpillDirectory) ? [.. Directory.GetFiles(SpillDirectory, "*.tseg").Order(StringComparer.Ordinal)] : [];
}
