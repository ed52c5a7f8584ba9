using System.Collections.Concurrent;
using System.Runtime.InteropServices;
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
/// Writers take no lock and do not wake the reader for every entry: the reader says how many entries it waits for (what
/// would complete its batch) and only the writer that reaches that number wakes it. A flush request, the close, a
/// nudge and a large event always wake it. While the reader is busy, a writer pays one atomic increment, the lock-free
/// enqueue, a fence and one read.
/// </para>
/// <para>
/// No wake-up is lost: a writer changes the queue, then (after a full fence) reads what the reader waits for; the
/// reader publishes what it waits for (a full fence), then reads the queue. Either the writer sees the reader waiting,
/// or the reader sees the change and does not wait.
/// </para>
/// <para>
/// What writers read and write sits on a cache line of its own, and the reader gives back the places of the events it
/// takes a few dozen at a time, so that writers and the reader rarely pull the same line from each other's core.
/// </para>
/// </remarks>
internal sealed class TelemetryEventQueue
{
    // The state word: queued events, including places reserved by writers about to enqueue (bits 0-39); whether the
    // queue is closed (bit 40, so that a closed queue's count is above any capacity); queued flush requests (bits 41
    // and up). One word, so that one atomic operation reserves a place and checks the bound and the close, and one
    // read gives every count at once.
    private const long ClosedBit = 1L << 40;
    private const long CountMask = ClosedBit - 1;
    private const long PlacesMask = ClosedBit | CountMask;
    private const int FlushShift = 41;
    private const long FlushUnit = 1L << FlushShift;
    private const long NotWaiting = long.MaxValue;
    private const int ReadsPerRelease = 64;
    private const int MaxSpinsAfterClose = 1_000;

    private readonly ConcurrentQueue<QueueEntry> _entries = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Channel<bool> _spillRequests = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    private readonly Lock _observedLock = new();
    private readonly long _wakeLimit;
    private WriterShared _shared;
    private TaskCompletionSource? _waiter;
    private int _nudged;
    private int _readsNotReleased;
    private long _taken;
    private long _recovered;
    private long _recordedObserved;
    private long _delivered;
    private long _failed;
    private long _persisted;

    public TelemetryEventQueue(IOptions<TelemetryGatewayOptions> options)
    {
        var settings = options.Value;
        var capacity = settings.QueueCapacity;
        var persistence = settings.Persistence;
        var highWaterMark = persistence.Directory is null ? 0 : Math.Max(1, (long)(capacity * persistence.HighWaterMark));
        _shared.Capacity = capacity;
        _shared.HighWaterMark = highWaterMark;
        _shared.WakeAt = NotWaiting;

        // The reader never waits for more than half of what the queue takes before refusing or spilling.
        _wakeLimit = Math.Max(1, (highWaterMark > 0 ? Math.Min(capacity, highWaterMark) : capacity) / 2);

        // No more than a batch's share of its byte limit: a batch of such events is full by count before it is full by
        // bytes. Larger ones wake the reader one by one. The fixed part covers the id, timestamp, nested message
        // headers and the service version (assumed up to 128 characters when unset); strings count 3 bytes a character.
        LightEventBytes = Math.Max(1, settings.MaxBatchBytes / Math.Max(1, settings.MaxBatchSize));
        _shared.LightEventAllowance = LightEventBytes - 256 - (3 * (settings.ServiceVersion?.Length ?? 128));
    }

    public int Capacity => (int)_shared.Capacity;

    /// <summary>
    /// Gets the largest encoded size of an event that does not wake the reader on its own; see
    /// <see cref="TelemetryExportWorker"/>'s batch threshold.
    /// </summary>
    public int LightEventBytes { get; }

    /// <summary>Gets the signals to spill queued events to disk (persistence only).</summary>
    public ChannelReader<bool> SpillRequests => _spillRequests.Reader;

    /// <summary>Gets a value indicating whether the queue takes no more events because the recorder stopped.</summary>
    public bool IsClosed => (Volatile.Read(ref _shared.State) & ClosedBit) != 0;

    /// <summary>Gets a value indicating whether the queue is closed and nothing is left in it or on its way into it.</summary>
    public bool IsClosedAndEmpty => Volatile.Read(ref _shared.State) == ClosedBit;

