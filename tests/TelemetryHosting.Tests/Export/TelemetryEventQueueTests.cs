using Microsoft.Extensions.Options;
using TelemetryHosting.Export.Internal;
using TelemetryHosting.Recording.Internal;

namespace TelemetryHosting.Tests.Export;

/// <summary>The channel between the recorder and the worker: its bound, its numbering, flush marks, its close and wake-ups.</summary>
public sealed class TelemetryEventQueueTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public void TryEnqueue_AtCapacity_RefusesUntilTheWorkerTakesAnEvent()
    {
        var queue = NewQueue(capacity: 3);
        Assert.All(Enumerable.Range(0, 3), _ => Assert.True(queue.TryEnqueue(NewEvent())));

        Assert.False(queue.TryEnqueue(NewEvent()));
        Assert.Equal(3, queue.Depth);
        Assert.Equal(3, queue.Counts.Snapshot().Pending);

        // Read, an event still waits (in the worker's batch) until it is sent, settled or on disk.
        Assert.True(queue.TryRead(out _));
        Assert.False(queue.TryEnqueue(NewEvent()));
        queue.Taken(1);

        Assert.True(queue.TryEnqueue(NewEvent()));
        Assert.Equal(3, queue.Depth);
        Assert.Equal(4, queue.Counts.Snapshot().Pending);

        // Sent, then left out by the gateway: it waits again.
        queue.Returned(1);
        Assert.Equal(4, queue.Depth);
        Assert.False(queue.TryEnqueue(NewEvent()));
    }

    [Fact]
    public void TryEnqueue_NumbersEveryAcceptedEvent_AndAFlushWaitsForTheLastNumber()
    {
        var queue = NewQueue(capacity: 2);
        var first = NewEvent();
        var second = NewEvent();
        Assert.True(queue.TryEnqueue(first));
        Assert.True(queue.TryEnqueue(second));
        Assert.False(queue.TryEnqueue(NewEvent()));

        Assert.Equal(1, first.Sequence);
        Assert.Equal(2, second.Sequence);
        Assert.Equal(2, queue.LastSequence);
    }

    [Fact]
    public void Flush_NoWorkerRunning_CompletesAtOnce_BeforeTheStartAndAfterTheStop()
    {
        var queue = NewQueue(capacity: 10);
        Assert.True(queue.TryEnqueue(NewEvent()));

        Assert.True(queue.FlushAsync().IsCompleted);

        queue.Flushes.WorkerStarted();
        var waiting = queue.FlushAsync();
        Assert.False(waiting.IsCompleted);

        queue.Flushes.WorkerStopped();
        Assert.True(waiting.IsCompleted);
        Assert.True(queue.FlushAsync().IsCompleted);
    }

    [Fact]
    public void Flush_CompletesOnceEveryEventUpToItsMarkIsSettled_InOrder()
    {
        var queue = NewQueue(capacity: 10);
        queue.Flushes.WorkerStarted();
        Assert.True(queue.TryEnqueue(NewEvent()));
        var first = queue.FlushAsync();
        Assert.True(queue.TryEnqueue(NewEvent()));
        Assert.True(queue.TryEnqueue(NewEvent()));
        var second = queue.FlushAsync();

        queue.Flushes.CompleteThrough(0);
        Assert.False(first.IsCompleted);

        queue.Flushes.CompleteThrough(2);
        Assert.True(first.IsCompleted);
        Assert.False(second.IsCompleted);

        queue.Flushes.CompleteThrough(3);
        Assert.True(second.IsCompleted);
    }

    [Fact]
    public void Flush_ManyCallersWithNothingRecordedBetween_ShareOneWait()
    {
        // Callers that give up waiting (a cancelled flush) must not leave waits piling up.
        var queue = NewQueue(capacity: 10);
        queue.Flushes.WorkerStarted();
        Assert.True(queue.TryEnqueue(NewEvent()));

        var waits = Enumerable.Range(0, 1_000).Select(_ => queue.FlushAsync()).Distinct().ToList();

        Assert.Single(waits);
        Assert.True(queue.TryEnqueue(NewEvent()));
        Assert.NotSame(waits[0], queue.FlushAsync());
        Assert.Equal(2, queue.Flushes.HighestMark);
    }

    [Fact]
    public async Task FlushAfterRecord_RacingOtherFlushes_AlwaysWaitsForTheRecordedEvent()
    {
        // The first channel-based core could share a flush request queued ahead of an event whose Record had returned.
        var queue = NewQueue(capacity: 10_000_000);
        queue.Flushes.WorkerStarted();
        using var stop = new CancellationTokenSource();
        var otherFlusher = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                _ = queue.FlushAsync();
            }
        });

        for (var i = 0; i < 100_000; i++)
        {
            var pending = NewEvent();
            Assert.True(queue.TryEnqueue(pending));
            _ = queue.FlushAsync();
            Assert.True(queue.Flushes.HighestMark >= pending.Sequence, $"a flush after event {pending.Sequence} waits only up to {queue.Flushes.HighestMark}");
        }

        await stop.CancelAsync();
        await otherFlusher.WaitAsync(Timeout);
    }

    [Fact]
    public void Close_RefusesEvents_KeepsWhatIsQueued()
    {
        var queue = NewQueue(capacity: 10);
        Assert.True(queue.TryEnqueue(NewEvent()));

        queue.Close();

        Assert.True(queue.IsClosed);
        Assert.False(queue.TryEnqueue(NewEvent()));
        Assert.Equal(1, queue.Counts.Snapshot().Pending);
        Assert.False(queue.IsClosedAndEmpty);
        Assert.True(queue.TryRead(out _));
        Assert.False(queue.TryRead(out _));
        Assert.True(queue.IsClosedAndEmpty);
    }

    [Fact]
    public async Task Close_WhileWritersRace_EveryAcceptedEventIsReadAfterTheClose()
    {
        for (var round = 0; round < 20; round++)
        {
            var queue = NewQueue(capacity: 100_000);
            using var start = new Barrier(3);
            var accepted = new int[2];
            var writers = Enumerable.Range(0, 2).Select(w => Task.Run(() =>
            {
                start.SignalAndWait();
                while (queue.TryEnqueue(NewEvent()))
                {
                    accepted[w]++;
                }
            })).ToArray();

            start.SignalAndWait();
            queue.Close();
            await Task.WhenAll(writers).WaitAsync(Timeout);

            var read = 0;
            while (queue.TryRead(out _))
            {
                read++;
            }

            Assert.True(queue.IsClosedAndEmpty);
            Assert.Equal(accepted.Sum(), read);
            Assert.Equal(read, queue.Counts.Snapshot().Pending);
        }
    }

    [Fact]
    public async Task TryEnqueue_AtTheHighWaterMark_WakesTheWorkerAtOnce()
    {
        var queue = new TelemetryEventQueue(Options.Create(new TelemetryGatewayOptions
        {
            QueueCapacity = 10,
            Persistence = { Directory = Path.GetTempPath(), HighWaterMark = 0.5 },
        }));
        var wait = queue.WaitForEventsAsync(null);

        for (var i = 0; i < 4; i++)
        {
            Assert.True(queue.TryEnqueue(NewEvent()));
        }

        Assert.False(queue.IsAboveHighWaterMark);
        Assert.False(wait.IsCompleted);
        Assert.True(queue.TryEnqueue(NewEvent()));
        Assert.True(queue.IsAboveHighWaterMark);
        await wait.WaitAsync(Timeout);
        queue.StopWaiting();
    }

    [Fact]
    public async Task WaitForEvents_CompletesOnlyWhenTheAskedNumberIsQueued()
    {
        var queue = NewQueue(capacity: 10);
        var wait = queue.WaitForEventsAsync(3);
        Assert.True(queue.TryEnqueue(NewEvent()));
        Assert.True(queue.TryEnqueue(NewEvent()));
        Assert.False(wait.IsCompleted);

        Assert.True(queue.TryEnqueue(NewEvent()));

        await wait.WaitAsync(Timeout);
        queue.StopWaiting();
    }

    [Fact]
    public async Task WaitForEvents_FlushLargeEventOrClose_EndTheWaitAtOnce()
    {
        var queue = NewQueue(capacity: 10);
        var wait = queue.WaitForEventsAsync(5);
        _ = queue.FlushAsync();
        await wait.WaitAsync(Timeout);
        queue.StopWaiting();

        wait = queue.WaitForEventsAsync(5);
        Assert.True(queue.TryEnqueue(new PendingEvent
        {
            Id = Guid.CreateVersion7(),
            Timestamp = DateTimeOffset.UnixEpoch,
            Feature = "search",
            Action = "view",
            PrivateMetadata = new Google.Protobuf.WellKnownTypes.Struct(),
        }));
        await wait.WaitAsync(Timeout);
        queue.StopWaiting();

        wait = queue.WaitForEventsAsync(5);
        queue.Close();
        await wait.WaitAsync(Timeout);
    }

    [Fact]
    public async Task WaitForEvents_WritersRacingTheReader_NeverLeaveItAsleepWithTheEventsQueued()
    {
        const int total = 200_000;
        var queue = NewQueue(capacity: total);
        var writers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < total / 2; i++)
            {
                Assert.True(queue.TryEnqueue(NewEvent()));
            }
        })).ToArray();

        var read = 0;
        while (read < total)
        {
            // A lost wake-up leaves this wait hanging with the events queued: it times out instead.
            await queue.WaitForEventsAsync(Math.Min(64, total - read)).WaitAsync(Timeout);
            queue.StopWaiting();
            while (queue.TryRead(out _))
            {
                read++;
            }
        }

        await Task.WhenAll(writers);
        Assert.Equal(total, read);
    }

    private static TelemetryEventQueue NewQueue(int capacity) =>
        new(Options.Create(new TelemetryGatewayOptions { QueueCapacity = capacity }));

    private static PendingEvent NewEvent() =>
        new() { Id = Guid.CreateVersion7(), Timestamp = DateTimeOffset.UnixEpoch, Feature = "search", Action = "view" };
}
