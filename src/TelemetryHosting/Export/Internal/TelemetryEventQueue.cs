using System.Threading.Channels;
using Microsoft.Extensions.Options;
using TelemetryHosting.Recording.Internal;

namespace TelemetryHosting.Export.Internal;

/// <summary>
/// The bounded queue between the telemetry recorder (many writers) and the export worker: a
/// <see cref="Channel{T}"/> of events and flush requests, with the bound kept by a counter of queued events, so that
/// flush requests never take an event's place and a full queue refuses at once.
/// </summary>
/// <remarks>
/// One reader at a time: the worker, or the spiller while it holds the worker's reader gate (persistence only).
/// </remarks>
internal sealed class TelemetryEventQueue
{
    private readonly Channel<QueueEntry> _entries = Channel.CreateUnbounded<QueueEntry>(
        new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });

    private readonly Channel<bool> _spillRequests = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _flushLock = new();
    private readonly long _highWaterMark;
    private readonly long _wakeLimit;
    private readonly long _lightAllowance;
    private int _events;
    private long _read;
    private long _urgent;
    private long _urgentSeen;
    private long _wakeAt = long.MaxValue;
    private TaskCompletionSource? _wakeSignal;
    private int _spillRequested;
    private volatile bool _closed;
    private FlushRequest? _lastFlush;
    private long _writtenAtLastFlush;

    public TelemetryEventQueue(IOptions<TelemetryGatewayOptions> options)
    {
        var settings = options.Value;
        Capacity = settings.QueueCapacity;
        _highWaterMark = settings.Persistence.Directory is null ? 0 : Math.Max(1, (long)(Capacity * settings.Persistence.HighWaterMark));

        // The reader never waits for more than half of what the queue takes before refusing or spilling.
        _wakeLimit = Math.Max(1, (_highWaterMark > 0 ? Math.Min(Capacity, _highWaterMark) : Capacity) / 2);

        // A light event takes no more than a batch's share of its byte limit, so that light events fill a batch by count
        // before they fill it by bytes; any other wakes the reader on its own. The fixed part covers the id, timestamp,
        // numbers, message headers and the service version (up to 128 characters when unset).
        LightEventBytes = Math.Max(1, settings.MaxBatchBytes / Math.Max(1, settings.MaxBatchSize));
        _lightAllowance = LightEventBytes - 256 - (3 * (settings.ServiceVersion?.Length ?? 128));
    }

    /// <summary>Gets the largest encoded size an event may have without waking a waiting reader on its own.</summary>
    public int LightEventBytes { get; }

    public int Capacity { get; }

    /// <summary>Gets what became of the accepted events.</summary>
    public DeliveryCounts Counts { get; } = new();

    /// <summary>Gets the signals to spill queued events to disk (persistence only): one at a time until taken.</summary>
    public ChannelReader<bool> SpillRequests => _spillRequests.Reader;

    /// <summary>Gets a value indicating whether the queue takes no more events because the recorder stopped.</summary>
    public bool IsClosed => _closed;

    /// <summary>Gets a value indicating whether the queue is closed and every entry has been read.</summary>
    public bool IsClosedAndEmpty => _entries.Reader.Completion.IsCompleted;

    /// <summary>Gets the number of events waiting in the queue.</summary>
    public int Depth => Math.Max(0, Volatile.Read(ref _events));

    /// <summary>Gets a task that completes when the worker has stopped and settled every event it could.</summary>
    public Task Drained => _drained.Task;

    /// <summary>Queues an event unless the queue is full or closed; never waits.</summary>
    public bool TryEnqueue(PendingEvent pendingEvent)
    {
        var queued = Interlocked.Increment(ref _events);
        if (queued > Capacity)
        {
            Interlocked.Decrement(ref _events);
            return false;
        }

        if (!_entries.Writer.TryWrite(pendingEvent))
        {
            // Closed meanwhile.
            Interlocked.Decrement(ref _events);
            return false;
        }

        // Accepted once in the channel: a flush that sees the count changed knows the last request may be ahead of it,
        // and a reader waiting for a number of events knows when they are there. (The worker may settle the event
        // before this count; the snapshot's pending is then clamped at zero for that moment.)
        var written = Counts.Accept();
        if (pendingEvent.VariableBytesBound() > _lightAllowance)
        {
            WakeUrgently();
        }
        else if (written >= Volatile.Read(ref _wakeAt))
        {
            Volatile.Read(ref _wakeSignal)?.TrySetResult();
        }

        if (_highWaterMark > 0 && queued >= _highWaterMark)
        {
            RequestSpill();
        }

        return true;
    }

    /// <summary>
    /// Queues a flush request behind the events recorded so far. A flush that finds the last request still queued
    /// with no event written to the channel since shares it (it has the same events ahead of it), so that flush requests never
    /// outnumber the queued events by more than one, however many callers flush or give up waiting.
    /// </summary>
    /// <returns>The request to wait for, or <see langword="null"/> when the queue is closed.</returns>
    public FlushRequest? EnqueueFlush()
    {
        lock (_flushLock)
        {
            var written = Counts.Accepted;
            if (_lastFlush is { IsTaken: false } last && _writtenAtLastFlush == written)
            {
                return last;
            }

            var request = new FlushRequest();
            if (!_entries.Writer.TryWrite(request))
            {
                return null;
            }

            _lastFlush = request;
            _writtenAtLastFlush = written;
            WakeUrgently();
            return request;
        }
    }

    /// <summary>Takes the next entry, if one is queued.</summary>
    public bool TryRead([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out QueueEntry? entry)
    {
        if (!_entries.Reader.TryRead(out entry))
        {
            return false;
        }

        if (entry is FlushRequest flush)
        {
            flush.IsTaken = true;
        }
        else
        {
            Interlocked.Decrement(ref _events);
            Interlocked.Increment(ref _read);
        }

        return true;
    }

    /// <summary>
    /// For the worker while it has a batch open: a task that completes when <paramref name="events"/> more events than
    /// have been read are in the channel (at most half of what the queue takes), or sooner for a flush request, an event
    /// larger than <see cref="LightEventBytes"/>, or the close. The
    /// worker waits for what completes its batch instead of waking for every event. One wait at a time; end each with
    /// <see cref="StopWaiting"/>.
    /// </summary>
    /// <remarks>
    /// No wake-up is lost: a writer puts its entry in the channel, then (a full fence) reads what the reader waits for;
    /// the reader publishes what it waits for (a full fence), then reads the counts. Either the writer sees the reader
    /// waiting, or the reader sees the entry.
    /// </remarks>
    public Task WaitForEventsAsync(long events)
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _wakeSignal, signal);
        var target = Interlocked.Read(ref _read) + Math.Clamp(events, 1, _wakeLimit);
        Interlocked.Exchange(ref _wakeAt, target);
        var urgent = Interlocked.Read(ref _urgent);
        if (Counts.Accepted >= target || urgent != _urgentSeen || _closed)
        {
            signal.TrySetResult();
        }

        _urgentSeen = urgent;
        return signal.Task;
    }

    /// <summary>Ends the wait of <see cref="WaitForEventsAsync"/>: writers stop looking at it.</summary>
    public void StopWaiting()
    {
        Interlocked.Exchange(ref _wakeAt, long.MaxValue);
        Volatile.Write(ref _wakeSignal, null);
    }

    /// <summary>
    /// Waits until an entry can be read or the queue is closed and empty (then <see langword="false"/>); ended also by
    /// <paramref name="cancellationToken"/>.
    /// </summary>
    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => _entries.Reader.WaitToReadAsync(cancellationToken);

    /// <summary>Asks the spiller for a pass, unless one was asked for and not started yet.</summary>
    public void RequestSpill()
    {
        if (Interlocked.Exchange(ref _spillRequested, 1) == 0)
        {
            _spillRequests.Writer.TryWrite(true);
        }
    }

    /// <summary>Called by the spiller as it starts a pass: a request made from now on asks for another.</summary>
    public void TakeSpillRequest()
    {
        while (_spillRequests.Reader.TryRead(out _))
        {
        }

        Volatile.Write(ref _spillRequested, 0);
    }

    public void Close()
    {
        _closed = true;
        _entries.Writer.TryComplete();
        _spillRequests.Writer.TryComplete();
        WakeUrgently();
    }

    public void MarkDrained() => _drained.TrySetResult();

    /// <summary>Wakes a reader waiting for a number of events at once, and tells one about to wait not to.</summary>
    private void WakeUrgently()
    {
        Interlocked.Increment(ref _urgent);
        Volatile.Read(ref _wakeSignal)?.TrySetResult();
    }
}
