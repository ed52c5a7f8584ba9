using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using TelemetryHosting.Diagnostics.Internal;
using TelemetryHosting.Recording.Internal;

namespace TelemetryHosting.Export.Internal;

/// <summary>
/// The single reader of the queue: gathers events into batches, sends a batch when it is full (events or
/// bytes), when its oldest event has waited the flush interval, when a flush is requested, or while draining at
/// shutdown; re-sends events the gateway left out, up to the attempt limit; settles flush requests; and counts
/// every event it cannot deliver.
/// </summary>
internal sealed class TelemetryExportWorker : IHostedService, IDisposable
{
    private readonly TelemetryEventQueue _queue;
    private readonly TelemetryGatewayExporter _exporter;
    private readonly EventMessageBuilder _messageBuilder;
    private readonly TimeProvider _timeProvider;
    private readonly TelemetryHostingMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _pipeline;
    private readonly TelemetryGatewayOptions _options;
    private readonly CancellationTokenSource _abort = new();

    // Unsent and unacknowledged events, oldest first; the worker's own state, touched by its loop only.
    private readonly List<PendingEvent> _batch = [];
    private readonly List<FlushRequest> _flushes = [];
    private int _batchBytes;
    private DateTimeOffset _batchDeadline;
    private long _lastSequence;
    private Task? _running;

