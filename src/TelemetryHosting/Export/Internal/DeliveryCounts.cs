namespace TelemetryHosting.Export.Internal;

/// <summary>
/// What became of the events this recorder accepted: delivered, failed (dropped with a reason), persisted to disk,
/// or still pending. Flush results report them; every change goes through one of these methods.
/// </summary>
internal sealed class DeliveryCounts
{
    private readonly Lock _recordedLock = new();
    private long _accepted;
    private long _recovered;
    private long _delivered;
    private long _failed;
    private long _persisted;
    private long _recordedObserved;

    /// <summary>Gets the number of events accepted by <c>Record</c> so far.</summary>
    public long Accepted => Interlocked.Read(ref _accepted);

    /// <summary>Counts an event accepted into the queue (or, with a negative count, one the queue then refused).</summary>
    public void Accept(long count = 1) => Interlocked.Add(ref _accepted, count);

    public void Delivered(long count) => Interlocked.Add(ref _delivered, count);

    public void Failed(long count) => Interlocked.Add(ref _failed, count);

    /// <summary>Counts events moved from memory to disk.</summary>
    public void Persisted(long count) => Interlocked.Add(ref _persisted, count);

    /// <summary>Counts events read back from disk (or settled there): they are no longer persisted.</summary>
    public void Replayed(long count) => Interlocked.Add(ref _persisted, -count);

    /// <summary>Counts events a previous run left on disk: this recorder's to deliver, and persisted.</summary>
    public void Recovered(long count)
    {
        Interlocked.Add(ref _recovered, count);
        Interlocked.Add(ref _persisted, count);
    }

    public TelemetryFlushResult Snapshot()
    {
        // Settled counts are read before the accepted ones: an event accepted and settled meanwhile is then counted
        // as pending for a moment, never as less than nothing.
        var delivered = Interlocked.Read(ref _delivered);
        var failed = Interlocked.Read(ref _failed);
        var persisted = Interlocked.Read(ref _persisted);
        var pending = Interlocked.Read(ref _accepted) + Interlocked.Read(ref _recovered) - delivered - failed - persisted;
        return new TelemetryFlushResult(delivered, failed, Math.Max(0, pending)) { Persisted = persisted };
    }

    /// <summary>
    /// Gets the number of events this recorder has accepted (not those recovered from disk), for the
    /// <c>telemetryhosting.events.recorded</c> counter, which must never decrease: an event the queue refused after
    /// counting it is taken back, so the highest value reported so far is kept.
    /// </summary>
    public long RecordedTotal()
    {
        lock (_recordedLock)
        {
            _recordedObserved = Math.Max(_recordedObserved, Accepted);
            return _recordedObserved;
        }
    }
}
