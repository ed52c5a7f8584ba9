using TelemetryHosting.Tests.TestSupport;

namespace TelemetryHosting.Tests.Persistence;

/// <summary>
/// Found by review (a defect of the first channel-based core, fixed): the spiller hands a flush request over (<c>_handedOver.Enqueue</c> in <c>QueuedEvents</c>) as soon as it
/// reads it, before it has encoded and written the events queued ahead of it. The worker takes handed-over requests in
/// <c>StepAsync</c> WITHOUT the reader gate, and on the <c>!CanStart</c> path (an export in flight, e.g. through an
/// outage) settles them at once (<c>SettleFlushes</c>): the flush completes while events accepted before it are
/// still only in the spiller's memory (neither delivered, failed nor on disk).
/// </summary>
public sealed class SpillHandOverTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "telemetryhosting-review-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task FlushDuringOutage_CompletesOnlyOnceEveryEventRecordedBeforeItIsOnDisk()
    {
        await using var harness = await RecorderHarness.StartAsync(options =>
        {
            options.Persistence.Directory = _directory;
            options.Persistence.SpillAfter = TimeSpan.Zero;
            options.Persistence.HighWaterMark = 0.1;
            options.Persistence.MaxBytes = 1L << 30;
            options.QueueCapacity = 2_000;
            options.MaxBatchSize = 500;
        });
        harness.Gateway.Faults.FailNextCalls(int.MaxValue);
        for (var i = 0; i < 10; i++)
        {
            harness.Recorder.Record("search", "view");
        }

        // The failing export's events are journaled: from now on the worker waits on the !CanStart path.
        await Eventually.HoldsAsync(() => harness.Counts().Persisted >= 10, "the batch being retried is journaled");

        long recorded = 10;
        using var stop = new CancellationTokenSource();
        var traffic = Task.Run(() =>
        {
            var metadata = new Dictionary<string, double> { ["a"] = 1, ["b"] = 2, ["c"] = 3 };
            while (!stop.IsCancellationRequested)
            {
                for (var i = 0; i < 200; i++)
                {
                    if (harness.Recorder.Record("search", "view", new TelemetryEventParameters { Metadata = metadata }))
                    {
                        Interlocked.Increment(ref recorded);
                    }
                }

                Thread.Sleep(1);
            }
        });

        var early = new List<string>();
        try
        {
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(8);
            for (var round = 0; round < 300 && DateTime.UtcNow < until && early.Count == 0; round++)
            {
                var before = Interlocked.Read(ref recorded);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                var result = await harness.Recorder.FlushAsync(timeout.Token);
                Assert.False(timeout.IsCancellationRequested, "flush timed out");

                // Nothing is delivered or replayed during the outage: the settled counts only grow.
                var settled = result.Delivered + result.Failed + result.Persisted;
                if (settled < before)
                {
                    early.Add($"round {round}: {before} recorded before the flush, only {settled} settled when it completed ({result})");
                }
            }
        }
        finally
        {
            await stop.CancelAsync();
            await traffic;
        }

        Assert.True(early.Count == 0, string.Join("; ", early));
    }
}
