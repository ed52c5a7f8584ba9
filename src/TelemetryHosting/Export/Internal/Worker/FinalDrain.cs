using Microsoft.Extensions.Logging;
using TelemetryHosting.Diagnostics.Internal;
using TelemetryHosting.Persistence.Internal;

namespace TelemetryHosting.Export.Internal;

/// <summary>
/// What the worker does once its loop has ended (the queue drained, or the host's shutdown timeout): settle the
/// exports still in flight, then write what is left to disk when persistence is on, or count it as dropped with reason
/// <c>shutdown</c>; then end every flush, now and later.
/// </summary>
internal sealed class FinalDrain(
    TelemetryEventQueue queue,
    ExportsInFlight exports,
    ExportBatch batch,
    SpillStage? spill,
    QueueReader reader,
    TelemetryHostingMetrics metrics,
    ILogger logger)
{
    public async Task RunAsync()
    {
        var left = new List<OutboundEvent>();
        try
        {
            queue.Close();

            // Bounded: each export ends soon once the worker is aborted (and has ended already when the loop drained).
            await exports.SettleAllAsync(left).ConfigureAwait(false);
            queue.Returned(left);
        }
#pragma warning disable CA1031 // What is left must be counted, and the flushes ended, whatever happened above.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            Log.WorkerFailed(logger, exception);
        }

        try
        {
            left.AddRange(batch.TakeAll());
            left.AddRange(reader.ReadAll());
            Settle(left);
        }
        finally
        {
            queue.Flushes.WorkerStopped();
            var counts = queue.Counts.Snapshot();
            Log.Stopped(logger, counts.Delivered, counts.Failed);
        }
    }

    /// <summary>Writes <paramref name="left"/> to disk, or counts it as dropped; never throws.</summary>
    private void Settle(List<OutboundEvent> left)
    {
        if (spill is not null)
        {
            spill.WriteOrDrop(left);
            return;
        }

        if (left.Count > 0)
        {
            queue.Taken(left);
            queue.Counts.Failed(left.Count);
            metrics.Dropped(DropReason.Shutdown, left.Count);
            Log.UndeliveredAtShutdown(logger, left.Count);
        }
    }
}
