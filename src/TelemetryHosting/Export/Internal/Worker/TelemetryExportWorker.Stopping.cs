using Microsoft.Extensions.Logging;
using TelemetryHosting.Diagnostics.Internal;

namespace TelemetryHosting.Export.Internal;

/// <summary>How the worker stops: it drains until the host's shutdown timeout, then writes or counts what is left.</summary>
internal sealed partial class TelemetryExportWorker
{
    // After the host's shutdown timeout, how long the aborted worker may take to write or count what is left.
    private static readonly TimeSpan SettleAfterAbort = TimeSpan.FromSeconds(2);

    /// <summary>Drains the queue until the host's shutdown timeout, then writes or counts what is left within <see cref="SettleAfterAbort"/>.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Close();
        _running ??= Task.Run(RunAsync, CancellationToken.None);
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

    /// <summary>Settles the exports, then writes what is left to disk or counts it dropped; then every flush ends.</summary>
    private async Task DrainAsync()
    {
        var left = new List<OutboundEvent>();
        try
        {
            _queue.Close();

            // Bounded: each export ends soon once the worker is aborted (and has ended already when the loop drained).
            await _exports.SettleAllAsync(left).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // What is left must be counted, and the flushes ended, whatever happened above.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            Log.WorkerFailed(_logger, exception);
        }
        finally
        {
            _queue.Returned(left);
        }

        try
        {
            left.AddRange(_batch.TakeAll());
            while (ReadOne() is { } outbound)
            {
                left.Add(outbound);
            }

            // Written to disk, or counted as dropped; neither throws.
            if (_spill is not null)
            {
                _spill.WriteOrDrop(left);
            }
            else if (left.Count > 0)
            {
                _queue.Taken(left);
                _queue.Counts.Failed(left.Count);
                _metrics.Dropped(DropReason.Shutdown, left.Count);
                Log.UndeliveredAtShutdown(_logger, left.Count);
            }
        }
        finally
        {
            _queue.Flushes.WorkerStopped();
            var counts = _queue.Counts.Snapshot();
            Log.Stopped(_logger, counts.Delivered, counts.Failed);
        }
    }
}
