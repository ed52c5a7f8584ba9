namespace TelemetryHosting.Export.Internal;

/// <summary>
/// The worker's events not in flight: the batch being built, oldest first, and those an export ended without
/// delivering, held apart for <c>RetryDelay</c> (new events filling the batch do not make them go again sooner).
/// </summary>
internal sealed class ExportBatch(TelemetryGatewayOptions options, int maxCount, TimeProvider timeProvider)
{
    private readonly List<OutboundEvent> _events = [];

    // In the order they may go again: each is held for the same RetryDelay.
    private readonly Queue<OutboundEvent> _held = new();
    private long _deadline;
    private int _bytes;

    public int Count => _events.Count;

    public bool IsEmpty => _events.Count == 0 && _held.Count == 0;

    public bool HasRoom => _events.Count < maxCount && _bytes < options.MaxBatchBytes;

    /// <summary>Gets a value indicating whether the batch is full or its oldest event has waited the flush interval.</summary>
    public bool IsDue => !HasRoom || timeProvider.GetTimestamp() >= _deadline;

    public TimeSpan UntilDeadline => TimeSpan.FromSeconds((double)(_deadline - timeProvider.GetTimestamp()) / timeProvider.TimestampFrequency);

    public TimeSpan? UntilRetry => _held.TryPeek(out var next)
        ? TimeSpan.FromSeconds((double)(next.NotBefore - timeProvider.GetTimestamp()) / timeProvider.TimestampFrequency)
        : null;

    /// <summary>Gets a value indicating whether the batch, or the held events when <paramref name="held"/>, hold events only in memory.</summary>
    public bool HasInMemory(bool held) => held ? _held.Any(e => e.Segment is null) : _events.Exists(e => e.Segment is null);

    /// <summary>Gets the lowest sequence number in the batch, and of the held events too when <paramref name="held"/>.</summary>
    public long LowestSequence(bool held) => OutboundEvent.LowestSequence(held ? _events.Concat(_held) : _events);

    /// <summary>
    /// Gets the fewest events that could fill the batch: by count, or by bytes were each as large as a light event may be
    /// (<paramref name="lightEventBytes"/>); a larger one wakes the worker on its own.
    /// </summary>
    public long EventsToFill(int lightEventBytes)
    {
        long byCount = maxCount - _events.Count;
        long byBytes = ((long)options.MaxBatchBytes - _bytes + lightEventBytes - 1) / lightEventBytes;
        return Math.Max(1, Math.Min(byCount, byBytes));
    }

    public void Add(OutboundEvent outbound)
    {
        if (_events.Count == 0)
        {
            _deadline = timeProvider.GetTimestamp() + (long)(options.FlushInterval.TotalSeconds * timeProvider.TimestampFrequency);
        }

        _events.Add(outbound);
        _bytes += outbound.EncodedSize;
    }

    public void SendSoon() => _deadline = timeProvider.GetTimestamp();

    public void Hold(List<OutboundEvent> unsettled)
    {
        var notBefore = timeProvider.GetTimestamp() + (long)(options.RetryDelay.TotalSeconds * timeProvider.TimestampFrequency);
        foreach (var outbound in unsettled)
        {
            outbound.NotBefore = notBefore;
            _held.Enqueue(outbound);
        }
    }

    /// <summary>Moves the held events whose delay has passed into the batch, which then goes now.</summary>
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

    /// <summary>Takes every event, in the batch and held.</summary>
    public List<OutboundEvent> TakeAll()
    {
        List<OutboundEvent> all = [.. _events, .. _held];
        _events.Clear();
        _held.Clear();
        _bytes = 0;
        return all;
    }

    /// <summary>
    /// Takes the events only in memory, to be written to disk: from the batch, and from the held ones too when
    /// <paramref name="held"/>. Events read back from disk stay as they are, deadline and resend time included.
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
