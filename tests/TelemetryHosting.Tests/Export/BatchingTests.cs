using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using TelemetryHosting.Tests.TestSupport;

namespace TelemetryHosting.Tests.Export;

public sealed class BatchingTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Worker_BatchSizeReached_SendsFullBatchesWithoutWaitingForTheInterval()
    {
        // The interval never elapses: fake time stands still, so only a full batch can trigger a send.
        await using var harness = await RecorderHarness.StartAsync(
            options =>
            {
                options.MaxBatchSize = 5;
                options.FlushInterval = TimeSpan.FromMinutes(10);
            },
            timeProvider: new FakeTimeProvider(Start));

        for (var i = 0; i < 12; i++)
        {
            harness.Recorder.Record("search", "view");
        }

        await Eventually.HoldsAsync(
            () => harness.Exported.GetMeasurementSnapshot().Sum(m => m.Value) == 10,
            "two full batches are acknowledged");

        var batches = harness.Gateway.Events.Snapshot().GroupBy(e => e.RequestId).Select(g => g.Count()).ToList();
        Assert.Equal([5, 5], batches);
        Assert.Equal(2, (await harness.Recorder.FlushAsync(new CancellationToken(canceled: true))).Pending);
    }

    [Fact]
    public async Task Worker_ExportAwaitingAcknowledgements_SendsTheNextBatchMeanwhile()
    {
        await using var harness = await RecorderHarness.StartAsync(options => options.MaxBatchSize = 5);
        for (var i = 0; i < 5; i++)
        {
            harness.Recorder.Record("search", "view");
        }

        Assert.Equal(new TelemetryFlushResult(5, 0, 0), await harness.Recorder.FlushWithinLimitAsync());

        // Each response now waits: one export at a time could not deliver the second batch before the first
        // batch's acknowledgements arrive.
        harness.Gateway.Faults.ResponseDelay = TimeSpan.FromSeconds(5);
        for (var i = 0; i < 10; i++)
        {
            harness.Recorder.Record("search", "view");
        }

        await Eventually.HoldsAsync(() => harness.Gateway.Events.DistinctCount == 15, "both batches reach the gateway");
        Assert.Equal(5, harness.Exported.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.Equal(3, harness.Gateway.Events.Snapshot().Select(e => e.RequestId).Distinct().Count());

        harness.Gateway.Faults.ResponseDelay = TimeSpan.Zero;
        Assert.Equal(new TelemetryFlushResult(15, 0, 0), await harness.Recorder.FlushWithinLimitAsync());
        Assert.Equal(0, harness.Gateway.Events.DuplicateCount);
    }

    [Fact]
    public async Task Worker_BatchBytesReached_SendsBatchesUnderTheByteLimit()
    {
        const int maxBatchBytes = 4_096;
        await using var harness = await RecorderHarness.StartAsync(
            options =>
            {
                options.MaxBatchSize = 1_000;
                options.MaxBatchBytes = maxBatchBytes;
                options.MaxPayloadBytes = 1_024;
                options.FlushInterval = TimeSpan.FromMinutes(10);
            },
            timeProvider: new FakeTimeProvider(Start));
        var parameters = new TelemetryEventParameters
        {
            PrivateMetadata = new Dictionary<string, object?> { ["text"] = new string('x', 500) },
        };

        // Measure one event's encoded size, then send enough for several batches and a remainder.
        harness.Recorder.Record("search", "view", parameters);
        await harness.Recorder.FlushWithinLimitAsync();
        var eventSize = Assert.Single(harness.Gateway.Events.Snapshot()).EventBytes.Length;
        harness.Gateway.Events.Clear();
        var perBatch = (maxBatchBytes + eventSize - 1) / eventSize;
        var recorded = (perBatch * 4) + 2;
        for (var i = 0; i < recorded; i++)
        {
            harness.Recorder.Record("search", "view", parameters);
        }

        // Full batches go out at once; the remainder waits for an interval that never comes.
        await Eventually.HoldsAsync(
            () => harness.Exported.GetMeasurementSnapshot().Sum(m => m.Value) == 1 + (perBatch * 4),
            "four full batches are acknowledged");

        var batches = harness.Gateway.Events.Snapshot().GroupBy(e => e.RequestId).ToList();
        Assert.Equal(4, batches.Count);
        Assert.All(batches, batch =>
        {
            Assert.Equal(perBatch, batch.Count());
            Assert.InRange(batch.Sum(e => e.EventBytes.Length), maxBatchBytes, maxBatchBytes + eventSize - 1);
        });
        Assert.Equal(2, (await harness.Recorder.FlushAsync(new CancellationToken(canceled: true))).Pending);
    }

    [Fact]
    public async Task Worker_BatchNotFull_SendsWhenTheFlushIntervalElapses()
    {
        var time = new FakeTimeProvider(Start);
        var interval = TimeSpan.FromSeconds(5);
        await using var harness = await RecorderHarness.StartAsync(
            options =>
            {
                options.MaxBatchSize = 100;
                options.FlushInterval = interval;
            },
            timeProvider: time);

        harness.Recorder.Record("search", "view");
        harness.Recorder.Record("search", "view");
        harness.Recorder.Record("search", "view");

        // Step fake time forward in small increments until the batch arrives; the gateway stamps arrival with
        // the same fake clock, so an early send would show as an arrival before the interval.
        await Eventually.HoldsAsync(
            () => harness.Gateway.Events.DistinctCount == 3,
            "the interval-triggered batch arrives",
            step: () => time.Advance(TimeSpan.FromMilliseconds(100)));

        var received = harness.Gateway.Events.Snapshot();
        Assert.Single(received.GroupBy(e => e.RequestId));
        Assert.All(received, e => Assert.True(e.ReceivedAt - Start >= interval, $"sent after {e.ReceivedAt - Start}"));
    }

    [Fact]
    public async Task Record_QueueFull_ReturnsFalseAndCountsQueueFull()
    {
        // The host is not started, so nothing drains the queue.
        await using var harness = await RecorderHarness.StartAsync(options => options.QueueCapacity = 3, startHost: false);

        var results = Enumerable.Range(0, 5).Select(_ => harness.Recorder.Record("search", "view")).ToList();

        Assert.Equal([true, true, true, false, false], results);
        Assert.Equal(2, harness.DroppedWithReason("queue_full"));
        Assert.Single(harness.LibraryLogs(), log => log.Id.Id == 1);
    }

    [Fact]
    public async Task Worker_EventsWaitingToBeResent_WaitsWithoutSpinning()
    {
        var time = new CountingTimeProvider();
        await using var harness = await RecorderHarness.StartAsync(
            options =>
            {
                options.MaxBatchSize = 2;
                options.MaxEventAttempts = 2;
                options.RetryDelay = TimeSpan.FromSeconds(30);
                options.MaxRetryDelay = TimeSpan.FromSeconds(30);
                options.FlushInterval = TimeSpan.FromMinutes(10);
            },
            configureServices: services => services.AddSingleton<TimeProvider>(time));
        harness.Gateway.Faults.RejectWhen = (_, action) => action == "refused";

        harness.Recorder.Record("search", "refused");
        harness.Recorder.Record("search", "refused");
        await Eventually.HoldsAsync(() => harness.Gateway.Faults.RefusedEventIds.Count == 2, "the first attempt is refused");
        harness.Recorder.Record("search", "view");

        // The two refused events wait apart until the resend time, the third in the open batch for the interval: the
        // worker must wait without spinning. A spinning worker reads the clock hundreds of thousands of times a second.
        // All three wait (the bound counts the worker's held and batched events too).
        await Eventually.HoldsAsync(() => harness.EventsRead() == 3 && harness.QueueDepth() == 3, "the third event is taken into the batch and the refused ones are held");
        Assert.Equal(3, harness.Counts().Pending);
        var before = time.Reads;
        var window = System.Diagnostics.Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromMilliseconds(200));
        var reads = time.Reads - before;
        Assert.True(reads < 1_000, $"{reads} clock reads in {window.ElapsedMilliseconds} ms while the worker waits for the resend time");
    }

    [Fact]
    public async Task Worker_QueueSmallerThanABatch_KeepsTakingEvents()
    {
        // The worker never waits for more entries than the queue can take before refusing.
        await using var harness = await RecorderHarness.StartAsync(
            options =>
            {
                options.QueueCapacity = 10;
                options.MaxBatchSize = 100;
                options.FlushInterval = TimeSpan.FromMinutes(10);
            },
            timeProvider: new FakeTimeProvider(Start));

        var accepted = 0;
        for (var i = 0; i < 30; i++)
        {
            if (harness.Recorder.Record("search", "view"))
            {
                accepted++;
            }

            await Eventually.HoldsAsync(() => harness.QueueDepth() < 5, "the worker takes events before the queue fills");
        }

        Assert.Equal(30, accepted);
    }

    [Fact]
    public async Task Worker_LargerEventsAfterASmallOne_SendsTheBatchWhenFullByBytes()
    {
        // The interval never elapses: only the byte limit can send the batch, and the worker must notice it is reached.
        await using var harness = await RecorderHarness.StartAsync(
            options =>
            {
                options.MaxBatchSize = 1_000;
                options.MaxBatchBytes = 4_096;
                options.MaxPayloadBytes = 1_024;
                options.FlushInterval = TimeSpan.FromMinutes(10);
            },
            timeProvider: new FakeTimeProvider(Start));

        harness.Recorder.Record("search", "view");
        await Eventually.HoldsAsync(() => harness.EventsRead() == 1, "the worker takes the small event");
        var large = new TelemetryEventParameters
        {
            Metadata = new Dictionary<string, double> { [new string('k', 1_000)] = 1 },
        };
        for (var i = 0; i < 8; i++)
        {
            harness.Recorder.Record("search", "view", large);
        }

        await Eventually.HoldsAsync(() => harness.Gateway.Events.DistinctCount > 0, "a batch over the byte limit is sent");
    }
}