    public TelemetryExportWorker(
        TelemetryEventQueue queue,
        TelemetryGatewayExporter exporter,
        EventMessageBuilder messageBuilder,
        IOptions<TelemetryGatewayOptions> options,
        TimeProvider timeProvider,
        TelemetryHostingMetrics metrics,
        ILogger<TelemetryExportWorker> logger)
    {
        _queue = queue;
        _exporter = exporter;
        _messageBuilder = messageBuilder;
        _options = options.Value;
        _timeProvider = timeProvider;
        _metrics = metrics;
        _logger = logger;
        _pipeline = ExportResiliencePipeline.Create(_options, timeProvider, metrics, logger);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _running ??= Task.Run(RunAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Stops taking events and drains the queue until it is empty or <paramref name="cancellationToken"/> (the
    /// host's shutdown timeout) fires; whatever is left then is counted as dropped with reason <c>shutdown</c>.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Close();
        _running ??= Task.Run(RunAsync, CancellationToken.None);
        using (cancellationToken.Register(static state => ((CancellationTokenSource)state!).Cancel(), _abort))
        {
            await _running.ConfigureAwait(false);
        }
    }

    public void Dispose() => _abort.Dispose();

    private async Task RunAsync()
    {
        try
        {
            while (true)
            {
                Fill();
                if (_batch.Count == 0)
                {
                    SettleFlushes();
                    if (!await WaitForEntriesAsync(timeout: null).ConfigureAwait(false))
                    {
                        break;
                    }

                    continue;
                }

                var untilDeadline = _batchDeadline - _timeProvider.GetUtcNow();
                if (!IsBatchReady() && untilDeadline > TimeSpan.Zero)
                {
                    await WaitForEntriesAsync(untilDeadline).ConfigureAwait(false);
                    continue;
                }

                await ExportBatchAsync().ConfigureAwait(false);
                SettleFlushes();
            }
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
            // The host's shutdown timeout ended the drain; what is left is counted below.
        }
#pragma warning disable CA1031 // The worker must never crash the host; the failure is logged and the events counted.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            Log.WorkerFailed(_logger, exception);
        }
        finally
        {
            DropEverythingLeft();
        }
    }

    private bool IsBatchReady() =>
        _batch.Count >= _options.MaxBatchSize
        || _batchBytes >= _options.MaxBatchBytes
        || _flushes.Count > 0
        || _queue.IsClosed;

    /// <summary>Moves queued entries into the batch while it has room; stops at a flush request.</summary>
    private void Fill()
    {
        while (_batch.Count < _options.MaxBatchSize
            && _batchBytes < _options.MaxBatchBytes
            && _flushes.Count == 0
            && _queue.Reader.TryRead(out var entry))
        {
            if (entry is FlushRequest flush)
            {
                flush.LastSequence = _lastSequence;
                _flushes.Add(flush);
                continue;
            }

            var pending = (PendingEvent)entry;
            pending.Sequence = ++_lastSequence;
            pending.Message = _messageBuilder.Build(pending);
            pending.EncodedSize = pending.Message.CalculateSize();
            if (_batch.Count == 0)
            {
                _batchDeadline = _timeProvider.GetUtcNow() + _options.FlushInterval;
            }

            _batch.Add(pending);
            _batchBytes += pending.EncodedSize;
        }
    }

    /// <summary>Waits until the queue has entries, the timeout passes, or the worker is aborted.</summary>
    /// <returns><see langword="false"/> when the queue is closed and empty.</returns>
    private async Task<bool> WaitForEntriesAsync(TimeSpan? timeout)
    {
        if (timeout is not { } delay)
        {
            return await _queue.Reader.WaitToReadAsync(_abort.Token).ConfigureAwait(false);
        }

        using var timeoutSource = new CancellationTokenSource(delay, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(_abort.Token, timeoutSource.Token);
        try
        {
            return await _queue.Reader.WaitToReadAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!_abort.IsCancellationRequested)
        {
            return true;
        }
    }

    private async Task ExportBatchAsync()
    {
        var acknowledged = new HashSet<string>(StringComparer.Ordinal);
        var started = _timeProvider.GetTimestamp();
        var completed = false;
        try
        {
            await _pipeline.ExecuteAsync(
                async (worker, token) =>
                {
                    // A retry re-sends only what the gateway has not acknowledged yet, keeping every event's id.
                    var unacknowledged = worker._batch.FindAll(e => !acknowledged.Contains(e.Message!.Id));
                    var requestId = await worker._exporter.ExportAsync(unacknowledged, acknowledged, token).ConfigureAwait(false);
                    Log.ExportCompleted(worker._logger, requestId, acknowledged.Count, worker._batch.Count, worker._timeProvider.GetElapsedTime(started));
                },
                this,
                _abort.Token).ConfigureAwait(false);
            completed = true;
        }
        finally
        {
            _metrics.ExportCompleted(_timeProvider.GetElapsedTime(started), _batch.Count);
            Settle(acknowledged, countAttempt: completed);
        }
    }

    /// <summary>
    /// Removes acknowledged events from the batch. After a completed stream, an event the gateway left out has
    /// used an attempt; once it has used them all it is given up.
    /// </summary>
    private void Settle(HashSet<string> acknowledged, bool countAttempt)
    {
        var delivered = 0;
        var rejected = 0;
        var kept = 0;
        _batchBytes = 0;
        for (var i = 0; i < _batch.Count; i++)
        {
            var pending = _batch[i];
            if (acknowledged.Contains(pending.Message!.Id))
            {
                delivered++;
                continue;
            }

            if (countAttempt && ++pending.Attempts >= _options.MaxEventAttempts)
            {
                rejected++;
                Log.EventRejected(_logger, pending.Message.Id, pending.Feature, pending.Action, pending.Attempts);
                continue;
            }

            _batch[kept++] = pending;
            _batchBytes += pending.EncodedSize;
        }

        _batch.RemoveRange(kept, _batch.Count - kept);
        if (kept > 0)
        {
            // Left-out events wait for the next batch rather than being re-sent at once.
            _batchDeadline = _timeProvider.GetUtcNow() + _options.FlushInterval;
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

    /// <summary>Completes the flush requests that no unsettled event is queued ahead of.</summary>
    private void SettleFlushes()
    {
        var oldestUnsettled = _batch.Count > 0 ? _batch[0].Sequence : long.MaxValue;
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

    private void DropEverythingLeft()
    {
        _queue.Close();
        long left = _batch.Count;
        _batch.Clear();
        while (_queue.Reader.TryRead(out var entry))
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
