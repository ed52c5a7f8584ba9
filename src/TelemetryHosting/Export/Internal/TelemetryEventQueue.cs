using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using TelemetryHosting.Recording.Internal;

namespace TelemetryHosting.Export.Internal;

/// <summary>
/// The bounded queue between the telemetry recorder (many writers) and the export worker (one reader at a time), and
/// the delivery counts that flush results report.
/// </summary>
/// <remarks>
/// <para>
/// Writers take no lock and do not wake the reader for every entry: the reader says how many entries it waits for (a
/// whole batch, once one is open) and only the writer that reaches that number wakes it. A flush request and the
/// close always wake it. While the reader is busy, a writer pays one atomic increment, the lock-free enqueue and one
/// read.
/// </para>
/// <para>
/// No wake-up is lost: a writer changes the queue (a full fence), then reads what the reader waits for; the reader
/// publishes what it waits for (a full fence), then reads the queue. Either the writer sees the reader waiting, or the
/// reader sees the change and does not wait.
/// </para>
/// </remarks>
internal sealed class TelemetryEventQueue
{
    // The state word: entries queued or with a place reserved (low bits), and whether the queue is closed (a high bit,
    // so that a closed queue's state is above any capacity). One atomic increment reserves a place and checks both.
    private const long ClosedBit = 1L << 40;
    private const long CountMask = ClosedBit - 1;
    private const long NotWaiting = long.MaxValue;

    private readonly ConcurrentQueue<QueueEntry> _entries = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Channel<bool> _spillRequests = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    private readonly long _highWaterMark;
    private long _state;
    private long _wakeAt = NotWaiting;
    private TaskCompletionSource? _waiter;
    private int _flushesQueued;
    private long _taken;
    private long _recovered;
    private long _delivered;
    private long _failed;
    private long _persisted;

    public TelemetryEventQueue(IOptions<TelemetryGatewayOptions> options)
    {
        Capacity = options.Value.QueueCapacity;
        var persistence = options.Value.Persistence;
        _highWaterMark = persistence.Directory is null ? 0 : Math.Max(1, (long)(Capacity * persistence.HighWaterMark));
    }

    public int Capacity { get; }

    /// <summary>Gets the signals to spill queued events to disk (persistence only).</summary>
    public ChannelReader<bool> SpillRequests => _spillRequests.Reader;

    /// <summary>Gets a value indicating whether the queue takes no more events because the recorder stopped.</summary>
    public bool IsClosed => (Volatile.Read(ref _state) & ClosedBit) != 0;

    /// <summary>Gets a value indicating whether the queue is closed and nothing is left in it or on its way into it.</summary>
    public bool IsClosedAndEmpty => Volatile.Read(ref _state) == ClosedBit;

    /// <summary>Gets the number of entries waiting in the queue.</summary>
    public int Depth => (int)Math.Min(Volatile.Read(ref _state) & CountMask, int.MaxValue);

    /// <summary>Gets a task that completes when the worker has stopped and settled every event it could.</summary>
    public Task Drained => _drained.Task;

    /// <summary>Queues an event unless the queue is full or closed; never waits and takes no lock.</summary>
    public bool TryEnqueue(PendingEvent pendingEvent)
    {
        // Full or closed: refused without touching the shared state.
        if (Volatile.Read(ref _state) >= Capacity)
        {
            return false;
        }

        var state = Interlocked.Increment(ref _state);
        if (state > Capacity)
        {
            GiveBackPlace();
            return false;
        }

        // The reserved place counts the event as accepted before the worker can see it (and settle it).
        _entries.Enqueue(pendingEvent);

        // The enqueue must be visible before the reader's wait is read (see the remarks).
        Interlocked.MemoryBarrier();
        if (state >= Volatile.Read(ref _wakeAt))
        {
            WakeReader();
        }

        if (_highWaterMark > 0 && state >= _highWaterMark)
        {
            RequestSpill();
        }

        return true;
    }

    /// <summary>
    /// Queues a flush request behind every event already queued and wakes the reader. A flush request may take the
    /// queue over its capacity: it is small, and a flush must not wait for room.
    /// </summary>
    /// <returns><see langword="false"/> when the queue is closed.</returns>
    public bool TryEnqueue(FlushRequest request)
    {
        if ((Interlocked.Increment(ref _state) & ClosedBit) != 0)
        {
            GiveBackPlace();
            return false;
        }

        Interlocked.Increment(ref _flushesQueued);
        _entries.Enqueue(request);
        WakeReader();
        return true;
    }

