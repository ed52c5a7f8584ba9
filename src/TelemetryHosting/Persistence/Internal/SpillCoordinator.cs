using System.Collections.Concurrent;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using TelemetryHosting.Diagnostics.Internal;
using TelemetryHosting.Export.Internal;
using TelemetryHosting.Recording.Internal;
using TelemetryHosting.Resilience.Internal;

namespace TelemetryHosting.Persistence.Internal;

/// <summary>
/// The worker's disk (persistence only): spills the queue when it runs high or an outage lasts, journals the events
/// being retried through an outage, replays segments while traffic goes on, and writes what is left at stop.
/// </summary>
/// <remarks>
/// The spiller reads the queue while the worker is busy exporting, so the two take turns through a gate; a flush
/// request the spiller meets is handed to the worker, which it wakes.
/// </remarks>
internal sealed class SpillCoordinator : IDisposable
{
    private readonly SpillStore _store;
    private readonly TelemetryEventQueue _queue;
    private readonly EventPreparer _preparer;
    private readonly ExportHealth _health;
    private readonly TelemetryHostingMetrics _metrics;
    private readonly TelemetryGatewayOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _readerGate = new(1, 1);
    private readonly ConcurrentQueue<FlushRequest> _handedOver = new();
    // Segments whose events are in memory (replayed, or journaled during an outage): never read again meanwhile.
    private readonly HashSet<string> _inMemory = new(StringComparer.Ordinal);
    private SpillSegment? _replaying;
    private TaskCompletionSource _wake = NewSignal();
    private TaskCompletionSource _outage = NewSignal();
    private volatile bool _mayHaveSegments = true;
    private Task? _spilling;

    public SpillCoordinator(
        TelemetryGatewayOptions options,
        TimeProvider timeProvider,
        TelemetryEventQueue queue,
        EventPreparer preparer,
        ExportHealth health,
        TelemetryHostingMetrics metrics,
        ILogger logger)
    {
        _options = options;
        _queue = queue;
        _preparer = preparer;
        _health = health;
        _metrics = metrics;
        _logger = logger;
        _store = new SpillStore(options.Persistence, timeProvider, queue.Counts, metrics, logger);
        _health.AttemptFailed += OnAttemptFailed;
    }

    /// <summary>Raised when an attempt fails after the queue closed: rather than retry until the host's timeout, stop and write what is left.</summary>
    public event Action? StopRequested;

    /// <summary>Gets a task that completes when the spiller has handed flush requests or segments to the worker.</summary>
    public Task Woken => Volatile.Read(ref _wake).Task;

    public void Start() => _spilling ??= Task.Run(SpillOnRequestAsync, CancellationToken.None);

    /// <summary>Takes the reader gate (bounded by the spiller's pass, which only reads the queue and writes files).</summary>
    public Task EnterReaderAsync() => _readerGate.WaitAsync();

    public void ExitReader() => _readerGate.Release();

    /// <summary>Takes the flush requests the spiller met; whatever was queued ahead of them is on disk.</summary>
    public void TakeHandedOver(PendingFlushes flushes, long lastSequence)
    {
        if (Volatile.Read(ref _wake).Task.IsCompleted)
        {
            Volatile.Write(ref _wake, NewSignal());
        }

        while (_handedOver.TryDequeue(out var request))
        {
            flushes.Add(request, lastSequence);
        }
    }

    /// <summary>
    /// Adds the oldest segment not in memory yet to the batch, while the gateway is healthy and no replayed segment
    /// is still being delivered (one segment in memory at a time); queued events go on being sent beside it.
    /// </summary>
    public void Replay(ExportBatch batch)
    {
        if (!_mayHaveSegments || _health.FailingSince is not null || _queue.IsClosed || _replaying is not null || !batch.HasRoom)
        {
            return;
        }

        if (_store.TryReadOldest(_inMemory) is not (var segment, var events))
        {
            _mayHaveSegments = false;
            return;
        }

        _inMemory.Add(segment.Path);
        _replaying = segment;
        foreach (var message in events)
        {
            batch.Add(new PendingEvent
            {
                Id = Guid.TryParse(message.Id, out var id) ? id : Guid.Empty,
                Timestamp = message.Timestamp?.ToDateTimeOffset() ?? default,
                Feature = message.Feature,
                Action = message.Action,
                Message = message,
                Encoded = message.ToByteArray(),
                Segment = segment,
            });
        }

        _queue.Counts.Replayed(events.Count);
        _metrics.Replayed(events.Count);

        // Replayed events have waited long enough.
        batch.SendSoon();
    }

