using Microsoft.Extensions.Logging;
using TelemetryHosting.Diagnostics.Internal;
using TelemetryHosting.Export.Internal;

namespace TelemetryHosting.Persistence.Internal;

/// <summary>
/// The worker's disk (persistence only): writes the events the worker hands it in segment files of at most a batch, and
/// reads segments back, one at a time, while the gateway is healthy. It never reads the queue: the worker is the queue's
/// one reader, decides when to spill, and calls this one step at a time (its loop, then its final drain).
/// A segment is written to a temporary file, flushed to disk and renamed, so a crash leaves the whole segment or none of
/// it (a temporary file that checks out is promoted at the next start, in case the rename itself was lost). A file that
/// does not check out is moved aside to <c>corrupt/</c>, counted, and never replayed; no file can stop the others.
/// </summary>
internal sealed partial class SpillStage
{
    private const string Extension = ".tseg";
    private const string Temporary = ".tmp";
    private const int MaxCorruptFilesKept = 100;

    private readonly TelemetryGatewayOptions _options;
    private readonly string _directory;
    private readonly TimeProvider _timeProvider;
    private readonly TelemetryEventQueue _queue;
    private readonly DeliveryCounts _counts;
    private readonly TelemetryHostingMetrics _metrics;
    private readonly ILogger _logger;
    private readonly HashSet<string> _undeletable = new(StringComparer.Ordinal);
    private readonly UnixFileStatus? _directoryAtStart;
    private SpillSegment? _replaying;
    private bool _mayHaveSegments = true;
    private long? _failedAt;
    private long? _replayRefusedAt;

    public SpillStage(
        TelemetryGatewayOptions options, TimeProvider timeProvider, TelemetryEventQueue queue, DeliveryCounts counts, TelemetryHostingMetrics metrics, ILogger logger)
    {
        _options = options;
        _timeProvider = timeProvider;
        _queue = queue;
        _counts = counts;
        _metrics = metrics;
        _logger = logger;
        var directory = Path.GetFullPath(options.Persistence.Directory!);
        SpillFiles.CreateOwnerOnlyDirectory(directory);

        // From here on the directory is used by a path through no link, and checked against what it is now before
        // each write and each replay pass.
        _directory = SpillFiles.RefuseUnsafeParents(directory);
        _directoryAtStart = UnixFileStatus.Of(_directory);
        SpillFiles.Prune(CorruptDirectory, MaxCorruptFilesKept, (timeProvider.GetUtcNow() - _options.Persistence.MaxAge).UtcDateTime);
        RecoverTemporaryFiles();

        // Events a previous run left on disk are this recorder's to deliver: they count as accepted and persisted.
        counts.Recovered(SegmentPaths().Sum(SpillSegmentFormat.ReadCount));
        metrics.ObserveSpill(() => SegmentPaths().Count(), CurrentBytes);
    }

    /// <summary>
    /// Gets a value indicating whether a write may be tried now: not within <c>MaxRetryDelay</c> of one that failed (a
    /// full or read-only disk is not tried again for every event).
    /// </summary>
    public bool MayWrite => UntilMayWrite <= TimeSpan.Zero;

    /// <summary>Gets how long until a write may be tried again (zero or less: now).</summary>
    public TimeSpan UntilMayWrite => _failedAt is { } failedAt ? _options.MaxRetryDelay - _timeProvider.GetElapsedTime(failedAt) : TimeSpan.Zero;

    /// <summary>Gets how long ago the last write failed (none failed since the last that succeeded: null).</summary>
    public TimeSpan? SinceFailedWrite => _failedAt is { } failedAt ? _timeProvider.GetElapsedTime(failedAt) : null;

    /// <summary>
    /// Writes the events in segments of at most a batch, and returns those not written (the disk is full, or at
    /// <c>MaxBytes</c>): they stay in memory. At stop every segment is tried, and the caller drops what fails.
    /// </summary>
    public List<OutboundEvent> Write(List<OutboundEvent> events, bool atStop = false)
    {
        var notWritten = new List<OutboundEvent>();
        foreach (var segment in Segments(events))
        {
            if (MayWrite || atStop)
            {
                if (TryWrite(segment, replacing: false) is { } failure)
                {
                    _failedAt = _timeProvider.GetTimestamp();
                    if (atStop)
                    {
                        Log.SpillFailed(_logger, segment.Count, failure);
                    }
                    else
                    {
                        Log.SpillKeptInMemory(_logger, segment.Count, failure);
                    }
                }
                else
                {
                    _failedAt = null;
                    _mayHaveSegments = true;

                    // No longer waiting, then persisted: the queue's bound never counts an event the counts call settled.
                    _queue.Taken(segment);
                    _counts.Persisted(segment.Count);
                    _metrics.Spilled(segment.Count);
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
            if (group.Key.Unsettled < group.Key.EventCount && TryWrite([.. group], replacing: true) is null)
            {
                Delete(group.Key.Path);
            }
        }

        var notWritten = Write(events.FindAll(e => e.Segment is null), atStop: true);
        if (notWritten.Count > 0)
        {
            _queue.Taken(notWritten);
            _counts.Failed(notWritten.Count);
            _metrics.Dropped(DropReason.DiskFull, notWritten.Count);
        }
    }

    /// <summary>
    /// Reads the oldest good segment into <paramref name="batch"/>, unless one is being delivered already. Its events stay
    /// on disk, and count as persisted, until each is settled.
    /// </summary>
    public void Replay(ExportBatch batch)
    {
        if (!_mayHaveSegments || _replaying is not null ||
            (_replayRefusedAt is { } refusedAt && _timeProvider.GetElapsedTime(refusedAt) < _options.MaxRetryDelay))
        {
            return;
        }

        // Another directory in its place could hold events of someone else's, which would be sent with this service's token.
        if (SpillFiles.DirectoryChanged(_directory, _directoryAtStart) is { } problem)
        {
            _replayRefusedAt = _timeProvider.GetTimestamp();
            Log.ReplayPaused(_logger, problem, _options.MaxRetryDelay);
            return;
        }

        _replayRefusedAt = null;

        foreach (var path in SegmentPaths().Order(StringComparer.Ordinal).Where(path => !_undeletable.Contains(path)))
        {
            if (Read(path) is not (var segment, var messages))
            {
                continue;
            }

            _replaying = segment;
            foreach (var message in messages)
            {
                batch.Add(OutboundEvent.FromDisk(message, segment));
            }

            _metrics.Replayed(messages.Count);

            // Replayed events have waited long enough.
            batch.SendSoon();
            return;
        }

        _mayHaveSegments = false;
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

        _counts.Replayed(1);
        if (--segment.Unsettled == 0)
        {
            Delete(segment.Path);
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
            if (segment.Count > 0 && (segment.Count == _options.MaxBatchSize || bytes + outbound.EncodedSize > _options.MaxBatchBytes))
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
