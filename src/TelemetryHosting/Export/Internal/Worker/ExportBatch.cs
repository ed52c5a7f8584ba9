namespace TelemetryHosting.Export.Internal;

/// <summary>
/// The events the worker holds that are not in flight: the batch being built, oldest first, and the events an export
/// ended without delivering, held apart until <c>RetryDelay</c> has passed (so that new events filling the batch do not
/// make them go again at once). The worker's own state; all times on the monotonic clock.
/// </summary>
/// <param name="options">The batch's byte limit, flush interval and retry delay.</param>
/// <param name="maxCount">
/// The most events in a batch: <c>MaxBatchSize</c>, or fewer when the queue refuses events sooner (the events in the
/// batch still wait in it), so that a batch can always fill.
/// </param>
/// <param name="timeProvider">The monotonic clock.</param>
internal sealed class ExportBatch(TelemetryGatewayOptions options, int maxCount, TimeProvider timeProvider)
{
    private readonly List<OutboundEvent> _events = [];

    // In the order they may go again: each is held for the same RetryDelay.
    private readonly Queue<OutboundEvent> _held = new();
    private long _deadline;
    private int _bytes;

    public int Count => _events.Count;

    public bool IsEmpty => _events.Count == 0 && _held.Count == 0;

    /// <summary>Gets how many events are held for a resend.</summary>
    public int HeldCount => _held.Count;

    public bool HasRoom => _events.Count < maxCount && _bytes < options.MaxBatchBytes;

    /// <summary>Gets how long until the batch is sent even if it is not full: its oldest event has waited the flush interval.</summary>
    public TimeSpan UntilDeadline => TimeSpan.FromSeconds((double)(_deadline - timeProvider.GetTimestamp()) / timeProvider.TimestampFrequency);

    /// <summary>Gets how long until held events may go again, if any are held.</summary>
    public TimeSpan? UntilRetry => _held.TryPeek(out var next)
        ? TimeSpan.FromSeconds((double)(next.NotBefore - timeProvider.GetTimestamp()) / timeProvider.TimestampFrequency)
        : null;

    /// <summary>The lowest sequence number in the batch, and among the held events when <paramref name="held"/>.</summary>
    /// <returns><see langword="long.MaxValue"/> when there is none.</returns>
    public long LowestSequence(bool held) => OutboundEvent.LowestSequence(held ? _events.Concat(_held) : _events);

    /// <summary>
    /// Gets the fewest events that could fill the batch: by count, or by bytes if each were as large as a light event may
    /// be (<paramref name="lightEventBytes"/>); a larger one wakes the worker on its own.
    /// </summary>
    public long EventsToFill(int lightEventBytes)
    {
        long byCount = maxCount - _events.Count;
        long byBytes = ((long)options.MaxBatchBytes - _bytes + lightEventBytes - 1) / lightEventBytes;
        return Math.Max(1, Math.Min(byCount, byBytes));
    }

    /// <summary>Adds an event taken from the queue, read back from disk, or kept in memory (a spill that failed).</summary>
    public void Add(OutboundEvent outbound)
    {
        if (_events.Count == 0)
        {
            _deadline = timeProvider.GetTimestamp() + (long)(options.FlushInterval.TotalSeconds * timeProvider.TimestampFrequency);
        }

        _events.Add(outbound);
        _bytes += outbound.EncodedSize;
    }

    /// <summary>Makes the batch go now (replayed events have waited long enough).</summary>
    public void SendSoon() => _deadline = timeProvider.GetTimestamp();

    /// <summary>Holds events an export ended without delivering until the retry delay has passed.</summary>
    public void Hold(List<OutboundEvent> unsettled)
    {
        var notBefore = timeProvider.GetTimestamp() + (long)(options.RetryDelay.TotalSeconds * timeProvider.TimestampFrequency);
        foreach (var outbound in unsettled)
        {
            outbound.NotBefore = notBefore;
            _held.Enqueue(outbound);
        }
    }

    /// <summary>Moves the held events whose delay has passed into the batch, and makes it go now.</summary>
    public void TakeDueRetries()
    {
        var now = timeProvider.GetTimestamp();
        var held = _held.Count;
        while (_held.TryPeek(out var next) && next.NotBefore <= now)
        {
            Add(_held.Dequeue());
        }

        if (_held.Count < held)
        {
            SendSoon();
        }
    }

    /// <summary>Whether the batch should go now: full, or its deadline passed.</summary>
    public bool IsDue => !HasRoom || timeProvider.GetTimestamp() >= _deadline;

    /// <summary>Takes the events of one export: at most a batch, by count and bytes (the batch may hold more).</summary>
    public List<OutboundEvent> TakeExport()
    {
        var count = 0;
        var bytes = 0;
        while (count < _events.Count && count < maxCount && bytes < options.MaxBatchBytes)
        {
            bytes += _events[count++].EncodedSize;
        }

        var export = _events.GetRange(0, count);
        _events.RemoveRange(0, count);
        _bytes -= bytes;
        return export;
    }

    /// <summary>Takes every event, in the batch and held, for the final drain.</summary>
    public List<OutboundEvent> TakeAll()
    {
        List<OutboundEvent> all = [.. _events, .. _held];
        _events.Clear();
        _held.Clear();
        _bytes = 0;
        return all;
    }

    /// <summary>
    /// Takes the events only in memory (not read back from disk), from the batch being built, and from the held ones
    /// too when <paramref name="held"/>: to be written to disk. Events read back from disk stay as they are, deadline
    /// and resend time included.
    /// </summary>
    public List<OutboundEvent> TakeInMemory(bool held)
    {
        var taken = _events.FindAll(e => e.Segment is null);
        _events.RemoveAll(e => e.Segment is null);
        _bytes = _events.Sum(e => e.EncodedSize);
        if (held)
        {
            taken.AddRange(_held.Where(e => e.Segment is null));
            var onDisk = _held.Where(e => e.Segment is not null).ToList();
            _held.Clear();
            onDisk.ForEach(_held.Enqueue);
        }

        return taken;
    }
}
