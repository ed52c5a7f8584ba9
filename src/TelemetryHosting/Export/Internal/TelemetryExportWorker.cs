using System.Diagnostics;
using Google.Protobuf;
using System.Collections.Concurrent;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Registry;
using Telemetrygateway.V1;
using TelemetryHosting.Diagnostics.Internal;
using TelemetryHosting.Persistence.Internal;
using TelemetryHosting.Recording.Internal;
using TelemetryHosting.Resilience.Internal;

namespace TelemetryHosting.Export.Internal;

/// <summary>
/// The single reader of the queue: gathers events into batches, sends a batch when it is full (events or
/// bytes), when its oldest event has waited the flush interval, when a flush is requested, or while draining at
/// shutdown; re-sends events the gateway left out, up to the attempt limit; settles flush requests; spills to
/// disk and replays when persistence is on; and counts every event it cannot deliver.
/// </summary>
internal sealed class TelemetryExportWorker : IHostedService, IDisposable
{
    private readonly TelemetryEventQueue _queue;
    private readonly TelemetryGatewayExporter _exporter;
    private readonly EventMessageBuilder _messageBuilder;
    private readonly TimeProvider _timeProvider;
    private readonly TelemetryHostingMetrics _metrics;
    private readonly ExportHealth _health;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _pipeline;
    private readonly TelemetryGatewayOptions _options;
    private const int MaxEventBytes = 10_000_000;

    private readonly CancellationTokenSource _abort = new();

    // Exports in flight, oldest first. A second export may start while the first waits for its acknowledgements,
    // so that building and sending one batch overlaps the gateway's work on the previous one; only once an export
    // has succeeded and while the gateway is healthy, so that an outage is retried by one export at a time.
    private const int MaxConcurrentExports = 2;
    private readonly List<InFlightExport> _inFlight = [];
    private bool _anExportSucceeded;

    // Persistence: the spiller reads the queue while the worker is busy exporting, so reads take turns.
    private readonly SpillStore? _spill;
    private readonly SemaphoreSlim _readerGate = new(1, 1);
    private readonly ConcurrentQueue<FlushRequest> _flushesFromSpiller = new();
    private bool _replayMayHaveSegments = true;
    private TaskCompletionSource _outageSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _spilling;

    // Unsent and unacknowledged events, oldest first; the worker's own state, touched by its loop only.
    private readonly List<PendingEvent> _batch = [];
    private readonly List<FlushRequest> _flushes = [];
    private int _batchBytes;
    private DateTimeOffset _batchDeadline;
    private DateTimeOffset _resendNotBefore;
    private long _lastSequence;
    private Task? _running;

