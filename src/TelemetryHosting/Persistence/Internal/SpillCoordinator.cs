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
    private readonly ExportHealth _health;
    private readonly TelemetryHostingMetrics _metrics;
    private readonly TelemetryGatewayOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _readerGate = new(1, 1);
    private readonly QueueSpiller _spiller;
    // Segments whose events are in memory (replayed, or journaled during an outage): never read again meanwhile.
    private readonly HashSet<string> _inMemory = new(StringComparer.Ordinal);
    private SpillSegment? _replaying;
    private TaskCompletionSource _outage = NewSignal();

    public SpillCoordinator(
        TelemetryGatewayOptions options,
        TimeProvider timeProvider,
        TelemetryEventQueue queue,
        EventPreparer preparer,
        Func<long> workerLastSequence,
        ExportHealth health,
        TelemetryHostingMetrics metrics,
        ILogger logger)
    {
        _options = options;
        _queue = queue;
        _health = health;
        _metrics = metrics;
        _logger = logger;
        _store = new SpillStore(options.Persistence, timeProvider, queue.Counts, metrics, logger);
        _spiller = new QueueSpiller(_store, queue, preparer, _readerGate, workerLastSequence, metrics, options, logger);
        _health.AttemptFailed += OnAttemptFailed;
    }

    /// <summary>Raised when an attempt fails after the queue closed: rather than retry until the host's timeout, stop and write what is left.</summary>
    public event Action? StopRequested;

    /// <summary>Gets a task that completes when the spiller has handed flush requests or segments to the worker.</summary>
    public Task Woken => _spiller.Woken;

    public void Start() => _spiller.Start();

    /// <summary>Takes the reader gate (bounded by the spiller's pass, which only reads the queue and writes files).</summary>
    public Task EnterReaderAsync() => _readerGate.WaitAsync();

    public void ExitReader() => _readerGate.Release();

    /// <summary>Takes the flush requests the spiller met; whatever was queued ahead of them is on disk.</summary>
    public void TakeHandedOver(PendingFlushes flushes) => _spiller.TakeHandedOver(flushes);

    /// <summary>
    /// Adds the oldest segment not in memory yet to the batch, while the gateway is healthy and no replayed segment
    /// is still being delivered (one segment in memory at a time); queued events go on being sent beside it.
    /// </summary>
    public void Replay(ExportBatch batch)
    {
        if (!_spiller.MayHaveSegments || _health.FailingSince is not null || _queue.IsClosed || _replaying is not null || !batch.HasRoom)
        {
            return;
        }

        if (_store.TryReadOldest(_inMemory) is not (var segment, var events))
        {
            _spiller.MayHaveSegments = false;
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
        // Bounded: its pass reads the closed queue to the end and writes files.
        await _spiller.StopAsync().ConfigureAwait(false);

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
        _spiller.WriteSegments(left.Where(e => e.Segment is null));

        // The flush requests this hands over are completed by the final drain, with the ones it holds.
        _spiller.SpillQueue();
    }

    /// <summary>Completes the flush requests handed over and not taken (the worker has stopped).</summary>
    public void HandOverRemaining() => _spiller.CompleteHandedOver();

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
}
