namespace TelemetryHosting.Export.Internal;

/// <summary>
/// The worker's side of the queue: takes events and encodes them (one that cannot be encoded is counted as invalid
/// there), and knows up to which sequence number every event has been read, which flushes wait on.
/// </summary>
internal sealed class QueueReader(TelemetryEventQueue queue, EventPreparer preparer)
{
    private readonly HashSet<long> _readAhead = [];
    private long _readThrough;

    /// <summary>Gets the sequence number up to which every event has been read (all of them once the queue is closed and empty).</summary>
    public long ReadThrough => queue.IsClosedAndEmpty ? long.MaxValue : _readThrough;

    /// <summary>Reads and encodes the next queued event that can be sent.</summary>
    public OutboundEvent? ReadOne()
    {
        while (queue.TryRead(out var pending))
        {
            MarkRead(pending.Sequence);
            if (preparer.TryPrepare(pending) is { } outbound)
            {
                return outbound;
            }

            queue.Taken(1);
        }

        return null;
    }

    public List<OutboundEvent> ReadAll()
    {
        var all = new List<OutboundEvent>();
        while (ReadOne() is { } outbound)
        {
            all.Add(outbound);
        }

        return all;
    }

    /// <summary>Writers reach the channel out of order now and then: the watermark moves over an unbroken run only.</summary>
    private void MarkRead(long sequence)
    {
        if (sequence != _readThrough + 1)
        {
            _readAhead.Add(sequence);
            return;
        }

        _readThrough = sequence;
        while (_readAhead.Remove(_readThrough + 1))
        {
            _readThrough++;
        }
    }
}
