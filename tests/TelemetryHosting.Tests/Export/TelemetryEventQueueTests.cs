using Microsoft.Extensions.Options;
using TelemetryHosting.Export.Internal;
using TelemetryHosting.Recording.Internal;

namespace TelemetryHosting.Tests.Export;

/// <summary>The channel between the recorder and the worker: its bound, its close, flush requests and spill requests.</summary>
public sealed class TelemetryEventQueueTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public void TryEnqueue_AtCapacity_RefusesUntilAnEventIsTaken()
    {
        var queue = NewQueue(capacity: 3);
        Assert.All(Enumerable.Range(0, 3), _ => Assert.True(queue.TryEnqueue(NewEvent())));

        Assert.False(queue.TryEnqueue(NewEvent()));
        Assert.Equal(3, queue.Depth);
        Assert.Equal(3, queue.Counts.Snapshot().Pending);
        Assert.True(queue.TryRead(out _));

        Assert.True(queue.TryEnqueue(NewEvent()));
        Assert.Equal(3, queue.Depth);
        Assert.Equal(4, queue.Counts.Snapshot().Pending);
    }

    [Fact]
    public void EnqueueFlush_FullQueue_IsQueuedBehindTheEventsAndNotCountedAsAnEvent()
    {
        var queue = NewQueue(capacity: 2);
        var first = NewEvent();
        Assert.True(queue.TryEnqueue(first));
        Assert.True(queue.TryEnqueue(NewEvent()));

        var flush = queue.EnqueueFlush();

        Assert.NotNull(flush);
        Assert.Equal(2, queue.Depth);
        Assert.Equal(2, queue.Counts.Snapshot().Pending);
        Assert.True(queue.TryRead(out var entry));
        Assert.Same(first, entry);
        Assert.True(queue.TryRead(out _));
        Assert.True(queue.TryRead(out entry));
        Assert.Same(flush, entry);
        Assert.False(queue.TryRead(out _));
    }

    [Fact]
    public void EnqueueFlush_ManyCallersWithNothingRecordedBetween_ShareOneRequest()
    {
        // Callers that give up waiting (a cancelled flush) must not leave requests piling up in the queue.
        var queue = NewQueue(capacity: 10);
        Assert.True(queue.TryEnqueue(NewEvent()));

        var requests = Enumerable.Range(0, 1_000).Select(_ => queue.EnqueueFlush()).Distinct().ToList();

        Assert.Single(requests);
        Assert.True(queue.TryEnqueue(NewEvent()));
        var later = queue.EnqueueFlush();
        Assert.NotSame(requests[0], later);
        var entries = 0;
        while (queue.TryRead(out _))
        {
            entries++;
        }

        Assert.Equal(4, entries);
    }

    [Fact]
    public void EnqueueFlush_LastRequestAlreadyTaken_QueuesANewOne()
    {
        var queue = NewQueue(capacity: 10);
        var first = queue.EnqueueFlush();
        Assert.True(queue.TryRead(out _));

        var second = queue.EnqueueFlush();

        Assert.NotSame(first, second);
        Assert.True(queue.TryRead(out var entry));
        Assert.Same(second, entry);
    }

    [Fact]
    public async Task Close_RefusesEventsAndFlushRequests_KeepsWhatIsQueued_AndEndsTheReadersWait()
    {
        var queue = NewQueue(capacity: 10);
        Assert.True(queue.TryEnqueue(NewEvent()));

        queue.Close();

        Assert.True(queue.IsClosed);
        Assert.False(queue.TryEnqueue(NewEvent()));
        Assert.Null(queue.EnqueueFlush());
        Assert.Equal(1, queue.Counts.Snapshot().Pending);
        Assert.False(queue.IsClosedAndEmpty);
        Assert.True(await queue.WaitToReadAsync(CancellationToken.None).AsTask().WaitAsync(Timeout));
        Assert.True(queue.TryRead(out _));
        Assert.False(await queue.WaitToReadAsync(CancellationToken.None).AsTask().WaitAsync(Timeout));
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
            while (await queue.WaitToReadAsync(CancellationToken.None).AsTask().WaitAsync(Timeout))
            {
                while (queue.TryRead(out _))
                {
                    read++;
                }
            }

            Assert.Equal(accepted.Sum(), read);
            Assert.Equal(read, queue.Counts.Snapshot().Pending);
        }
    }

    [Fact]
    public void TryEnqueue_AboveTheHighWaterMark_AsksForOneSpillUntilItIsTaken()
    {
        var queue = new TelemetryEventQueue(Options.Create(new TelemetryGatewayOptions
        {
            QueueCapacity = 10,
            Persistence = { Directory = Path.GetTempPath(), HighWaterMark = 0.5 },
        }));

        for (var i = 0; i < 9; i++)
        {
            Assert.True(queue.TryEnqueue(NewEvent()));
        }

        Assert.True(queue.SpillRequests.TryPeek(out _));
        queue.TakeSpillRequest();
        Assert.False(queue.SpillRequests.TryPeek(out _));
        Assert.True(queue.TryEnqueue(NewEvent()));
        Assert.True(queue.SpillRequests.TryPeek(out _));
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
    public async Task WaitForEvents_FlushRequestLargeEventOrClose_EndTheWaitAtOnce()
    {
        var queue = NewQueue(capacity: 10);
        var wait = queue.WaitForEventsAsync(5);
        Assert.NotNull(queue.EnqueueFlush());
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
