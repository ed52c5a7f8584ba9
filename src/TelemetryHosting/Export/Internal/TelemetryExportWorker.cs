using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly.Registry;
using TelemetryHosting.Diagnostics.Internal;
using TelemetryHosting.Persistence.Internal;
using TelemetryHosting.Recording.Internal;
using TelemetryHosting.Resilience.Internal;

namespace TelemetryHosting.Export.Internal;

/// <summary>
/// The hosted service that delivers the queue: its loop takes events into a batch (<see cref="ExportBatch"/>), sends a
/// batch when it is full (events or bytes), when its oldest event has waited the flush interval, when a flush is
/// requested, or while draining at shutdown (<see cref="ExportsInFlight"/>), settles flush requests
/// (<see cref="PendingFlushes"/>), spills and replays when persistence is on (<see cref="SpillCoordinator"/>), and at
/// stop settles what is left (<see cref="FinalDrain"/>).
/// </summary>
internal sealed class TelemetryExportWorker : IHostedService, IDisposable
{
    // After the host's shutdown timeout, how long the aborted worker may take to write or count what is left.
    private static readonly TimeSpan SettleAfterAbort = TimeSpan.FromSeconds(2);

    private readonly TelemetryEventQueue _queue;
    private readonly BatchFiller _filler;
    private readonly ExportsInFlight _exports;
    private readonly ExportBatch _batch;
    private readonly PendingFlushes _flushes = new();
    private readonly SpillCoordinator? _spill;
    private readonly FinalDrain _finalDrain;
    private readonly TimeProvider _timeProvider;
    private readonly ExportHealth _health;
    private readonly ILogger _logger;
    private readonly TelemetryGatewayOptions _options;
    private readonly CancellationTokenSource _abort = new();
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
        _options = options.Value;
        _timeProvider = timeProvider;
        _health = health;
        _logger = logger;
        var preparer = new EventPreparer(messageBuilder, queue.Counts, metrics, logger);
        _batch = new ExportBatch(_options, timeProvider);
        _exports = new ExportsInFlight(
            exporter, pipelines.GetPipeline(TelemetryGatewayResilience.PipelineKey), health, queue.Counts, metrics, timeProvider, logger, _options.MaxEventAttempts);
        if (_options.Persistence.Directory is not null)
        {
            _spill = new SpillCoordinator(_options, timeProvider, queue, preparer, () => _batch.LastSequence, health, metrics, logger);
            _spill.StopRequested += _abort.Cancel;
            _exports.EventSettled += _spill.OnSettled;
        }

