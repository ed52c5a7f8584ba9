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
        try
        {
            queue.Close();
            var left = new List<OutboundEvent>();

            // Bounded: each export ends soon once the worker is aborted (and has ended already when the loop drained).
            await exports.SettleAllAsync(left).ConfigureAwait(false);
            left.AddRange(batch.TakeAll());
            left.AddRange(reader.ReadAll());
            Settle(left);
        }
#pragma warning disable CA1031 // The flushes must end whatever happened above.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            // A defect: what was not taken yet is counted, so that no event is left pending for good.
            Log.WorkerFailed(logger, exception);
            Settle([.. batch.TakeAll(), .. reader.ReadAll()]);
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
            queue.Counts.Failed(left.Count);
            metrics.Dropped(DropReason.Shutdown, left.Count);
            Log.UndeliveredAtShutdown(logger, left.Count);
        }
    }
}
