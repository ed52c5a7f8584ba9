using System.Reflection;
using Microsoft.Extensions.Options;
using TelemetryHosting.Export.Internal;
using TelemetryHosting.Recording.Internal;

namespace TelemetryHosting.Tests.Export;

/// <summary>The lock-free queue between the recorder and the worker: its bound, its close, and when it wakes the reader.</summary>
public sealed class TelemetryEventQueueTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public void TryEnqueue_AtCapacity_RefusesUntilAnEntryIsTaken()
    {
        var queue = NewQueue(capacity: 3);
        Assert.All(Enumerable.Range(0, 3), _ => Assert.True(queue.TryEnqueue(NewEvent())));

        Assert.False(queue.TryEnqueue(NewEvent()));
        Assert.Equal(3, queue.Depth);
        Assert.True(queue.TryRead(out _));

        // The place is given back when the reader releases its reads (it does so after each batch).
        Assert.False(queue.TryEnqueue(NewEvent()));
        Assert.Equal(3, queue.Counts().Pending);
        queue.ReleaseReads();
        Assert.True(queue.TryEnqueue(NewEvent()));
        Assert.Equal(3, queue.Depth);
        Assert.Equal(4, queue.Counts().Pending);
    }

    [Fact]
    public void FlushRequest_FullQueue_IsQueuedBehindTheEventsAndNotCountedAsAnEvent()
    {
        var queue = NewQueue(capacity: 2);
        var first = NewEvent();
        Assert.True(queue.TryEnqueue(first));
        Assert.True(queue.TryEnqueue(NewEvent()));
        var flush = new FlushRequest();

        Assert.True(queue.TryEnqueue(flush));

        Assert.Equal(3, queue.Depth);
        Assert.Equal(2, queue.Counts().Pending);
        Assert.True(queue.TryRead(out var entry));
        Assert.Same(first, entry);
        Assert.True(queue.TryRead(out _));
        Assert.True(queue.TryRead(out entry));
        Assert.Same(flush, entry);
        Assert.False(queue.TryRead(out _));
    }

    [Fact]
    public void Close_RefusesEventsAndFlushRequests_AndKeepsWhatIsQueued()
    {
        var queue = NewQueue(capacity: 10);
        Assert.True(queue.TryEnqueue(NewEvent()));

        queue.Close();

        Assert.False(queue.TryEnqueue(NewEvent()));
        Assert.False(queue.TryEnqueue(new FlushRequest()));
        Assert.True(queue.IsClosed);
        Assert.False(queue.IsClosedAndEmpty);
        Assert.True(queue.TryRead(out _));
        Assert.False(queue.TryRead(out _));
        Assert.True(queue.IsClosedAndEmpty);
        Assert.Equal(1, queue.Counts().Pending);
    }

    [Fact]
    public async Task WaitForEntries_CompletesOnlyWhenTheAskedNumberIsQueued()
    {
        var queue = NewQueue(capacity: 10);
        var waiting = queue.WaitForEntriesAsync(3);

        Assert.True(queue.TryEnqueue(NewEvent()));
        Assert.True(queue.TryEnqueue(NewEvent()));
        Assert.False(waiting.IsCompleted);
        Assert.True(queue.TryEnqueue(NewEvent()));

        await waiting.WaitAsync(Timeout);
        queue.StopWaiting();
        Assert.True(WaitEndsAtOnce(queue, 3));
    }

    [Fact]
    public async Task WaitForEntries_FlushRequestOrClose_EndTheWaitEarly()
    {
        var queue = NewQueue(capacity: 10);
        var waiting = queue.WaitForEntriesAsync(5);
        Assert.True(queue.TryEnqueue(NewEvent()));
        Assert.False(waiting.IsCompleted);

        Assert.True(queue.TryEnqueue(new FlushRequest()));
        await waiting.WaitAsync(Timeout);
        queue.StopWaiting();
        while (queue.TryRead(out _))
        {
        }

        waiting = queue.WaitForEntriesAsync(5);
        Assert.False(waiting.IsCompleted);
        queue.Close();
        await waiting.WaitAsync(Timeout);
        queue.StopWaiting();
    }

    [Fact]
    public async Task Writers_RacingTheReader_NeverLeaveItAsleepWithEntriesQueued()
    {
        // Two writers and a reader that sleeps between batches: every entry written is read, so no wake-up was lost.
        const int PerWriter = 50_000;
        var queue = NewQueue(capacity: 1_000);
        var written = 0L;
        var writers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < PerWriter;)
            {
                if (queue.TryEnqueue(NewEvent()))
                {
                    i++;
                    Interlocked.Increment(ref written);
                }
                else
                {
                    Thread.Yield();
                }
            }
        })).ToArray();

        var read = 0;
        while (read < 2 * PerWriter)
        {
            // Waits for up to a batch of 64; at the end, fewer than 64 remain, so it waits for what is left.
            await queue.WaitForEntriesAsync(Math.Min(64, (2 * PerWriter) - read)).WaitAsync(Timeout);
            queue.StopWaiting();
            while (queue.TryRead(out _))
            {
                read++;
            }
        }

        await Task.WhenAll(writers).WaitAsync(Timeout);
        Assert.Equal(2 * PerWriter, read);
        Assert.Equal(Interlocked.Read(ref written), queue.Counts().Pending);
    }

    [Fact]
    public async Task Close_WhileWritersRace_EveryAcceptedEventIsReadAfterTheClose()
    {
        for (var round = 0; round < 20; round++)
        {
            var queue = NewQueue(capacity: 1_000_000);
            var accepted = new long[2];
            using var start = new Barrier(3);
            var writers = Enumerable.Range(0, 2).Select(writer => Task.Run(() =>
            {
                start.SignalAndWait();
                while (queue.TryEnqueue(NewEvent()))
                {
                    accepted[writer]++;
                }
            })).ToArray();

            start.SignalAndWait();
            Thread.SpinWait(10_000 * (round + 1));
            queue.Close();

            // What the worker does at stop: read until the closed queue says nothing more will come.
            var read = 0L;
            while (queue.TryRead(out _))
            {
                read++;
            }

            await Task.WhenAll(writers).WaitAsync(Timeout);
            Assert.Equal(accepted.Sum(), read);
            Assert.True(queue.IsClosedAndEmpty);
        }
    }

    [Fact]
    public async Task Counts_FlushRequestsRacing_NeverReportPendingEventsThatDoNotExist()
    {
        var queue = NewQueue(capacity: 10);
        var stop = 0;
        var flusher = Task.Run(() =>
        {
            for (var i = 0; i < 200_000 && Volatile.Read(ref stop) == 0; i++)
            {
                _ = queue.TryEnqueue(new FlushRequest());
                _ = queue.TryRead(out _);
            }
        });

        var seen = new HashSet<long>();
        while (!flusher.IsCompleted)
        {
            if (seen.Add(queue.Counts().Pending) && seen.Count > 1)
            {
                Volatile.Write(ref stop, 1);
            }
        }

        await flusher.WaitAsync(Timeout);
        Assert.Equal([0L], seen);
    }

    [Fact]
    public async Task Nudge_EndsTheWait_UntilTheReaderTakesIt()
    {
        var queue = NewQueue(capacity: 10);
        var waiting = queue.WaitForEntriesAsync(1);
        Assert.False(waiting.IsCompleted);

        queue.Nudge();
        await waiting.WaitAsync(Timeout);
        queue.StopWaiting();
        Assert.True(WaitEndsAtOnce(queue, 1));

        queue.TakeNudge();
        Assert.False(WaitEndsAtOnce(queue, 1));
    }

    [Fact]
    public async Task WaitForEntries_MoreThanHalfTheCapacity_WakesAtHalf()
    {
        var queue = NewQueue(capacity: 10);
        var waiting = queue.WaitForEntriesAsync(100);
        for (var i = 0; i < 4; i++)
        {
            Assert.True(queue.TryEnqueue(NewEvent()));
        }

        Assert.False(waiting.IsCompleted);
        Assert.True(queue.TryEnqueue(NewEvent()));
        await waiting.WaitAsync(Timeout);
        queue.StopWaiting();
    }

    [Fact]
    public void Close_PlaceReservedButNeverFilled_TheDrainEndsAndTheEventStaysCountedAsPending()
    {
        // A writer whose thread stops for good between reserving its place and enqueueing (simulated by reserving
        // directly): the final drain must end, and the event must not vanish from the counts.
        var queue = NewQueue(capacity: 10);
        Assert.True(queue.TryEnqueue(NewEvent()));
        ReservePlaceWithoutEnqueueing(queue);
        queue.Close();

        Assert.True(queue.TryRead(out _));
        Assert.False(queue.TryRead(out _));
        Assert.False(queue.IsClosedAndEmpty);
        Assert.Equal(2, queue.Counts().Pending);
    }

    private static void ReservePlaceWithoutEnqueueing(TelemetryEventQueue queue)
    {
        var sharedField = typeof(TelemetryEventQueue).GetField("_shared", BindingFlags.NonPublic | BindingFlags.Instance)!;
        var shared = sharedField.GetValue(queue)!;
        var state = shared.GetType().GetField("State")!;
        state.SetValue(shared, (long)state.GetValue(shared)! + 1);
        sharedField.SetValue(queue, shared);
    }

    private static bool WaitEndsAtOnce(TelemetryEventQueue queue, long entries)
    {
        var ended = queue.WaitForEntriesAsync(entries).IsCompleted;
        queue.StopWaiting();
        return ended;
    }

    private static TelemetryEventQueue NewQueue(int capacity) =>
        new(Options.Create(new TelemetryGatewayOptions { QueueCapacity = capacity }));

    private static PendingEvent NewEvent() =>
        new() { Id = Guid.CreateVersion7(), Timestamp = DateTimeOffset.UnixEpoch, Feature = "search", Action = "view" };
}
