using Microsoft.Extensions.Logging;
using Polly;
using Polly.Timeout;
using TelemetryHosting.Diagnostics.Internal;
using TelemetryHosting.Persistence.Internal;
using TelemetryHosting.Resilience.Internal;

namespace TelemetryHosting.Export.Internal;

/// <summary>
/// The exports under way, oldest first, and their settlement: acknowledged events are delivered; an event an export
/// ended without delivering has used a send and is given up after <c>MaxEventAttempts</c>, or handed back.
/// </summary>
internal sealed class ExportsInFlight(
    TelemetryGatewayExporter exporter,
    ResiliencePipeline pipeline,
    ExportHealth health,
    DeliveryCounts counts,
    SpillStage? spill,
    TelemetryHostingMetrics metrics,
    TimeProvider timeProvider,
    ILogger logger,
    int maxEventAttempts)
{
    private const int MaxConcurrentExports = 2;
    private readonly List<InFlightExport> _exports = [];
    private bool _anExportSucceeded;

    public int Count => _exports.Count;

    public IEnumerable<Task> Tasks => _exports.Select(export => export.Task);

    /// <summary>
    /// Gets a value indicating whether an export may start: a second one overlaps the gateway's work on the first, but only
    /// once an export has succeeded and while the gateway is healthy, so that an outage is retried by one at a time.
    /// </summary>
    public bool CanStart =>
        _exports.Count == 0 || (_exports.Count < MaxConcurrentExports && _anExportSucceeded && !health.IsFailing);

    /// <summary>Gets a value indicating whether an export holds events only in memory (not read back from disk).</summary>
    public bool HoldInMemory => _exports.Exists(export => export.Events.Exists(e => e.Segment is null));

    public long LowestSequence => OutboundEvent.LowestSequence(_exports.SelectMany(export => export.Events));

    /// <summary>Starts an export of <paramref name="events"/>, ended (retries, attempt, waits) by the worker's <paramref name="abort"/>.</summary>
    public void Start(List<OutboundEvent> events, CancellationToken abort)
    {
        var export = new InFlightExport(events, CancellationTokenSource.CreateLinkedTokenSource(abort));
        export.Task = Task.Run(() => ExportAsync(export, export.Stop.Token), CancellationToken.None);
        _exports.Add(export);
    }

    /// <summary>Ends the exports holding events only in memory, which come back unsettled (bounded like the abort).</summary>
    public void StopThoseInMemoryOnly()
    {
        foreach (var export in _exports.Where(export => export.Events.Exists(e => e.Segment is null)))
        {
            export.Stop.Cancel();
        }
    }

    /// <summary>Settles the exports that have ended, adding the events to send again to <paramref name="unsettled"/>.</summary>
    public void SettleFinished(List<OutboundEvent> unsettled)
    {
        while (_exports.Find(e => e.Task.IsCompleted) is { } export)
        {
            _exports.Remove(export);
            export.Stop.Dispose();
            Settle(export, unsettled);
        }
    }

    public async Task SettleAllAsync(List<OutboundEvent> unsettled)
    {
        // Bounded: the abort ends the pipeline's retries and delays, and the exporter's attempt (its reading observes
        // the token; a write it cannot end is abandoned).
        await Task.WhenAll(Tasks).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        SettleFinished(unsettled);
    }

    /// <summary>Never fails: records how the export ended in its <see cref="InFlightExport.Outcome"/>.</summary>
    private async Task ExportAsync(InFlightExport export, CancellationToken stop)
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
                    try
                    {
                        requestId = await exporter.ExportAsync(export.Events, export.Acknowledged, export.TooLarge, token).ConfigureAwait(false);
                    }
                    catch (Exception exception) when (!stop.IsCancellationRequested
                        && (token.IsCancellationRequested || ExportFailure.Classify(exception) != ExportFailureKind.None))
                    {
                        // Health comes from the attempts themselves, whatever pipeline the application configured. The
                        // attempt's token ended it while the export goes on: the pipeline's timeout.
                        health.OnAttemptFailed(token.IsCancellationRequested ? new TimeoutRejectedException("the export attempt timed out", exception) : exception);
                        throw;
                    }

                    // No request id: no stream was sent, every event left was refused as too large alone, and the
                    // failures that refused them stand (an outage is not over until something gets through).
                    if (requestId is not null)
                    {
                        health.OnAttemptSucceeded();
                    }
                },
                stop).ConfigureAwait(false);
            export.Outcome = ExportOutcome.Completed;
            if (requestId is not null)
            {
                _anExportSucceeded = true;
                Log.ExportCompleted(logger, requestId, export.Acknowledged.Count, export.Events.Count, timeProvider.GetElapsedTime(started));
            }
        }
        catch (Exception) when (stop.IsCancellationRequested)
        {
            export.Outcome = ExportOutcome.Aborted;
        }
#pragma warning disable CA1031 // The export's events must come back to the worker, whatever ended it.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            // The pipeline gave up (one the application configured to stop retrying), or rejected the export (a rate
            // limiter of its own), or a defect: the events use a send and go again after RetryDelay.
            if (ExportFailure.Classify(exception) == ExportFailureKind.None)
            {
                Log.WorkerFailed(logger, exception);
            }

            export.Outcome = ExportOutcome.GaveUp;
        }
        finally
        {
            metrics.ExportCompleted(timeProvider.GetElapsedTime(started), export.Events.Count);
        }
    }

    private void Settle(InFlightExport export, List<OutboundEvent> unsettled)
    {
        // Decided first; the unsettled are in the caller's hands, which give them back whatever happens here. A disk
        // event stops counting as persisted before it counts as settled (a snapshot never counts it twice).
        var delivered = new List<OutboundEvent>();
        var givenUp = new List<OutboundEvent>();
        foreach (var outbound in export.Events)
        {
            if (outbound.IsIn(export.Acknowledged))
            {
                delivered.Add(outbound);
            }
            else if ((export.Outcome != ExportOutcome.Aborted || outbound.IsIn(export.TooLarge)) && ++outbound.Sends >= maxEventAttempts)
            {
                givenUp.Add(outbound);
            }
            else
            {
                unsettled.Add(outbound);
            }
        }

        foreach (var outbound in delivered.Concat(givenUp))
        {
            spill?.OnSettled(outbound);
        }

        counts.Delivered(delivered.Count);
        counts.Failed(givenUp.Count);
        if (delivered.Count > 0)
        {
            metrics.Exported(delivered.Count);
        }

        foreach (var outbound in givenUp)
        {
            if (outbound.IsIn(export.TooLarge))
            {
                metrics.Dropped(DropReason.Rejected);
                Log.EventTooLarge(logger, outbound.WireId, outbound.Feature, outbound.Action, outbound.EncodedSize, outbound.Sends);
            }
            else if (export.Outcome == ExportOutcome.GaveUp)
            {
                metrics.Dropped(DropReason.ExportFailed);
                Log.EventExportFailed(logger, outbound.WireId, outbound.Feature, outbound.Action, outbound.Sends);
            }
            else
            {
                metrics.Dropped(DropReason.Rejected);
                Log.EventRejected(logger, outbound.WireId, outbound.Feature, outbound.Action, outbound.Sends);
            }
        }
    }
}
