using Microsoft.Extensions.Logging;
using Polly;
using TelemetryHosting.Diagnostics.Internal;
using TelemetryHosting.Recording.Internal;
using TelemetryHosting.Resilience.Internal;

namespace TelemetryHosting.Export.Internal;

/// <summary>
/// The exports under way, oldest first, and their settlement: acknowledged events are delivered; after a completed
/// stream an event left out has used an attempt, and once it has used them all it is given up; the others are handed
/// back to be sent again.
/// </summary>
/// <remarks>
/// A second export may start while the first waits for its acknowledgements, so that building and sending one batch
/// overlaps the gateway's work on the previous one; only once an export has succeeded and while the gateway is
/// healthy, so that an outage is retried by one export at a time.
/// </remarks>
internal sealed class ExportsInFlight(
    TelemetryGatewayExporter exporter,
    ResiliencePipeline pipeline,
    ExportHealth health,
    DeliveryCounts counts,
    TelemetryHostingMetrics metrics,
    TimeProvider timeProvider,
    ILogger logger,
    int maxEventAttempts)
{
    private const int MaxConcurrentExports = 2;
    private readonly List<InFlightExport> _exports = [];
    private bool _anExportSucceeded;

    /// <summary>Raised for each event settled (delivered or given up), for its spill segment's bookkeeping.</summary>
    public event Action<PendingEvent>? EventSettled;

    public int Count => _exports.Count;

    public IReadOnlyList<InFlightExport> All => _exports;

    public bool CanStart =>
        _exports.Count == 0
        || (_exports.Count < MaxConcurrentExports && _anExportSucceeded && health.FailingSince is null);

    /// <summary>Gets the sequence number of the oldest event in flight that is not on disk.</summary>
    public long OldestNotPersisted
    {
        get
        {
            var oldest = long.MaxValue;
            foreach (var export in _exports)
            {
                foreach (var pending in export.Events)
                {
                    if (!pending.CountsAsPersisted)
                    {
                        oldest = Math.Min(oldest, pending.Sequence);
                        break;
                    }
                }
            }

            return oldest;
        }
    }

    /// <summary>Sends <paramref name="events"/> as an export of its own, through the resilience pipeline.</summary>
    /// <param name="events">The events, encoded.</param>
    /// <param name="abort">Ends the export (the retries, the attempt in progress, its waits) when the worker stops.</param>
    public void Start(List<PendingEvent> events, CancellationToken abort)
    {
        var export = new InFlightExport(events);
        export.Task = Task.Run(() => ExportAsync(export, abort), CancellationToken.None);
        _exports.Add(export);
    }

    /// <summary>Settles the exports that have ended; rethrows the failure of one that failed (a defect).</summary>
    /// <param name="leftOut">Receives the events to send again.</param>
    public void SettleFinished(List<PendingEvent> leftOut)
    {
        while (_exports.Find(e => e.Task.IsCompleted) is { } export)
        {
            _exports.Remove(export);
            Settle(export, leftOut);
            _anExportSucceeded |= export.Completed;
            export.Task.GetAwaiter().GetResult();
        }
    }

    /// <summary>Waits for every export, then settles them; bounded by the exports, which end soon once aborted.</summary>
    /// <param name="leftOut">Receives the events not settled.</param>
    public async Task SettleAllAsync(List<PendingEvent> leftOut)
    {
        foreach (var export in _exports)
        {
            // Bounded: the abort ends the pipeline's retries and delays, and the exporter's attempt (its reading
            // observes the token; a write it cannot end is abandoned).
            await export.Task.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            Settle(export, leftOut);
        }

        _exports.Clear();
    }

    private async Task ExportAsync(InFlightExport export, CancellationToken abort)
    {
        var started = timeProvider.GetTimestamp();
        try
        {
            // Bounded: every attempt by its timeout and gRPC deadline, the delays between them by MaxRetryDelay, and
            // the whole by the abort (the worker's stop after the host's shutdown timeout).
            string? requestId = null;
            await pipeline.ExecuteAsync(
                async token =>
                {
                    // A retry re-sends only what the gateway has not acknowledged yet (the exporter leaves those out).
                    requestId = await exporter.ExportAsync(export.Events, export.Acknowledged, export.TooLarge, token).ConfigureAwait(false);
                },
                abort).ConfigureAwait(false);
            export.Completed = true;
            if (requestId is not null)
            {
                Log.ExportCompleted(logger, requestId, export.Acknowledged.Count, export.Events.Count, timeProvider.GetElapsedTime(started));
                health.OnExportSucceeded();
            }

            // Otherwise no stream was sent: every event left had been refused as too large, each alone, and the failures
            // that refused them stand (an outage is not over until something gets through).
        }
        finally
        {
            metrics.ExportCompleted(timeProvider.GetElapsedTime(started), export.Events.Count);
        }
    }

    private void Settle(InFlightExport export, List<PendingEvent> leftOut)
    {
        var delivered = 0;
        var rejected = 0;
        foreach (var pending in export.Events)
        {
            if (pending.IsIn(export.Acknowledged))
            {
                delivered++;
                Settled(pending);
                continue;
            }

            // Left out of a completed stream, or refused as too large even alone in a stream (so that a proxy refusing
            // everything for a moment does not cost events at once): an attempt used.
            var tooLarge = pending.IsIn(export.TooLarge);
            if ((export.Completed || tooLarge) && ++pending.Attempts >= maxEventAttempts)
            {
                rejected++;
                Settled(pending);
                if (tooLarge)
                {
                    Log.EventTooLarge(logger, pending.WireId, pending.Feature, pending.Action, pending.EncodedSize, pending.Attempts);
                }
                else
                {
                    Log.EventRejected(logger, pending.WireId, pending.Feature, pending.Action, pending.Attempts);
                }

                continue;
            }

            leftOut.Add(pending);
        }

        if (delivered > 0)
        {
            counts.Delivered(delivered);
            metrics.Exported(delivered);
        }

        if (rejected > 0)
        {
            counts.Failed(rejected);
            metrics.Dropped(DropReason.Rejected, rejected);
        }
    }

    private void Settled(PendingEvent pending)
    {
        if (pending.CountsAsPersisted)
        {
            // Journaled during an outage, and now settled: no longer persisted.
            pending.CountsAsPersisted = false;
            counts.Replayed(1);
        }

        EventSettled?.Invoke(pending);
    }
}
