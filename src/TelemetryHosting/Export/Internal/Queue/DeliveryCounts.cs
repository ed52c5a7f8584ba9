namespace TelemetryHosting.Export.Internal;

/// <summary>What became of the accepted events, for flush results and metrics: delivered, failed, persisted, pending.</summary>
internal sealed class DeliveryCounts
{
    private long _accepted;
    private long _recovered;
    private long _delivered;
    private long _failed;
    private long _persisted;

    /// <summary>Gets the events accepted by <c>Record</c>, not those recovered from disk (the events.recorded counter).</summary>
    public long Accepted => Interlocked.Read(ref _accepted);

    /// <returns>The number of events accepted so far.</returns>
    public long Accept() => Interlocked.Increment(ref _accepted);

    public void Delivered(long count) => Interlocked.Add(ref _delivered, count);

    public void Failed(long count) => Interlocked.Add(ref _failed, count);

    /// <summary>Counts events moved from memory to disk.</summary>
    public void Persisted(long count) => Interlocked.Add(ref _persisted, count);

    /// <summary>Counts events on disk that were settled: no longer persisted.</summary>
    public void Replayed(long count) => Interlocked.Add(ref _persisted, -count);

    /// <summary>Counts events a previous run left on disk: this recorder's to deliver, and persisted.</summary>
    public void Recovered(long count)
    {
        Interlocked.Add(ref _recovered, count);
        Interlocked.Add(ref _persisted, count);
    }

    public TelemetryFlushResult Snapshot()
    {
        // An event is counted as accepted just after it enters the queue, so the worker may settle it a moment before:
        // pending is clamped at zero for that moment.
        var delivered = Interlocked.Read(ref _delivered);
        var failed = Interlocked.Read(ref _failed);
        var persisted = Interlocked.Read(ref _persisted);
        var pending = Interlocked.Read(ref _accepted) + Interlocked.Read(ref _recovered) - delivered - failed - persisted;
        return new TelemetryFlushResult(delivered, failed, Math.Max(0, pending)) { Persisted = persisted };
    }
}
