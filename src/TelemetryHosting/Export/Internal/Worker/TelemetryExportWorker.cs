using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly.Registry;
using TelemetryHosting.Diagnostics.Internal;
using TelemetryHosting.Persistence.Internal;
using TelemetryHosting.Resilience.Internal;

namespace TelemetryHosting.Export.Internal;

/// <summary>
/// The hosted service that delivers the queue: its loop is the queue's one reader and each event's owner once read,
/// until an export, the disk or a drop reason takes it.
/// </summary>
internal sealed partial class TelemetryExportWorker : IHostedService, IDisposable
{
    private readonly TelemetryEventQueue _queue;
    private readonly ExportsInFlight _exports;
    private readonly ExportBatch _batch;
    private readonly EventPreparer _preparer;
    private readonly SpillStage? _spill;
    private readonly TimeProvider _timeProvider;
    private readonly TelemetryHostingMetrics _metrics;
    private readonly ExportHealth _health;
    private readonly ILogger _logger;
    private readonly TelemetryGatewayOptions _options;
    private readonly CancellationTokenSource _abort = new();
    private Task? _running;

    public TelemetryExportWorker(
        TelemetryEventQueue queue,
        TelemetryGatewayExporter exporter,
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
        _metrics = metrics;
        _health = health;
        _logger = logger;
        _preparer = new EventPreparer(_options.ServiceVersion ?? string.Empty, queue.Counts, metrics, logger);

        // The batch's events still count against the queue's bound: at most half of it, so that a batch can always fill.
        _batch = new ExportBatch(_options, Math.Min(_options.MaxBatchSize, queue.WakeLimit), timeProvider);
        var pipeline = pipelines.GetPipeline(TelemetryGatewayResilience.PipelineKey);
        _spill = _options.Persistence.Directory is null ? null : new SpillStage(_options, timeProvider, queue, queue.Counts, metrics, logger);
        _exports = new ExportsInFlight(exporter, pipeline, health, queue.Counts, _spill, metrics, timeProvider, logger, _options.MaxEventAttempts);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _queue.Flushes.WorkerStarted();
        _running ??= Task.Run(RunAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    public void Dispose() => _abort.Dispose();

    private async Task RunAsync()
    {
        // Exports are not part of whatever operation happened to start the host.
        Activity.Current = null;
        try
        {
            // Each step is bounded by WaitAsync's bounds, and otherwise only reads memory and writes files.
            while (await StepAsync().ConfigureAwait(false))
            {
            }
        }
        finally
        {
            // Bounded: the exports end soon once aborted, then only disk writes remain.
            await DrainAsync().ConfigureAwait(false);
        }
    }

    /// <returns><see langword="false"/> when the queue is closed and everything settled, or the worker was aborted.</returns>
    private async Task<bool> StepAsync()
    {
        try
        {
            if (_spill is not null && _queue.IsClosed && _health.IsFailing)
            {
                // Stopping while the gateway fails: rather than retry until the host's timeout, write what is left now.
                await _abort.CancelAsync().ConfigureAwait(false);
            }

            if (_abort.IsCancellationRequested)
            {
                return false;
            }

            var unsettled = new List<OutboundEvent>();
            try
            {
                _exports.SettleFinished(unsettled);
            }
            finally
            {
                _batch.Hold(unsettled);
                _queue.Returned(unsettled);
            }
            _batch.TakeDueRetries();
            while (_batch.HasRoom && ReadOne() is { } outbound)
            {
                _batch.Add(outbound);
            }

            if (_spill is not null)
            {
                Spill(_spill);
            }

            _queue.Flushes.CompleteThrough(Math.Min(_queue.ReadThrough, Math.Min(_batch.LowestSequence(held: true), _exports.LowestSequence) - 1));
            if (_queue.IsClosedAndEmpty && _batch.IsEmpty && _exports.Count == 0)
            {
                return false;
            }

            if (_exports.CanStart && BatchDue)
            {
                var export = _batch.TakeExport();
                _queue.Taken(export);
                _exports.Start(export, _abort.Token);
                return true;
            }

            await WaitAsync().ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
            // The host's shutdown timeout ended the drain; the final drain settles what is left.
            return false;
        }
#pragma warning disable CA1031 // A defect must not stop delivery for the rest of the process.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            // A defect: pause so that a repeating failure does not spin.
            Log.WorkerFailed(_logger, exception);

            // Bounded by the delay, or the abort.
            await Task.Delay(_options.MaxRetryDelay, _timeProvider, _abort.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return !_abort.IsCancellationRequested;
        }
    }

    /// <summary>
    /// Writes the waiting events to disk above the high-water mark, and every event in memory once an outage lasts
    /// <c>SpillAfter</c> (a crash then loses nothing); replays a segment beside live traffic, or as an outage's only export.
    /// </summary>
    private void Spill(SpillStage spill)
    {
        // An outage's spill follows the batch's triggers (full, its interval, a flush), so that files hold batches; only
        // events in memory are written (those read back from disk are there already).
        var outage = OutageSpills;
        var outageSpill = outage && ((BatchDue && InMemoryWaits) || _batch.HasInMemory(held: true) || _exports.HoldInMemory);
        if ((outageSpill || _queue.IsAboveHighWaterMark) && !_queue.IsClosed && spill.MayWrite)
        {
            // Events read back from disk are still there: they stay as they are (taking them out and back would push
            // their batch's deadline for good).
            var waiting = _batch.TakeInMemory(held: outage);
            while (ReadOne() is { } outbound)
            {
                waiting.Add(outbound);
            }

            var notWritten = spill.Write(waiting);
            notWritten.ForEach(_batch.Add);

            // What could not be written stays in memory. Exports stop only once a write succeeded (a write of nothing
            // after one that failed in this outage proves nothing); their events are written when they come back.
            if (outage && notWritten.Count == 0 && (waiting.Count > 0 || !(spill.SinceFailedWrite < _health.FailingFor)))
            {
                _exports.StopThoseInMemoryOnly();
            }
        }

        if (!_queue.IsClosed && _batch.HasRoom && (!_health.IsFailing || _exports.Count == 0))
        {
            spill.Replay(_batch);
        }
    }

    /// <summary>Gets a value indicating whether an outage has lasted <c>SpillAfter</c>: events in memory go to disk.</summary>
    private bool OutageSpills => _spill is not null && _health.IsFailing && _health.FailingFor >= _options.Persistence.SpillAfter;

    /// <summary>
    /// Gets a value indicating whether events only in memory wait for the batch's triggers: in the batch, or in the
    /// channel behind a batch with no room (filled by a segment read back from disk), which the spill reads itself.
    /// </summary>
    private bool InMemoryWaits => _batch.HasInMemory(held: false) || (!_batch.HasRoom && _queue.LastSequence > _queue.ReadThrough);

    /// <summary>Gets a value indicating whether the batch should go now: full, its interval passed, the close, or a flush.</summary>
    private bool BatchDue =>
        _batch.Count > 0 && (_batch.IsDue || _queue.IsClosed || _queue.Flushes.HighestMark >= _batch.LowestSequence(held: false));

    /// <summary>
    /// Waits until an export ends (bounded by its attempt timeout, deadline and the abort), a deadline or retry time, what
    /// would fill the batch is queued, an outage reaches <c>SpillAfter</c> or an attempt fails, or the abort.
    /// </summary>
    private async Task WaitAsync()
    {
        // Taken first: a failure from now on ends the wait, whatever is read below.
        var nextFailure = _health.NextFailure;
        var until = _batch.UntilRetry;

        // The batch's deadline matters when it can act: an export may start, or an outage's spill may write its events
        // in memory. A spill that may not write yet wakes the worker when it may (waking at a passed deadline would spin).
        var spillWrites = OutageSpills && _spill!.MayWrite && InMemoryWaits;
        if (_batch.Count > 0 && (_exports.CanStart || spillWrites))
        {
            until = Earliest(until, _batch.UntilDeadline);
        }

        if (OutageSpills && !_spill!.MayWrite)
        {
            until = Earliest(until, _spill.UntilMayWrite);
        }

        if (_spill is not null && _health.IsFailing && !OutageSpills)
        {
            until = Earliest(until, _options.Persistence.SpillAfter - _health.FailingFor);
        }

        if (until <= TimeSpan.Zero)
        {
            return;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(_abort.Token);
        _ = await Task.WhenAny(
        [
            Task.Delay(until ?? Timeout.InfiniteTimeSpan, _timeProvider, stop.Token),

            // The first event of a batch, an event a flush waits for, or what could fill the batch; with a full batch,
            // only what cannot wait for it (a flush, a large event, the high-water mark, the close).
            _queue.WaitForEventsAsync(
                !_batch.HasRoom ? null
                : _batch.Count == 0 || _queue.Flushes.HighestMark > _queue.ReadThrough ? 1
                : _batch.EventsToFill(_queue.LightEventBytes)),
            .. _exports.Tasks,

            // With persistence, an outage starts or goes on: the worker times its spill, or stops retrying once closed.
            .. _spill is null ? [] : new[] { nextFailure },
        ]).ConfigureAwait(false);

        // Ends the delay (cancelled, not faulted: nothing to observe).
        await stop.CancelAsync().ConfigureAwait(false);
        _queue.StopWaiting();
        _abort.Token.ThrowIfCancellationRequested();
    }

    private static TimeSpan Earliest(TimeSpan? a, TimeSpan b) => a < b ? a.Value : b;

    /// <summary>Reads and encodes the next queued event that can be sent (one that cannot is counted as invalid).</summary>
    private OutboundEvent? ReadOne()
    {
        while (_queue.TryRead(out var pending))
        {
            if (_preparer.TryPrepare(pending) is { } outbound)
            {
                return outbound;
            }

            _queue.Taken(1);
        }

        return null;
    }
}