    /// <summary>Gets the number of entries waiting in the queue.</summary>
    public int Depth
    {
        get
        {
            var state = Volatile.Read(ref _shared.State);
            return (int)Math.Min((state & CountMask) + (state >> FlushShift), int.MaxValue);
        }
    }

    /// <summary>Gets a task that completes when the worker has stopped and settled every event it could.</summary>
    public Task Drained => _drained.Task;

    /// <summary>Queues an event unless the queue is full or closed; never waits and takes no lock.</summary>
    public bool TryEnqueue(PendingEvent pendingEvent)
    {
        // Full or closed: refused without taking the shared line for writing.
        if ((Volatile.Read(ref _shared.State) & PlacesMask) >= _shared.Capacity)
        {
            return false;
        }

        var places = Interlocked.Increment(ref _shared.State) & PlacesMask;
        if (places > _shared.Capacity)
        {
            GiveBackPlace();
            return false;
        }

        // The reserved place counts the event as accepted before the worker can see it (and settle it).
        try
        {
            _entries.Enqueue(pendingEvent);
        }
        catch
        {
            // Out of memory growing the queue: the place must not stay reserved (the final drain waits for it).
            GiveBackPlace();
            throw;
        }

        // The enqueue must be visible before the reader's wait is read (see the remarks).
        Interlocked.MemoryBarrier();
        var wakeAt = Volatile.Read(ref _shared.WakeAt);
        if (wakeAt != NotWaiting && (places >= wakeAt || IsLarge(pendingEvent)))
        {
            // The size bound is computed only while the reader waits, not for every event.
            WakeReader();
        }

        if (_shared.HighWaterMark > 0 && places >= _shared.HighWaterMark)
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
        if ((Interlocked.Add(ref _shared.State, FlushUnit) & ClosedBit) != 0)
        {
            Interlocked.Add(ref _shared.State, -FlushUnit);
            return false;
        }

        _entries.Enqueue(request);
        Interlocked.MemoryBarrier();
        WakeReader();
        return true;
    }

    /// <summary>
    /// Takes the next entry; the one way the worker and the spiller (one at a time) read the queue. Once the queue is
    /// closed, <see langword="false"/> means that no entry will ever come: an entry whose place was reserved before
    /// the close is waited for. A reader that stops before the queue is empty calls <see cref="ReleaseReads"/>.
    /// </summary>
    public bool TryRead([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out QueueEntry? entry)
    {
        var spinner = default(SpinWait);
        while (!_entries.TryDequeue(out entry))
        {
            ReleaseReads();
            var state = Volatile.Read(ref _shared.State);
            if ((state & ClosedBit) == 0 || (state & ~ClosedBit) == 0)
            {
                return false;
            }

            // A writer between its reservation and its enqueue (or giving back a refused place): nanoseconds away,
            // unless its thread is suspended. The wait is bounded (about a second: past its first spins SpinWait sleeps);
            // a place still reserved then stays counted as pending, so the event is not lost silently.
            if (spinner.Count >= MaxSpinsAfterClose)
            {
                return false;
            }

            spinner.SpinOnce();
        }

        if (entry is FlushRequest)
        {
            Interlocked.Add(ref _shared.State, -FlushUnit);
        }
        else if (++_readsNotReleased == ReadsPerRelease)
        {
            ReleaseReads();
        }

        return true;
    }

    /// <summary>
    /// Gives back the places of the events taken since the last release: until then they still count as queued, both
    /// against the capacity and in <see cref="Counts"/>, so nothing is ever counted as neither queued nor taken.
    /// </summary>
    public void ReleaseReads()
    {
        var reads = _readsNotReleased;
        if (reads == 0)
        {
            return;
        }

        _readsNotReleased = 0;

        // Taken first, then no longer queued: an event being moved is counted twice for a moment, never not at all.
        Interlocked.Add(ref _taken, reads);
        Interlocked.Add(ref _shared.State, -reads);
    }

    /// <summary>
    /// Returns a task that completes when at least <paramref name="entries"/> entries are queued (at most half the
    /// queue's room), a flush request or a large event is queued, the queue is nudged, or it is closed. For the
    /// reader only, one wait at a time; end every wait with <see cref="StopWaiting"/>.
    /// </summary>
    public Task WaitForEntriesAsync(long entries)
    {
        entries = Math.Clamp(entries, 1, _wakeLimit);
        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _waiter, waiter);
        Interlocked.Exchange(ref _shared.WakeAt, entries);
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
        Volatile.Write(ref _shared.WakeAt, NotWaiting);
        Volatile.Write(ref _waiter, null);
    }