        _filler = new BatchFiller(queue, _batch, _flushes, preparer, _spill);
        _finalDrain = new FinalDrain(queue, _exports, _batch, _flushes, _spill, metrics, logger);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _running ??= Task.Run(RunAsync, CancellationToken.None);
        _spill?.Start();
        return Task.CompletedTask;
    }

    /// <summary>
    /// Stops taking events and drains the queue until it is empty or <paramref name="cancellationToken"/> (the host's
    /// shutdown timeout) fires. What is left then is written to disk when persistence is on (at once, if the gateway is
    /// failing), and otherwise counted as dropped with reason <c>shutdown</c>. Returns within the host's timeout and
    /// a short time to write or count what is left, whatever the gateway does.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Close();
        _running ??= Task.Run(RunAsync, CancellationToken.None);
        if (_spill is not null && _health.FailingSince is not null)
        {
            // Rather than retry until the host's timeout, write what is left to disk now.
            await _abort.CancelAsync().ConfigureAwait(false);
        }

        try
        {
            // Bounded by the host's shutdown token.
            await _running.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await _abort.CancelAsync().ConfigureAwait(false);
            try
            {
                // Bounded by the time given: aborted, the worker only settles what is in memory and writes files.
                await _running.WaitAsync(SettleAfterAbort, TimeProvider.System, CancellationToken.None).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                Log.StopTimedOut(_logger, SettleAfterAbort);
            }
        }
    }

    public void Dispose()
    {
        _abort.Dispose();
        _spill?.Dispose();
    }

    private async Task RunAsync()
    {
        // Exports are not part of whatever operation happened to start the host.
        Activity.Current = null;
        try
        {
            // Each step is bounded: its waits by WaitAsync's bounds, its fill and journal by the reader gate's holder.
            while (await StepAsync().ConfigureAwait(false))
            {
            }
        }
        finally
        {
            // Bounded: the exports end soon once aborted, then only disk writes remain.
            await _finalDrain.RunAsync().ConfigureAwait(false);
        }
    }

    /// <summary>One turn of the worker: settle finished exports, fill, wait, or start an export.</summary>
    /// <returns><see langword="false"/> when the queue is closed and everything settled, or the worker was aborted.</returns>
    private async Task<bool> StepAsync()
    {
        if (_abort.IsCancellationRequested)
        {
            // Also when no wait observed it (a wait that ended at once): what is left is settled by the final drain.
            return false;
        }

        try
        {
            SettleFinishedExports();

            // Flush requests the spiller met: settled like the others (and the spiller's wake-up taken).
            _spill?.TakeHandedOver(_flushes);
            if (!_exports.CanStart)
            {
                // The next batch is not taken from the queue yet: out of the queue, the worker holds at most the
                // batches it may send at once (one while the gateway is failing). Taken before journaling, so that an
                // attempt failing meanwhile ends the wait rather than being missed.
                var outage = _spill is not null && _exports.All.Any(e => !e.Journaled) ? _spill.NextOutageSignal() : null;
                if (_spill is not null)
                {
                    // Bounded by disk writes and the spiller's pass (the reader gate).
                    await _spill.JournalAsync(_exports, _batch).ConfigureAwait(false);
                    SettleFlushes();
                }

                await WaitAsync(until: null, entries: false, outage).ConfigureAwait(false);
                return true;
            }

            // Bounded by the spiller's pass, which holds the reader gate only while it reads the queue and writes files.
            await _filler.FillAsync().ConfigureAwait(false);
            SettleFlushes();
            if (_batch.Count == 0)
            {
                if (_queue.IsClosedAndEmpty && _exports.Count == 0 && _batch.RetryAt is null && !_flushes.Any)
                {
                    return false;
                }

                await WaitAsync(until: _batch.RetryAt, entries: CanTakeEntries()).ConfigureAwait(false);
                return true;
            }

            if (!IsBatchReady())
            {
                await WaitAsync(until: _batch.RetryAt < _batch.Deadline ? _batch.RetryAt : _batch.Deadline, entries: CanTakeEntries()).ConfigureAwait(false);
                return true;
            }

            _exports.Start(_batch.TakeExport(), _abort.Token);
            return true;
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
            // The host's shutdown timeout ended the drain; what is left is settled by the final drain.
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
                // Bounded by the delay, or the abort.
                await Task.Delay(_options.MaxRetryDelay, _timeProvider, _abort.Token).ConfigureAwait(false);
                return true;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
    }

    /// <summary>Whether new entries would be taken now: not behind a flush request, nor into a full batch.</summary>
    private bool CanTakeEntries() => !_flushes.Any && _batch.HasRoom && !_queue.IsClosedAndEmpty;

    private bool IsBatchReady() =>
        !_batch.HasRoom
        || _flushes.Any
        || _queue.IsClosed
        || _timeProvider.GetUtcNow() >= _batch.Deadline;

    private void SettleFinishedExports()
    {
        var leftOut = new List<PendingEvent>();
        try
        {
            _exports.SettleFinished(leftOut);
        }
        finally
        {
            _batch.HoldForRetry(leftOut);
        }
    }

    /// <summary>Completes the flush requests that no unsettled event in memory was queued ahead of.</summary>
    private void SettleFlushes() => _flushes.SettleBefore(Math.Min(_batch.OldestNotPersisted, _exports.OldestNotPersisted));

    /// <summary>
    /// Waits until an export in flight completes, <paramref name="until"/> passes, an entry is queued (when
    /// <paramref name="entries"/>), the spiller hands something over, <paramref name="orThis"/> completes, or the worker
    /// is aborted. Each of these is bounded: an export by its attempt timeout, deadline and the abort; the abort by the
    /// host's shutdown token.
    /// </summary>
    private async Task WaitAsync(DateTimeOffset? until, bool entries, Task? orThis = null)
    {
        var delay = until is { } time ? time - _timeProvider.GetUtcNow() : Timeout.InfiniteTimeSpan;
        if (until is not null && delay <= TimeSpan.Zero)
        {
            return;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(_abort.Token);
        var waits = new List<Task>(_exports.Count + 4) { Task.Delay(delay, _timeProvider, stop.Token) };
        foreach (var export in _exports.All)
        {
            waits.Add(export.Task);
        }

        if (entries && _batch.Count > 0)
        {
            // A batch is open: woken when the events that would complete it are queued (or a flush, a large event, the
            // close), not for every event.
            waits.Add(_queue.WaitForEventsAsync(_batch.EventsToFill(_queue.LightEventBytes)));
        }
        else if (entries)
        {
            waits.Add(_queue.WaitToReadAsync(stop.Token).AsTask());
        }

        if (_spill is not null)
        {
            waits.Add(_spill.Woken);
        }

        if (orThis is not null)
        {
            waits.Add(orThis);
        }

        _ = await Task.WhenAny(waits).ConfigureAwait(false);

        // Ends the delay and the channel wait (cancelled, not faulted: nothing to observe).
        await stop.CancelAsync().ConfigureAwait(false);
        _queue.StopWaiting();
        _abort.Token.ThrowIfCancellationRequested();
    }
}
