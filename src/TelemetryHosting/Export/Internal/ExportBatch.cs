using TelemetryHosting.Recording.Internal;

namespace TelemetryHosting.Export.Internal;

/// <summary>
/// The batch being built, oldest first, and the events the gateway left out, held apart until the retry delay has
/// passed (so that new events filling the batch do not make them go again at once). The worker's own state.
/// </summary>
internal sealed class ExportBatch(TelemetryGatewayOptions options, TimeProvider timeProvider)
{
    private readonly List<PendingEvent> _events = [];
    // Left-out events by when they may go again, oldest first: each settlement's own group, so that events left out
    // later never push back those held before them.
    private readonly Queue<(DateTimeOffset DueAt, List<PendingEvent> Events)> _retries = new();

    public int Count => _events.Count;

    public int Bytes { get; private set; }

    /// <summary>Gets when the batch is sent even if it is not full: its oldest event has waited the flush interval.</summary>
    public DateTimeOffset Deadline { get; private set; }

    /// <summary>Gets the sequence number of the last event taken; every event taken gets the next one.</summary>
    public long LastSequence { get; private set; }

    public bool HasRoom => _events.Count < options.MaxBatchSize && Bytes < options.MaxBatchBytes;

    /// <summary>
    /// Gets the fewest events that could fill the batch: by count, or by bytes if each were as large as a light event may
    /// be (<paramref name="lightEventBytes"/>); a larger one wakes the worker on its own.
    /// </summary>
    public long EventsToFill(int lightEventBytes)
    {
        long byCount = options.MaxBatchSize - _events.Count;
        long byBytes = ((long)options.MaxBatchBytes - Bytes + lightEventBytes - 1) / lightEventBytes;
        return Math.Max(1, Math.Min(byCount, byBytes));
    }

    /// <summary>Gets when the held-back events may be sent again, if any are held.</summary>
    public DateTimeOffset? RetryAt => _retries.TryPeek(out var next) ? next.DueAt : null;

    /// <summary>Gets the events in the batch and the held-back ones.</summary>
    public IEnumerable<PendingEvent> All => _events.Concat(_retries.SelectMany(group => group.Events));

    /// <summary>Gets the sequence number of the oldest event held here that is not on disk.</summary>
    public long OldestNotPersisted =>
        _retries.Aggregate(OldestNotPersistedIn(_events), (oldest, group) => Math.Min(oldest, OldestNotPersistedIn(group.Events)));

    /// <summary>Adds an event taken from the queue or read back from disk.</summary>
    public void Add(PendingEvent pending)
    {
        pending.Sequence = ++LastSequence;
        Append(pending);
    }

    /// <summary>Makes the batch go now (replayed events have waited long enough).</summary>
    public void SendSoon() => Deadline = timeProvider.GetUtcNow();

    /// <summary>Holds events the gateway left out until the retry delay has passed.</summary>
    public void HoldForRetry(List<PendingEvent> leftOut)
    {
        if (leftOut.Count == 0)
        {
            return;
        }

        _retries.Enqueue((timeProvider.GetUtcNow() + options.RetryDelay, leftOut));
    }

    /// <summary>Moves the held-back events into the batch once their delay has passed; they go with the next export.</summary>
    public void TakeDueRetries()
    {
        var now = timeProvider.GetUtcNow();
        if (!_retries.TryPeek(out var next) || now < next.DueAt)
        {
            return;
        }

        while (_retries.TryPeek(out next) && next.DueAt <= now)
        {
            foreach (var pending in _retries.Dequeue().Events)
            {
                Append(pending);
            }
        }

        // Older than what was filled meanwhile: the batch stays in sequence order.
        _events.Sort(static (a, b) => a.Sequence.CompareTo(b.Sequence));
        SendSoon();
    }

    /// <summary>Takes the events of one export: at most a batch (held-back events may have made it larger).</summary>
    public List<PendingEvent> TakeExport()
    {
        var count = 0;
        var bytes = 0;
        while (count < _events.Count && count < options.MaxBatchSize && bytes < options.MaxBatchBytes)
        {
            bytes += _events[count++].EncodedSize;
        }

        var export = _events.GetRange(0, count);
        _events.RemoveRange(0, count);
        Bytes -= bytes;
        return export;
    }

    /// <summary>Takes every event, sent or held back, for the final drain.</summary>
    public List<PendingEvent> TakeAll()
    {
        var all = All.ToList();
        _events.Clear();
        _retries.Clear();
        Bytes = 0;
        return all;
    }

    private static long OldestNotPersistedIn(List<PendingEvent> events)
    {
        foreach (var pending in events)
        {
            if (!pending.CountsAsPersisted)
            {
                return pending.Sequence;
            }
        }

        return long.MaxValue;
    }

    private void Append(PendingEvent pending)
    {
        if (_events.Count == 0)
        {
            Deadline = timeProvider.GetUtcNow() + options.FlushInterval;
        }

        _events.Add(pending);
        Bytes += pending.EncodedSize;
    }
}
