using TelemetryHosting.Persistence.Internal;
using TelemetryHosting.Recording.Internal;

namespace TelemetryHosting.Export.Internal;

/// <summary>
/// Fills the worker's batch: held-back events whose retry delay has passed, then queued entries while the batch has
/// room, stopping at a flush request (so that entries queued behind it do not delay it), then a spilled segment
/// beside them while the gateway is healthy.
/// </summary>
internal sealed class BatchFiller(
    TelemetryEventQueue queue, ExportBatch batch, PendingFlushes flushes, EventPreparer preparer, SpillCoordinator? spill)
{
    public async Task FillAsync()
    {
        if (spill is not null)
        {
            // Bounded by the spiller's pass, which only reads the queue and writes files.
            await spill.EnterReaderAsync().ConfigureAwait(false);
        }

        try
        {
            batch.TakeDueRetries();
            while (batch.HasRoom && !flushes.Any && queue.TryRead(out var entry))
            {
                if (entry is FlushRequest flush)
                {
                    flushes.Add(flush, batch.LastSequence);
                }
                else if (preparer.TryPrepare((PendingEvent)entry))
                {
                    batch.Add((PendingEvent)entry);
                }
            }

            spill?.Replay(batch);
        }
        finally
        {
            spill?.ExitReader();
        }
    }
}
