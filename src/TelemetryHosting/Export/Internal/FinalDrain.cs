using Microsoft.Extensions.Logging;
using TelemetryHosting.Diagnostics.Internal;
using TelemetryHosting.Persistence.Internal;
using TelemetryHosting.Recording.Internal;

namespace TelemetryHosting.Export.Internal;

/// <summary>
/// What the worker does once its loop has ended (the queue drained, or the host's shutdown timeout): settle the
/// exports still in flight, then write what is left to disk when persistence is on, or count it as dropped with
/// reason <c>shutdown</c>; complete every flush request; signal that the recorder has drained.
/// </summary>
internal sealed class FinalDrain(
    TelemetryEventQueue queue,
    ExportsInFlight exports,
    ExportBatch batch,
    PendingFlushes flushes,
    SpillCoordinator? spill,
    TelemetryHostingMetrics metrics,
    ILogger logger)
{
    public async Task RunAsync()
    {
        try
        {
            queue.Close();
            var leftOut = new List<PendingEvent>();

            // Bounded: each export ends soon once the worker is aborted (and has ended already when the loop drained).
            await exports.SettleAllAsync(leftOut).ConfigureAwait(false);
            batch.HoldForRetry(leftOut);

            if (spill is not null)
            {
                // Bounded by disk writes.
                await spill.PersistAsync(batch.TakeAll()).ConfigureAwait(false);
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
            Log.WorkerFailed(logger, exception);
            DropEverythingLeft();
        }
        finally
        {
            spill?.HandOverRemaining();
            flushes.CompleteAll();
            var counts = queue.Counts.Snapshot();
            Log.Stopped(logger, counts.Delivered, counts.Failed);
            queue.MarkDrained();
        }
    }

    private void DropEverythingLeft()
    {
        // Events still in a segment file stay there (the next start delivers them): persisted, not lost.
        var held = batch.TakeAll();
        queue.Counts.Persisted(held.Count(e => e.Segment is not null && !e.CountsAsPersisted));
        long left = held.Count(e => e.Segment is null);
        while (queue.TryRead(out var entry))
        {
            if (entry is FlushRequest flush)
            {
                flush.Complete();
            }
            else
            {
                left++;
            }
        }

        if (left > 0)
        {
            queue.Counts.Failed(left);
            metrics.Dropped(DropReason.Shutdown, left);
            Log.UndeliveredAtShutdown(logger, left);
        }
    }
}