    /// <summary>
    /// Wakes the reader for work that is not in the queue (flush requests or segments the spiller handed over); the
    /// reader's next wait ends at once unless it has read the queue since (<see cref="TakeNudge"/>).
    /// </summary>
    public void Nudge()
    {
        Volatile.Write(ref _nudged, 1);
        Interlocked.MemoryBarrier();
        WakeReader();
    }

    /// <summary>Clears a nudge; the reader calls it before it looks at the work a nudge announces.</summary>
    public void TakeNudge() => Volatile.Write(ref _nudged, 0);

    public void RequestSpill() => _spillRequests.Writer.TryWrite(true);

    public void Close()
    {
        Interlocked.Or(ref _shared.State, ClosedBit);
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
    /// Gets the number of events this recorder has accepted so far (not counting those recovered from disk), for the
    /// <c>telemetryhosting.events.recorded</c> counter. It never decreases; an event being taken by the reader, or a
    /// place a writer reserved as the queue filled, may be counted a moment early.
    /// </summary>
    public long RecordedTotal()
    {
        var recorded = Accepted() - Interlocked.Read(ref _recovered);
        lock (_observedLock)
        {
            _recordedObserved = Math.Max(_recordedObserved, recorded);
            return _recordedObserved;
        }
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
        var queued = Volatile.Read(ref _shared.State) & CountMask;
        return Interlocked.Read(ref _recovered) + Interlocked.Read(ref _taken) + queued;
    }

    private bool IsReadable(long entries)
    {
        var state = Volatile.Read(ref _shared.State);

        // Entries counted but not in the queue yet are places reserved by writers that have yet to enqueue (and then
        // wake the reader): the reader waits for them rather than spin.
        return (state & ClosedBit) != 0
            || Volatile.Read(ref _nudged) != 0
            || (((state >> FlushShift) > 0 || (state & CountMask) >= entries) && !_entries.IsEmpty);
    }

    /// <summary>
    /// Gets whether the event may be larger than <see cref="LightEventBytes"/> once encoded: a bound on the encoding,
    /// from the lengths of its strings (the cost of a few reads for a typical event).
    /// </summary>
    private bool IsLarge(PendingEvent pending)
    {
        if (pending.PrivateMetadata is not null || pending.Billing is not null || pending.Client is not null)
        {
            return true;
        }

        long bytes = 3L * (pending.Feature.Length + pending.Action.Length + (pending.InteractionId?.Length ?? 0));
        if (pending.Metadata is { } metadata)
        {
            foreach (var entry in metadata)
            {
                bytes += 21 + (3L * entry.Key.Length);
            }
        }

        if (pending.FeatureFlags is { } flags)
        {
            foreach (var entry in flags)
            {
                bytes += 14 + (3L * entry.Key.Length);
            }
        }

        if (pending.User is { } user)
        {
            bytes += 3L * ((user.AnonymousUserId?.Length ?? 0) + (user.SamsExternalId?.Length ?? 0));
        }

        return bytes > _shared.LightEventAllowance;
    }

    /// <summary>Gives back a place reserved for an event the queue refused.</summary>
    private void GiveBackPlace() => Interlocked.Decrement(ref _shared.State);

    private void WakeReader()
    {
        if (Volatile.Read(ref _waiter) is { } waiter && Interlocked.CompareExchange(ref _waiter, null, waiter) == waiter)
        {
            waiter.TrySetResult();
        }
    }

    /// <summary>What writers read and write, alone on its cache line (the padding keeps other fields off it).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 192)]
    private struct WriterShared
    {
        [FieldOffset(64)]
        public long State;

        [FieldOffset(72)]
        public long WakeAt;

        [FieldOffset(80)]
        public long Capacity;

        [FieldOffset(88)]
        public long HighWaterMark;

        [FieldOffset(96)]
        public long LightEventAllowance;
    }
}