    /// <summary>
    /// Takes the next entry; the one way the worker and the spiller (one at a time) read the queue. Once the queue is
    /// closed, <see langword="false"/> means that no entry will ever come: an entry whose place was reserved before
    /// the close is waited for.
    /// </summary>
    public bool TryRead([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out QueueEntry? entry)
    {
        var spinner = default(SpinWait);
        while (!_entries.TryDequeue(out entry))
        {
            var state = Volatile.Read(ref _state);
            if ((state & ClosedBit) == 0 || (state & CountMask) == 0)
            {
                return false;
            }

            // A writer between its reservation and its enqueue (or giving back a refused place): nanoseconds away.
            spinner.SpinOnce();
        }

        // Moved from the queued count to the taken count, taken first: an accepted event is never out of both.
        if (entry is FlushRequest)
        {
            Interlocked.Decrement(ref _flushesQueued);
        }
        else
        {
            Interlocked.Increment(ref _taken);
        }

        Interlocked.Decrement(ref _state);
        return true;
    }

    /// <summary>
    /// Returns a task that completes when at least <paramref name="entries"/> entries are queued, a flush request is
    /// queued, or the queue is closed. For the reader only, one wait at a time; end every wait with
    /// <see cref="StopWaiting"/>.
    /// </summary>
    public Task WaitForEntriesAsync(long entries)
    {
        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _waiter, waiter);
        Interlocked.Exchange(ref _wakeAt, Math.Max(1, entries));
        if (IsReadable(entries))
        {
            StopWaiting();
            return Task.CompletedTask;
        }

        return waiter.Task;
    }

    /// <summary>Ends the reader's wait: writers stop checking for it.</summary>
    public void StopWaiting()
    {
        Volatile.Write(ref _wakeAt, NotWaiting);
        Volatile.Write(ref _waiter, null);
    }

    public void RequestSpill() => _spillRequests.Writer.TryWrite(true);

    public void Close()
    {
        Interlocked.Or(ref _state, ClosedBit);
        _spillRequests.Writer.TryComplete();
        WakeReader();
    }

    public void MarkDrained() => _drained.TrySetResult();

    public void MarkDelivered(long count) => Interlocked.Add(ref _delivered, count);

    public void MarkFailed(long count) => Interlocked.Add(ref _failed, count);

    /// <summary>Counts events moved from memory to disk.</summary>
    public void MarkPersisted(long count) => Interlocked.Add(ref _persisted, count);

    /// <summary>Counts events a previous run left on disk: accepted by this recorder, and persisted.</summary>
    public void MarkRecovered(long count)
    {
        Interlocked.Add(ref _recovered, count);
        Interlocked.Add(ref _persisted, count);
    }

    /// <summary>Counts events read back from disk (or settled there); they are no longer persisted.</summary>
    public void MarkReplayed(long count) => Interlocked.Add(ref _persisted, -count);

    public TelemetryFlushResult Counts()
    {
        var delivered = Interlocked.Read(ref _delivered);
        var failed = Interlocked.Read(ref _failed);
        var persisted = Interlocked.Read(ref _persisted);
        var pending = Accepted() - delivered - failed - persisted;
        return new TelemetryFlushResult(delivered, failed, pending) { Persisted = persisted };
    }

    /// <summary>
    /// Events accepted: recovered from disk, taken by the reader, or still queued. Derived rather than counted, so that
    /// writers share one counter, not two. A place reserved by a writer that the queue then refuses is counted for the
    /// nanoseconds until it is given back.
    /// </summary>
    private long Accepted()
    {
        // Read in the opposite order to the reader's moves (taken up, then queued down): an event being moved is
        // counted twice for a moment rather than not at all.
        var queued = Volatile.Read(ref _state) & CountMask;
        queued -= Volatile.Read(ref _flushesQueued);
        return Interlocked.Read(ref _recovered) + Interlocked.Read(ref _taken) + queued;
    }

    private bool IsReadable(long entries)
    {
        var state = Volatile.Read(ref _state);

        // Entries counted but not in the queue yet are places reserved by writers that have yet to enqueue (and
        // then wake the reader): the reader waits for them rather than spin.
        return (state & ClosedBit) != 0
            || Volatile.Read(ref _flushesQueued) > 0
            || ((state & CountMask) >= entries && !_entries.IsEmpty);
    }

    /// <summary>Gives back a place reserved for an entry the queue refused.</summary>
    private void GiveBackPlace() => Interlocked.Decrement(ref _state);

    private void WakeReader()
    {
        if (Volatile.Read(ref _waiter) is { } waiter && Interlocked.CompareExchange(ref _waiter, null, waiter) == waiter)
        {
            waiter.TrySetResult();
        }
    }
}
