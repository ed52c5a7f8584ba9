using Microsoft.Extensions.Logging;
using TelemetryHosting.Diagnostics.Internal;
using TelemetryHosting.Export.Internal;

namespace TelemetryHosting.Persistence.Internal;

/// <summary>
/// The worker's disk (persistence only): writes the events the worker hands it in segments of at most a batch, and
/// reads segments back, one at a time, while the gateway is healthy. It reads nothing from the queue itself: the worker
/// is the queue's one reader, and decides when to spill.
/// </summary>
internal sealed class SpillStage(
    TelemetryGatewayOptions options,
    TimeProvider timeProvider,
    TelemetryEventQueue queue,
    DeliveryCounts counts,
    TelemetryHostingMetrics metrics,
    ILogger logger)
{
    private readonly SpillStore _store = new(options.Persistence, timeProvider, counts, metrics, logger);
    private SpillSegment? _replaying;
    private bool _mayHaveSegments = true;
    private long _failedAt;
    private bool _failed;

    /// <summary>
    /// Gets a value indicating whether a write may be tried now: not within <c>MaxRetryDelay</c> of one that failed (a
    /// full or read-only disk is not tried again for every event).
    /// </summary>
    public bool MayWrite => !_failed || timeProvider.GetElapsedTime(_failedAt) >= options.MaxRetryDelay;

    /// <summary>
    /// Writes the events in segments of at most a batch and counts those written as persisted (and no longer waiting).
    /// </summary>
    /// <returns>The events not written (the disk is full, or at <c>MaxBytes</c>): they stay in memory.</returns>
    /// <param name="events">The events, encoded.</param>
    /// <param name="atStop">Whether this is the last write (every segment is tried; what fails is dropped by the caller).</param>
    public List<OutboundEvent> Write(List<OutboundEvent> events, bool atStop = false)
    {
        var notWritten = new List<OutboundEvent>();
        foreach (var segment in Segments(events))
        {
            if (MayWrite || atStop)
            {
                if (_store.TryWrite(segment) is { } failure)
                {
                    _failed = true;
                    _failedAt = timeProvider.GetTimestamp();
                    if (atStop)
                    {
                        Log.SpillFailed(logger, segment.Count, failure);
                    }
                    else
                    {
                        Log.SpillKeptInMemory(logger, segment.Count, failure);
                    }
                }
                else
                {
                    _failed = false;
                    _mayHaveSegments = true;

                    // No longer waiting, then persisted: the queue's bound never counts an event the counts call settled.
                    queue.Taken(segment);
                    counts.Persisted(segment.Count);
                    metrics.Spilled(segment.Count);
                    continue;
                }
            }

            notWritten.AddRange(segment);
        }

        return notWritten;
    }

    /// <summary>Writes what is left at stop; what cannot be written is counted as dropped with reason <c>disk_full</c>.</summary>
    public void WriteOrDrop(List<OutboundEvent> events)
    {

        // Events read back from a segment are still in it, unless some of its events were settled meanwhile: the file is
        // then rewritten with the others only, so that the next start does not send settled events again. If the
        // rewrite fails, the old file stays (sent twice beats lost).
        foreach (var group in events.Where(e => e.Segment is not null).GroupBy(e => e.Segment!))
        {
            if (group.Key.Unsettled < group.Key.EventCount && _store.TryWrite([.. group], replacing: group.Key) is null)
            {
                _store.Delete(group.Key);
            }
        }

        var notWritten = Write(events.FindAll(e => e.Segment is null), atStop: true);
        if (notWritten.Count > 0)
        {
            queue.Taken(notWritten);
            counts.Failed(notWritten.Count);
            metrics.Dropped(DropReason.DiskFull, notWritten.Count);
        }
    }

    /// <summary>
    /// Reads the oldest segment into <paramref name="batch"/>, unless one is being delivered already. Its events stay
    /// on disk, and count as persisted, until each is settled.
    /// </summary>
    public void Replay(ExportBatch batch)
    {
        if (!_mayHaveSegments || _replaying is not null)
        {
            return;
        }

        if (_store.TryReadOldest() is not (var segment, var messages))
        {
            _mayHaveSegments = false;
            return;
        }

        _replaying = segment;
        foreach (var message in messages)
        {
            batch.Add(OutboundEvent.FromDisk(message, segment));
        }

        metrics.Replayed(messages.Count);

        // Replayed events have waited long enough.
        batch.SendSoon();
    }

    /// <summary>
    /// An event read back from disk was delivered or given up: it no longer counts as persisted, and its segment is
    /// deleted once its last event is settled.
    /// </summary>
    public void OnSettled(OutboundEvent outbound)
    {
        if (outbound.Segment is not { } segment)
        {
            return;
        }

        counts.Replayed(1);
        if (--segment.Unsettled == 0)
        {
            _store.Delete(segment);
            if (segment == _replaying)
            {
                _replaying = null;
            }
        }
    }

    private IEnumerable<List<OutboundEvent>> Segments(List<OutboundEvent> events)
    {
        var segment = new List<OutboundEvent>();
        long bytes = 0;
        foreach (var outbound in events)
        {
            if (segment.Count > 0 && (segment.Count == options.MaxBatchSize || bytes + outbound.EncodedSize > options.MaxBatchBytes))
            {
                yield return segment;
                segment = [];
                bytes = 0;
            }

            segment.Add(outbound);
            bytes += outbound.EncodedSize;
        }

        if (segment.Count > 0)
        {
            yield return segment;
        }
    }
}