    /// <summary>Deletes an event's segment once its last event is settled.</summary>
    public void OnSettled(PendingEvent pending)
    {
        if (pending.Segment is { } segment && --segment.Unsettled == 0)
        {
            _store.Delete(segment);
            _inMemory.Remove(segment.Path);
            if (segment == _replaying)
            {
                _replaying = null;
            }
        }
    }

    /// <summary>A task that completes at the next failed attempt once the outage has lasted <c>SpillAfter</c>.</summary>
    public Task NextOutageSignal()
    {
        var signal = Volatile.Read(ref _outage);
        if (signal.Task.IsCompleted)
        {
            signal = NewSignal();
            Volatile.Write(ref _outage, signal);
        }

        return signal.Task;
    }

    /// <summary>
    /// Once an outage has lasted <c>SpillAfter</c>, writes the events still being retried (in flight, or held in the
    /// batch) to disk, as the spiller writes the queue, so that a crash during the outage loses none of them. They stay
    /// in memory and count as persisted (a flush does not wait for them); the file is deleted once all of them are
    /// settled, and at stop the ones not delivered stay there. If the process dies first, the next start delivers the
    /// file again (with the same ids: events the gateway had acknowledged meanwhile arrive twice, which its consumers
    /// de-duplicate).
    /// </summary>
    public async Task JournalAsync(ExportsInFlight exports, ExportBatch batch)
    {
        if (_queue.IsClosed || _health.FailingSince is null || _health.FailingFor < _options.Persistence.SpillAfter)
        {
            return;
        }

        foreach (var export in exports.All)
        {
            if (export.Journaled || export.Task.IsCompleted)
            {
                continue;
            }

            // Once, whether or not the write succeeds: a full disk is not retried at every attempt.
            export.Journaled = true;
            await JournalAsync(export.Events).ConfigureAwait(false);
        }

        var held = batch.All.Where(e => !e.CountsAsPersisted).ToList();
        if (held.Count > 0)
        {
            await JournalAsync(held).ConfigureAwait(false);
        }
    }

    /// <summary>Waits for the spiller's last pass (the queue is closed), then writes what is left to disk.</summary>
    /// <param name="left">Events the worker held, all encoded.</param>
    public async Task PersistAsync(List<PendingEvent> left)
    {
        if (_spilling is not null)
        {
            // Bounded: its pass reads the closed queue to the end and writes files.
            await _spilling.ConfigureAwait(false);
        }

        // Events still in their segment file (replayed, or journaled during an outage) stay there, unless some of the
        // file's events were settled meanwhile: the file is then rewritten with the others only, so that the next
        // start does not send settled events again. If the rewrite fails, the old file stays (sent twice beats lost).
        foreach (var group in left.Where(e => e.Segment is not null).GroupBy(e => e.Segment!).ToList())
        {
            var segment = group.Key;
            if (segment.Unsettled != segment.EventCount
                && _store.TryWrite([.. group], out var rewritten, recordedAt: group.Min(e => e.Timestamp)) is null)
            {
                _store.Delete(segment);
                foreach (var pending in group)
                {
                    pending.Segment = rewritten;
                }
            }
        }

        _queue.Counts.Persisted(left.Count(e => e.Segment is not null && !e.CountsAsPersisted));
        WriteSegments(left.Where(e => e.Segment is null));
        WriteSegments(QueuedEvents());
        HandOverRemaining();
    }

    /// <summary>Completes the flush requests handed over and not taken (the worker has stopped).</summary>
    public void HandOverRemaining()
    {
        while (_handedOver.TryDequeue(out var request))
        {
            request.Complete();
        }
    }

