using System.Threading.Channels;
using Microsoft.Extensions.Options;
using TelemetryHosting.Recording.Internal;

namespace TelemetryHosting.Export.Internal;

/// <summary>
/// The bounded queue between the telemetry recorder (many writers) and the export worker (its one reader): a channel
/// of events numbered as they are accepted. The bound counts the events that wait, in the channel or held by the worker
/// and neither sent nor settled (<c>Taken</c>, <c>Returned</c>): a full queue refuses at once, and nothing the worker
/// holds back lets memory grow past it.
/// </summary>
internal sealed class TelemetryEventQueue
{
    private readonly Channel<PendingEvent> _events = Channel.CreateUnbounded<PendingEvent>(
        new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });

    private readonly long _lightAllowance;
    private readonly long _highWaterMark;

    // The reader's alone: the numbers read past the unbroken run that ends at _readThrough.
    private readonly HashSet<long> _readAhead = [];
    private long _readThrough;
    private int _waiting;
    private long _lastSequence;
    private long _read;
    private long _urgent;
    private long _urgentSeen;
    private long _wakeAt = long.MaxValue;
    private TaskCompletionSource? _wakeSignal;
    private volatile bool _closed;

    public TelemetryEventQueue(IOptions<TelemetryGatewayOptions> options)
    {
        var settings = options.Value;
        Capacity = settings.QueueCapacity;
        _highWaterMark = settings.Persistence.Directory is null ? long.MaxValue : Math.Max(1, (long)(Capacity * settings.Persistence.HighWaterMark));

        // The reader never waits for more than half of what the queue takes before refusing or spilling.
        WakeLimit = (int)Math.Max(1, Math.Min(Capacity, _highWaterMark) / 2);

        // A light event takes no more than a batch's share of its byte limit, so that light events fill a batch by count
        // before they fill it by bytes; any other wakes the reader on its own. The fixed part covers the id, timestamp,
        // numbers, message headers and the service version (up to 128 characters when unset).
        LightEventBytes = Math.Max(1, settings.MaxBatchBytes / Math.Max(1, settings.MaxBatchSize));
        _lightAllowance = LightEventBytes - 256 - (3 * (settings.ServiceVersion?.Length ?? 128));
    }

    public int WakeLimit { get; }

    public long EventsRead => Interlocked.Read(ref _read);

    /// <summary>Gets the largest encoded size an event may have without waking a waiting reader on its own.</summary>
    public int LightEventBytes { get; }

    public int Capacity { get; }

    public DeliveryCounts Counts { get; } = new();

    public FlushMarks Flushes { get; } = new();

    public bool IsClosed => _closed;

    public bool IsClosedAndEmpty => _events.Reader.Completion.IsCompleted;

    /// <summary>Gets the number of events that wait: queued, or held by the worker and neither sent nor settled.</summary>
    public int Depth => Math.Max(0, Volatile.Read(ref _waiting));

    public bool IsAboveHighWaterMark => Depth >= _highWaterMark;

    public long LastSequence => Interlocked.Read(ref _lastSequence);

    /// <summary>Gets the sequence number up to which every event has been read (all of them once closed and empty).</summary>
    public long ReadThrough => IsClosedAndEmpty ? long.MaxValue : _readThrough;

    /// <summary>Queues an event unless the queue is full or closed; never waits.</summary>
    public bool TryEnqueue(PendingEvent pendingEvent)
    {
        var waiting = Interlocked.Increment(ref _waiting);
        if (waiting > Capacity)
        {
            Interlocked.Decrement(ref _waiting);
            return false;
        }

        // Numbered before it is written, so that a flush that reads the last number also waits for an event still on its
        // way into the channel; writers may reach the channel out of order, which ReadThrough allows for.
        pendingEvent.Sequence = Interlocked.Increment(ref _lastSequence);
        if (!_events.Writer.TryWrite(pendingEvent))
        {
            // Closed meanwhile: the worker's final drain ends every flush, so the unused number is never waited for.
            Interlocked.Decrement(ref _waiting);
            return false;
        }

        var accepted = Counts.Accept();
        if (waiting >= _highWaterMark || pendingEvent.VariableBytesBound() > _lightAllowance)
        {
            WakeUrgently();
        }
        else if (accepted >= Volatile.Read(ref _wakeAt))
        {
            Volatile.Read(ref _wakeSignal)?.TrySetResult();
        }

        return true;
    }

    /// <summary>Waits until the events accepted so far are settled; at once when no worker runs.</summary>
    public Task FlushAsync()
    {
        var flush = Flushes.Add(LastSequence);
        WakeUrgently();
        return flush;
    }

    /// <summary>Takes the next event, if one is queued; it still waits until <c>Taken</c>.</summary>
    public bool TryRead([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PendingEvent? pendingEvent)
    {
        if (!_events.Reader.TryRead(out pendingEvent))
        {
            return false;
        }

        Interlocked.Increment(ref _read);
        if (pendingEvent.Sequence != _readThrough + 1)
        {
            _readAhead.Add(pendingEvent.Sequence);
            return true;
        }

        _readThrough = pendingEvent.Sequence;
        while (_readAhead.Remove(_readThrough + 1))
        {
            _readThrough++;
        }

        return true;
    }

    /// <summary>Events the worker holds stopped waiting: sent, settled, or written to disk.</summary>
    public void Taken(int count) => Interlocked.Add(ref _waiting, -count);

    /// <summary>Those read back from disk (sequence 0) never waited in the queue.</summary>
    public void Taken(IEnumerable<OutboundEvent> events) => Taken(events.Count(e => e.Sequence > 0));

    /// <summary>Events sent wait again: an export ended without delivering them.</summary>
    public void Returned(int count) => Interlocked.Add(ref _waiting, count);

    public void Returned(IEnumerable<OutboundEvent> events) => Returned(events.Count(e => e.Sequence > 0));

    /// <summary>
    /// Completes once <paramref name="events"/> more events than read (1 to <see cref="WakeLimit"/>; null: none) are in
    /// the channel, or sooner, each once, for a flush, an event above <see cref="LightEventBytes"/>, the high-water mark
    /// or the close. One wait at a time, ended by <see cref="StopWaiting"/>.
    /// </summary>
    /// <remarks>
    /// No wake-up is lost: a writer puts its event in the channel, then (a full fence) reads what the reader waits for;
    /// the reader publishes what it waits for (a full fence), then reads the counts: one of them sees the other.
    /// </remarks>
    public Task WaitForEventsAsync(long? events)
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _wakeSignal, signal);
        var target = events is { } count ? Interlocked.Read(ref _read) + Math.Clamp(count, 1, WakeLimit) : long.MaxValue;
        Interlocked.Exchange(ref _wakeAt, target);
        var urgent = Interlocked.Read(ref _urgent);
        if (Counts.Accepted >= target || urgent != _urgentSeen)
        {
            signal.TrySetResult();
        }

        _urgentSeen = urgent;
        return signal.Task;
    }

    public void StopWaiting()
    {
        Interlocked.Exchange(ref _wakeAt, long.MaxValue);
        Volatile.Write(ref _wakeSignal, null);
    }

    public void Close()
    {
        _closed = true;
        _events.Writer.TryComplete();
        WakeUrgently();
    }

    /// <summary>Wakes a reader waiting for a number of events at once, and tells one about to wait not to.</summary>
    private void WakeUrgently()
    {
        Interlocked.Increment(ref _urgent);
        Volatile.Read(ref _wakeSignal)?.TrySetResult();
    }
}