    public TelemetryExportWorker(
        TelemetryEventQueue queue,
        TelemetryGatewayExporter exporter,
        EventMessageBuilder messageBuilder,
        IOptions<TelemetryGatewayOptions> options,
        TimeProvider timeProvider,
        TelemetryHostingMetrics metrics,
        ExportHealth health,
        ResiliencePipelineProvider<string> pipelines,
        ILogger<TelemetryExportWorker> logger)
    {
        _queue = queue;
        _exporter = exporter;
        _messageBuilder = messageBuilder;
        _options = options.Value;
        _timeProvider = timeProvider;
        _metrics = metrics;
        _health = health;
        _logger = logger;
        _pipeline = pipelines.GetPipeline(TelemetryGatewayResilience.PipelineKey);
        if (_options.Persistence.Directory is not null)
        {
            _spill = new SpillStore(_options.Persistence, timeProvider, queue, metrics, logger);
            _health.AttemptFailed += RequestSpillDuringOutage;
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _running ??= Task.Run(RunAsync, CancellationToken.None);
        if (_spill is not null)
        {
            _spilling ??= Task.Run(SpillOnRequestAsync, CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Stops taking events and drains the queue until it is empty or <paramref name="cancellationToken"/> (the
    /// host's shutdown timeout) fires. What is left then is written to disk when persistence is on (at once, if
    /// the gateway is failing), and otherwise counted as dropped with reason <c>shutdown</c>.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Close();
        _running ??= Task.Run(RunAsync, CancellationToken.None);
        if (_spill is not null && _health.FailingSince is not null)
        {
            await _abort.CancelAsync().ConfigureAwait(false);
        }

        using (cancellationToken.Register(static state => ((CancellationTokenSource)state!).Cancel(), _abort))
        {
            await _running.ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        _abort.Dispose();
        _readerGate.Dispose();
    }

    private async Task RunAsync()
    {
        // Exports are not part of whatever operation happened to start the host.
        Activity.Current = null;
        try
        {
            while (await StepAsync().ConfigureAwait(false))
            {
            }
        }
        finally
        {
            await SettleExportsInFlightAsync().ConfigureAwait(false);
            await SettleEverythingLeftAsync().ConfigureAwait(false);
        }
    }

    /// <summary>One turn of the worker: settle finished exports, fill, wait, or start an export.</summary>
    /// <returns><see langword="false"/> when the queue is closed and drained, or the worker was aborted.</returns>
    private async Task<bool> StepAsync()
    {
        if (_abort.IsCancellationRequested)
        {
            // Also when no wait observed it (a wait that ended at once): what is left is settled by RunAsync.
            return false;
        }

        try
        {
            if (SettleFinishedExports())
            {
                SettleFlushes();
            }

            if (!CanStartExport())
            {
                // The next batch is not taken from the queue yet: out of the queue, the worker holds at most the
                // batches it may send at once (one while the gateway is failing). Taken before journaling, so that
                // an attempt failing meanwhile ends the wait rather than being missed.
                var outage = _spill is not null && _inFlight.Exists(e => !e.Journaled) ? NextOutageSignal() : null;
                await JournalExportsInFlightAsync().ConfigureAwait(false);
                await WaitAsync(timeout: null, entries: 0, outage).ConfigureAwait(false);
                return true;
            }

            await FillAsync().ConfigureAwait(false);
            if (_batch.Count == 0)
            {
                SettleFlushes();
                if (_inFlight.Count > 0)
                {
                    // Entries left in the queue behind a pending flush request wait for the exports ahead of it.
                    await WaitAsync(timeout: null, entries: _flushes.Count == 0 && !_queue.IsClosed ? 1 : 0).ConfigureAwait(false);
                    return true;
                }

                return await WaitForEntriesAsync().ConfigureAwait(false);
            }

            var now = _timeProvider.GetUtcNow();
            var wait = !IsBatchReady() ? _batchDeadline - now
                : OnlyRetries() ? _resendNotBefore - now
                : TimeSpan.Zero;
            if (wait > TimeSpan.Zero)
            {
                // New entries are taken when they would complete the batch, not one by one; not at all behind a
                // flush request or once the queue is closed (Fill would not take them, so waking would spin).
                // Nor when the batch is already full (of events waiting to be re-sent).
                var entries = _flushes.Count == 0 && !_queue.IsClosed && !IsBatchFull() ? EntriesToCompleteBatch() : 0;
                await WaitAsync(wait, entries).ConfigureAwait(false);
                return true;
            }

            StartExport();
            return true;
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
            // The host's shutdown timeout ended the drain; what is left is settled by RunAsync.
            return false;
        }
#pragma warning disable CA1031 // A defect must not stop delivery for the rest of the process.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            // Events are kept (a failed export's go back to the batch); pause so that a repeating failure does not spin.
            Log.WorkerFailed(_logger, exception);
            try
            {
                await Task.Delay(_options.MaxRetryDelay, _timeProvider, _abort.Token).ConfigureAwait(false);
                return true;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
    }

    /// <summary>Gets whether every event in the batch has been sent before (left out by the gateway).</summary>
    private bool OnlyRetries() => _batch.Count > 0 && _batch[^1].Attempts > 0;

    private bool CanStartExport() =>
        _inFlight.Count == 0
        || (_inFlight.Count < MaxConcurrentExports && _anExportSucceeded && _health.FailingSince is null);

    private bool IsBatchFull() => _batch.Count >= _options.MaxBatchSize || _batchBytes >= _options.MaxBatchBytes;

    private bool IsBatchReady() =>
        IsBatchFull()
        || _flushes.Count > 0
        || _queue.IsClosed;

    /// <summary>
    /// Moves queued entries into the batch while it has room, stopping at a flush request; when the queue is empty
    /// and the gateway healthy, replays spilled events.
    /// </summary>
    private async Task FillAsync()
    {
        if (_spill is not null)
        {
            await _readerGate.WaitAsync().ConfigureAwait(false);
        }

        try
        {
            // Whatever a nudge announced is looked at now.
            _queue.TakeNudge();
            while (_flushesFromSpiller.TryDequeue(out var handedOver))
            {
                // Everything queued ahead of it went to disk, which settles it for this process.
                handedOver.LastSequence = _lastSequence;
                _flushes.Add(handedOver);
            }

            while (_batch.Count < _options.MaxBatchSize
                && _batchBytes < _options.MaxBatchBytes
                && _flushes.Count == 0
                && _queue.TryRead(out var entry))
            {
                if (entry is FlushRequest flush)
                {
                    flush.LastSequence = _lastSequence;
                    _flushes.Add(flush);
                    continue;
                }

                var pending = (PendingEvent)entry;
                if (TryBuild(pending))
                {
                    Add(pending);
                }
            }

            // A segment is deleted only once all its events are settled: while exports are in flight, reading the
            // oldest segment could load one again.
            if (_batch.Count == 0 && _flushes.Count == 0 && _inFlight.Count == 0 && !_queue.IsClosed)
            {
                Replay();
            }
        }
        finally
        {
            _queue.ReleaseReads();
            if (_spill is not null)
            {
                _readerGate.Release();
            }
        }
    }

    /// <summary>
    /// Encodes the event for the wire. An event that cannot be built, or that the gateway would drop for its size,
    /// is given up here with reason <c>invalid</c> rather than holding back the others.
    /// </summary>
    private bool TryBuild(PendingEvent pending)
    {
        string problem;
        try
        {
            pending.Encoded ??= EventEncoder.Encode(pending, _messageBuilder.ServiceVersion);

            // The gateway drops (while acknowledging) events whose published JSON is 10,000,000 bytes or more. JSON
            // can be smaller than the encoding (short numeric metadata), so it is measured, but only for the rare
            // event whose encoding reaches the limit.
            if (pending.EncodedSize < MaxEventBytes || JsonBytes(pending) < MaxEventBytes)
            {
                return true;
            }

            problem = $"its JSON form is {MaxEventBytes} bytes or more, which the gateway drops";
        }
#pragma warning disable CA1031 // Whatever breaks one event must not break the batch.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            problem = exception.GetType().Name;
        }

        _queue.MarkFailed(1);
        _metrics.Dropped(DropReason.Invalid);
        Log.EventInvalid(_logger, pending.Id.ToString("D"), pending.Feature, pending.Action, problem);
        return false;
    }

    /// <summary>The size of the event's JSON form, as the gateway publishes it.</summary>
    private int JsonBytes(PendingEvent pending)
    {
        var message = pending.Message ?? _messageBuilder.Build(pending);
        return System.Text.Encoding.UTF8.GetByteCount(JsonFormatter.Default.Format(message));
    }

    private void Add(PendingEvent pending)
    {
        pending.Sequence = ++_lastSequence;
        if (_batch.Count == 0)
        {
            _batchDeadline = _timeProvider.GetUtcNow() + _options.FlushInterval;
        }

        _batch.Add(pending);
        _batchBytes += pending.EncodedSize;
    }

    private void Replay()
    {
        if (_spill is null || !_replayMayHaveSegments || _health.FailingSince is not null)
        {
            return;
        }

        if (_spill.TryReadOldest() is not (var segment, var events))
        {
            _replayMayHaveSegments = false;
            return;
        }

        foreach (var message in events)
        {
            var replayed = new PendingEvent
            {
                Id = Guid.TryParse(message.Id, out var id) ? id : Guid.Empty,
                Timestamp = message.Timestamp?.ToDateTimeOffset() ?? default,
                Feature = message.Feature,
                Action = message.Action,
                Message = message,
                Encoded = message.ToByteArray(),
                Segment = segment,
            };
            Add(replayed);
        }

        _queue.MarkReplayed(events.Count);
        _metrics.Replayed(events.Count);

        // Replayed events have waited long enough: send them without waiting for the interval.
        _batchDeadline = _timeProvider.GetUtcNow();
    }

    /// <summary>Waits until the queue has an entry, or the worker is aborted.</summary>
    /// <returns><see langword="false"/> when the queue is closed and empty.</returns>
    private async Task<bool> WaitForEntriesAsync()
    {
        if (_queue.IsClosedAndEmpty)
        {
            return false;
        }

        await WaitAsync(timeout: null, entries: 1).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Waits until an export in flight completes, the timeout passes, the worker is aborted or, when
    /// <paramref name="entries"/> is positive, that many entries are queued (a flush request or the close end the
    /// wait sooner).
    /// </summary>
    private async Task WaitAsync(TimeSpan? timeout, long entries, Task? orThis = null)
    {
        var queued = entries > 0 ? _queue.WaitForEntriesAsync(entries) : null;
        try
        {
            if (queued is { IsCompleted: true })
            {
                return;
            }

            if (_inFlight.Count == 0 && timeout is null && queued is not null)
            {
                await queued.WaitAsync(_abort.Token).ConfigureAwait(false);
                return;
            }

            using var timeoutSource = timeout is { } delay ? new CancellationTokenSource(delay, _timeProvider) : null;
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(_abort.Token, timeoutSource?.Token ?? CancellationToken.None);
            var waits = new List<Task>(_inFlight.Count + 2);
            foreach (var export in _inFlight)
            {
                waits.Add(export.Task);
            }

            var stopped = Task.Delay(Timeout.InfiniteTimeSpan, _timeProvider, stop.Token);
            waits.Add(stopped);
            if (queued is not null)
            {
                waits.Add(queued);
            }

            if (orThis is not null)
            {
                waits.Add(orThis);
            }

            _ = await Task.WhenAny(waits).ConfigureAwait(false);
            await stop.CancelAsync().ConfigureAwait(false);
            await stopped.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _abort.Token.ThrowIfCancellationRequested();
        }
        finally
        {
            if (queued is not null)
            {
                _queue.StopWaiting();
            }
        }
    }

    /// <summary>
    /// The fewest queued entries that could complete the batch: by count, or by bytes if each were as large as an event
    /// may be without waking the worker on its own (<see cref="TelemetryEventQueue.LightEventBytes"/>). Writers wake the
    /// worker then, or for each larger event; the interval ends the wait otherwise.
    /// </summary>
    private long EntriesToCompleteBatch()
    {
        long byCount = _options.MaxBatchSize - _batch.Count;
        long byBytes = ((long)_options.MaxBatchBytes - _batchBytes + _queue.LightEventBytes - 1) / _queue.LightEventBytes;
        return Math.Max(1, Math.Min(byCount, byBytes));
    }

    /// <summary>Sends the batch as an export of its own; the worker goes on filling the next batch meanwhile.</summary>
    private void StartExport()
    {
        // Left-out events returning from another export may have made the batch larger than a batch may be.
        var count = 0;
        var bytes = 0;
        while (count < _batch.Count && count < _options.MaxBatchSize && bytes < _options.MaxBatchBytes)
        {
            bytes += _batch[count++].EncodedSize;
        }

        var export = new InFlightExport(_batch.GetRange(0, count));
        _batch.RemoveRange(0, count);
        _batchBytes -= bytes;
        export.Task = Task.Run(() => ExportAsync(export), CancellationToken.None);
        _inFlight.Add(export);
    }

    private async Task ExportAsync(InFlightExport export)
    {
        var started = _timeProvider.GetTimestamp();
        try
        {
            await _pipeline.ExecuteAsync(
                static async (state, token) =>
                {
                    var (worker, export, started) = state;

                    // A retry re-sends only what the gateway has not acknowledged yet (the exporter leaves those out).
                    var acknowledged = export.Acknowledged;
                    var requestId = await worker._exporter.ExportAsync(export.Events, acknowledged, token).ConfigureAwait(false);
                    Log.ExportCompleted(worker._logger, requestId, acknowledged.Count, export.Events.Count, worker._timeProvider.GetElapsedTime(started));
                },
                (this, export, started),
                _abort.Token).ConfigureAwait(false);
            export.Completed = true;
            _health.OnExportSucceeded();
        }
        finally
        {
            _metrics.ExportCompleted(_timeProvider.GetElapsedTime(started), export.Events.Count);
        }
    }

    /// <summary>Settles the exports that have ended; rethrows the failure of one that failed.</summary>
    /// <returns>Whether any export was settled.</returns>
    private bool SettleFinishedExports()
    {
        var settled = false;
        while (_inFlight.Find(e => e.Task.IsCompleted) is { } export)
        {
            _inFlight.Remove(export);
            Settle(export);
            settled = true;
            if (export.Completed)
            {
                _anExportSucceeded = true;
            }

            export.Task.GetAwaiter().GetResult();
        }

        return settled;
    }

    /// <summary>Waits for the exports still in flight when the worker stops and settles them.</summary>
    private async Task SettleExportsInFlightAsync()
    {
        foreach (var export in _inFlight)
        {
            await export.Task.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            Settle(export);
        }

        _inFlight.Clear();
    }

    /// <summary>
    /// Removes an export's acknowledged events. After a completed stream, an event the gateway left out has used
    /// an attempt; once it has used them all it is given up. The others go back to the batch being filled.
    /// </summary>
    private void Settle(InFlightExport export)
    {
        var delivered = 0;
        var rejected = 0;
        var kept = new List<PendingEvent>();
        foreach (var pending in export.Events)
        {
            if (pending.IsIn(export.Acknowledged))
            {
                delivered++;
                Settled(pending);
                continue;
            }

            if (export.Completed && ++pending.Attempts >= _options.MaxEventAttempts)
            {
                rejected++;
                Settled(pending);
                Log.EventRejected(_logger, pending.WireId, pending.Feature, pending.Action, pending.Attempts);
                continue;
            }

            kept.Add(pending);
        }

        if (kept.Count > 0)
        {
            // Left-out events wait for the next batch rather than being re-sent at once; even a flush or shutdown
            // spaces their attempts by the retry delay, so a passing refusal does not use them all up at once.
            var now = _timeProvider.GetUtcNow();
            if (_batch.Count == 0)
            {
                _batchDeadline = now + _options.FlushInterval;
            }

            _resendNotBefore = now + _options.RetryDelay;

            // They are older than what was filled meanwhile: the batch stays in sequence order.
            _batch.InsertRange(0, kept);
            _batch.Sort(static (a, b) => a.Sequence.CompareTo(b.Sequence));
            foreach (var pending in kept)
            {
                _batchBytes += pending.EncodedSize;
            }
        }

        if (delivered > 0)
        {
            _queue.MarkDelivered(delivered);
            _metrics.Exported(delivered);
        }

        if (rejected > 0)
        {
            _queue.MarkFailed(rejected);
            _metrics.Dropped(DropReason.Rejected, rejected);
        }
    }

    /// <summary>Deletes a replayed segment once its last event is settled.</summary>
    private void Settled(PendingEvent pending)
    {
        if (pending.Segment is { } segment && --segment.Unsettled == 0)
        {
            _spill!.Delete(segment);
        }
    }

    /// <summary>Completes the flush requests that no unsettled event is queued ahead of.</summary>
    private void SettleFlushes()
    {
        var oldestUnsettled = _batch.Count > 0 ? _batch[0].Sequence : long.MaxValue;
        foreach (var export in _inFlight)
        {
            oldestUnsettled = Math.Min(oldestUnsettled, export.Events[0].Sequence);
        }

        _flushes.RemoveAll(flush =>
        {
            if (flush.LastSequence >= oldestUnsettled)
            {
                return false;
            }

            flush.Complete();
            return true;
        });
    }

    private void RequestSpillDuringOutage()
    {
        if (_queue.IsClosed)
        {
            // Shutting down: rather than retry until the host's timeout, write what is left to disk now.
            _abort.Cancel();
        }
        else if (_health.FailingFor >= _options.Persistence.SpillAfter)
        {
            _queue.RequestSpill();
            Volatile.Read(ref _outageSignal).TrySetResult();
        }
    }

    /// <summary>A task that completes at the next failed attempt once the outage has lasted <c>SpillAfter</c>.</summary>
    private Task NextOutageSignal()
    {
        var signal = Volatile.Read(ref _outageSignal);
        if (signal.Task.IsCompleted)
        {
            signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _outageSignal, signal);
        }

        return signal.Task;
    }

    /// <summary>
    /// Once an outage has lasted <c>SpillAfter</c>, writes the events of each export still being retried to disk, as
    /// the spiller writes the queue, so that a crash during the outage loses none of them. The events stay in flight;
    /// the file is deleted once all of them are settled, like a replayed segment, and at stop the ones not delivered
    /// count as persisted there. If the process dies first, the next start delivers the file again (with the same
    /// ids: events the gateway had acknowledged meanwhile arrive twice, which its consumers de-duplicate).
    /// </summary>
    private async Task JournalExportsInFlightAsync()
    {
        if (_spill is null || _queue.IsClosed || _health.FailingSince is null || _health.FailingFor < _options.Persistence.SpillAfter)
        {
            return;
        }

        foreach (var export in _inFlight)
        {
            if (export.Journaled || export.Task.IsCompleted)
            {
                continue;
            }

            // Once, whether or not the write succeeds: a full disk is not retried at every attempt.
            export.Journaled = true;
            await JournalAsync(export.Events).ConfigureAwait(false);
        }

        // Left-out events back in the batch wait there through the outage (the next batch is not filled meanwhile).
        if (_batch.Exists(e => e.Segment is null))
        {
            await JournalAsync(_batch).ConfigureAwait(false);
        }
    }

    /// <summary>Writes the events that are not on disk yet (all encoded) to a segment, which they then belong to.</summary>
    private async Task JournalAsync(List<PendingEvent> events)
    {
        // Those with a segment were replayed from one still on disk, or journaled before.
        var journaled = events.FindAll(e => e.Segment is null);
        if (journaled.Count == 0)
        {
            return;
        }

        // A precaution, not the only copy: it leaves room for the queue's events, whose only copy a spill would be.
        var reserve = Math.Max(_options.MaxBatchBytes, _options.Persistence.MaxBytes / 4);
        var oldest = journaled.Min(e => e.Timestamp);
        string? failure;
        SpillSegment? segment;
        await _readerGate.WaitAsync().ConfigureAwait(false);
        try
        {
            failure = _spill!.TryWrite(journaled, out segment, reserve, oldest);
        }
        finally
        {
            _readerGate.Release();
        }

        if (segment is null)
        {
            Log.JournalFailed(_logger, journaled.Count, failure ?? "unknown");
            return;
        }

        foreach (var pending in journaled)
        {
            pending.Segment = segment;
        }

        _metrics.Spilled(journaled.Count);
    }

    /// <summary>Spills the queue to disk whenever asked: the queue ran high, or the gateway has been failing too long.</summary>
    private async Task SpillOnRequestAsync()
    {
        while (await _queue.SpillRequests.WaitToReadAsync().ConfigureAwait(false))
        {
            while (_queue.SpillRequests.TryRead(out _))
            {
            }

            await _readerGate.WaitAsync().ConfigureAwait(false);
            try
            {
                SpillQueue();

                // Flush requests met in the queue are the worker's to settle, and segments written are its to replay:
                // it may be waiting for entries that the spiller took.
                _queue.Nudge();
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
        }
    }

    /// <summary>Writes every queued event to disk; flush requests met on the way are handed to the worker.</summary>
    private void SpillQueue() => WriteSegments(QueuedEvents());

    /// <summary>Reads the queue's events, encoded, lazily (segments are written as they fill).</summary>
    private IEnumerable<PendingEvent> QueuedEvents()
    {
        while (_queue.TryRead(out var entry))
        {
            if (entry is FlushRequest flush)
            {
                _flushesFromSpiller.Enqueue(flush);
                continue;
            }

            var pending = (PendingEvent)entry;
            if (TryBuild(pending))
            {
                yield return pending;
            }
        }
    }

    /// <summary>Writes events to disk in segments of at most a batch.</summary>
    private void WriteSegments(IEnumerable<PendingEvent> events)
    {
        foreach (var segment in events.Chunk(_options.MaxBatchSize))
        {
            WriteSegment(segment);
        }
    }

    private void WriteSegment(PendingEvent[] events)
    {
        if (_spill!.TryWrite(events) is { } failure)
        {
            _queue.MarkFailed(events.Length);
            _metrics.Dropped(DropReason.DiskFull, events.Length);
            Log.SpillFailed(_logger, events.Length, failure);
            return;
        }

        _replayMayHaveSegments = true;
        _queue.MarkPersisted(events.Length);
        _metrics.Spilled(events.Length);
    }

    private async Task SettleEverythingLeftAsync()
    {
        try
        {
            _queue.Close();
            if (_spilling is not null)
            {
                await _spilling.ConfigureAwait(false);
            }

            if (_spill is not null)
            {
                PersistEverythingLeft();
            }
            else
            {
                DropEverythingLeft();
            }
        }
#pragma warning disable CA1031 // Flush requests and the drained signal must complete whatever happened above.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            Log.WorkerFailed(_logger, exception);
            DropEverythingLeft();
        }
        finally
        {
            while (_flushesFromSpiller.TryDequeue(out var handedOver))
            {
                handedOver.Complete();
            }

            foreach (var flush in _flushes)
            {
                flush.Complete();
            }

            _flushes.Clear();
            var counts = _queue.Counts();
            Log.Stopped(_logger, counts.Delivered, counts.Failed);
            _queue.MarkDrained();
        }
    }

    private void PersistEverythingLeft()
    {
        // Events still in their segment file (replayed, or journaled during an outage) stay there, unless some of the
        // file's events were settled meanwhile: the file is then rewritten with the others only, so that the next
        // start does not send settled events again. If the rewrite fails, the old file stays (sent twice beats lost).
        foreach (var group in _batch.Where(e => e.Segment is not null).GroupBy(e => e.Segment!).ToList())
        {
            var segment = group.Key;
            if (segment.Unsettled == segment.EventCount)
            {
                continue;
            }

            if (_spill!.TryWrite([.. group], out var rewritten, recordedAt: group.Min(e => e.Timestamp)) is null)
            {
                _spill.Delete(segment);
                foreach (var pending in group)
                {
                    pending.Segment = rewritten;
                }
            }
        }

        var onDisk = _batch.Count(e => e.Segment is not null);
        _queue.MarkPersisted(onDisk);
        // Every event in the batch was encoded when it was taken from the queue.
        var unsaved = _batch.FindAll(e => e.Segment is null);
        _batch.Clear();
        WriteSegments(unsaved);

        SpillQueue();
    }

    private void DropEverythingLeft()
    {
        long left = _batch.Count;
        _batch.Clear();
        while (_queue.TryRead(out var entry))
        {
            if (entry is FlushRequest flush)
            {
                _flushes.Add(flush);
            }
            else
            {
                left++;
            }
        }

        if (left > 0)
        {
            _queue.MarkFailed(left);
            _metrics.Dropped(DropReason.Shutdown, left);
            Log.UndeliveredAtShutdown(_logger, left);
        }
    }

    /// <summary>One batch on its way: the events sent, the ids acknowledged so far, the task sending them.</summary>
    private sealed class InFlightExport(List<PendingEvent> events)
    {
        public List<PendingEvent> Events { get; } = events;

        public HashSet<string> Acknowledged { get; } = new(StringComparer.Ordinal);

        public Task Task { get; set; } = Task.CompletedTask;

        /// <summary>Gets or sets a value indicating whether the stream completed (so left-out events used an attempt).</summary>
        public bool Completed { get; set; }

        /// <summary>Gets or sets a value indicating whether its events were written to disk during an outage.</summary>
        public bool Journaled { get; set; }
    }
}