    public void Dispose() => _readerGate.Dispose();

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task JournalAsync(List<PendingEvent> events)
    {
        // Those with a segment were replayed from one still on disk, or journaled before: they only start counting.
        var unwritten = events.FindAll(e => e.Segment is null);
        if (unwritten.Count > 0)
        {
            // A precaution, not the only copy: it leaves room for the queue's events, whose only copy a spill would be.
            var reserve = Math.Max(_options.MaxBatchBytes, _options.Persistence.MaxBytes / 4);
            string? failure;
            SpillSegment? segment;

            // Bounded by the spiller's pass, as in EnterReaderAsync.
            await _readerGate.WaitAsync().ConfigureAwait(false);
            try
            {
                failure = _store.TryWrite(unwritten, out segment, reserve, unwritten.Min(e => e.Timestamp));
            }
            finally
            {
                _readerGate.Release();
            }

            if (segment is null)
            {
                Log.JournalFailed(_logger, unwritten.Count, failure ?? "unknown");
                return;
            }

            foreach (var pending in unwritten)
            {
                pending.Segment = segment;
            }

            _inMemory.Add(segment.Path);

            _metrics.Spilled(unwritten.Count);
        }

        var counted = 0;
        foreach (var pending in events)
        {
            if (!pending.CountsAsPersisted && pending.Segment is not null)
            {
                pending.CountsAsPersisted = true;
                counted++;
            }
        }

        _queue.Counts.Persisted(counted);
    }

    private void OnAttemptFailed()
    {
        if (_queue.IsClosed)
        {
            StopRequested?.Invoke();
        }
        else if (_health.FailingFor >= _options.Persistence.SpillAfter)
        {
            _queue.RequestSpill();
            Volatile.Read(ref _outage).TrySetResult();
        }
    }

    /// <summary>Spills the queue to disk whenever asked: the queue ran high, or the gateway has been failing too long.</summary>
    private async Task SpillOnRequestAsync()
    {
        // Bounded by the queue's close, which completes the requests.
        while (await _queue.SpillRequests.WaitToReadAsync().ConfigureAwait(false))
        {
            _queue.TakeSpillRequest();

            // Bounded by the worker's fill or journal, which hold the gate only while they read or write.
            await _readerGate.WaitAsync().ConfigureAwait(false);
            try
            {
                WriteSegments(QueuedEvents());
            }
#pragma warning disable CA1031 // The spiller must keep running; what it could not write is counted by WriteSegment.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                Log.WorkerFailed(_logger, exception);
            }
            finally
            {
                _readerGate.Release();
            }

            // Flush requests met in the queue are the worker's to settle, and segments written are its to replay: it
            // may be waiting for entries that the spiller took.
            Volatile.Read(ref _wake).TrySetResult();
        }
    }

    /// <summary>
    /// Takes every queued event at once, then encodes them: the queue has room again before the files are written
    /// (events taken this way are in memory either way).
    /// </summary>
    private List<PendingEvent> QueuedEvents()
    {
        var taken = new List<PendingEvent>();
        while (_queue.TryRead(out var entry))
        {
            if (entry is FlushRequest flush)
            {
                _handedOver.Enqueue(flush);
            }
            else
            {
                taken.Add((PendingEvent)entry);
            }
        }

        return taken.FindAll(_preparer.TryPrepare);
    }

    /// <summary>Writes events to disk in segments of at most a batch, by count and by bytes.</summary>
    private void WriteSegments(IEnumerable<PendingEvent> events)
    {
        var segment = new List<PendingEvent>();
        long bytes = 0;
        foreach (var pending in events)
        {
            if (segment.Count > 0 && (segment.Count == _options.MaxBatchSize || bytes + pending.EncodedSize > _options.MaxBatchBytes))
            {
                WriteSegment(segment);
                segment = [];
                bytes = 0;
            }

            segment.Add(pending);
            bytes += pending.EncodedSize;
        }

        if (segment.Count > 0)
        {
            WriteSegment(segment);
        }
    }

    private void WriteSegment(List<PendingEvent> events)
    {
        if (_store.TryWrite(events) is { } failure)
        {
            _queue.Counts.Failed(events.Count);
            _metrics.Dropped(DropReason.DiskFull, events.Count);
            Log.SpillFailed(_logger, events.Count, failure);
            return;
        }

        _mayHaveSegments = true;
        _queue.Counts.Persisted(events.Count);
        _metrics.Spilled(events.Count);
    }
}
