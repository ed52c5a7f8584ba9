using TelemetryHosting.Tests.TestSupport;

namespace TelemetryHosting.Tests.Persistence;

/// <summary>
/// Found by review of the first channel-based core (fixed): the spiller handed a flush request to the worker as soon as
/// it read it, before writing the events queued ahead of it, so a flush during an outage could complete while those
/// events were only in the spiller's memory. A flush completes only once every event recorded before it is settled or
/// on disk.
/// </summary>
public sealed class SpillHandOverTests : IDisposable
{
    private readonly TemporaryDirectory _temporary = new("telemetryhosting-handover");

    private string SpillDirectory => _temporary.Path;

    public void Dispose() => _temporary.Dispose();

    [Fact]
    public async Task FlushDuringOutage_CompletesOnlyOnceEveryEventRecordedBeforeItIsOnDisk()
    {
        await using var harness = await RecorderHarness.StartAsync(options =>
        {
            options.Persistence.Directory = SpillDirectory;
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

        // The failing export's events are on disk: from now on the worker sends them from there, and spills what comes.
        await Eventually.HoldsAsync(() => harness.Counts().Persisted >= 10, "the batch being retried is on disk");

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
