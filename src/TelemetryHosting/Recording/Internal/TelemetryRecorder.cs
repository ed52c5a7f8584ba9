using System.Diagnostics;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using TelemetryHosting.Diagnostics.Internal;
using TelemetryHosting.Export.Internal;
using TelemetryHosting.Shared;

namespace TelemetryHosting.Recording.Internal;

/// <summary>
/// The telemetry recorder. <see cref="Record"/> is the hot path: validate, capture, enqueue, nothing else.
/// </summary>
internal sealed class TelemetryRecorder : ITelemetryRecorder
{
    private readonly TelemetryEventQueue _queue;
    private readonly TimeProvider _timeProvider;
    private readonly TelemetryHostingMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ITelemetryEventEnricher[] _enrichers;
    private readonly LogThrottle _queueFullLog;
    private readonly LogThrottle _enricherFailureLog;

    public TelemetryRecorder(
        TelemetryEventQueue queue,
        TimeProvider timeProvider,
        TelemetryHostingMetrics metrics,
        ILogger<TelemetryRecorder> logger,
        IEnumerable<ITelemetryEventEnricher> enrichers)
    {
        _queue = queue;
        _timeProvider = timeProvider;
        _metrics = metrics;
        _logger = logger;
        _enrichers = [.. enrichers];
        _queueFullLog = new LogThrottle(timeProvider, TimeSpan.FromMinutes(1));
        _enricherFailureLog = new LogThrottle(timeProvider, TimeSpan.FromMinutes(1));
    }

    public bool Record(string feature, string action, TelemetryEventParameters? parameters = null)
    {
        RecordedParameters.ThrowIfInvalidName(feature, action);

        var user = parameters?.User;
        var interactionId = parameters?.InteractionId;
        if (_enrichers.Length > 0)
        {
            Enrich(feature, action, ref user, ref interactionId);
        }

        // Read once: the trace id and the baggage both come from it.
        var activity = Activity.Current;
        interactionId ??= InteractionIdFromBaggage(activity);

        var now = _timeProvider.GetUtcNow();
        var pending = new PendingEvent
        {
            Id = EventIdGenerator.CreateVersion7(now),
            Timestamp = parameters?.Timestamp ?? now,
            Feature = feature,
            Action = action,
            TraceId = activity?.TraceId ?? default,
            Version = parameters?.Version ?? 0,
            Metadata = RecordedParameters.CopyMetadata(parameters?.Metadata),
            PrivateMetadata = parameters?.PrivateMetadata is { Count: > 0 } privateMetadata
                ? PrivateMetadataConverter.ToStruct(privateMetadata)
                : null,
            Billing = parameters?.Billing,
            User = user,
            Client = parameters?.Client,
            FeatureFlags = RecordedParameters.CopyFlags(parameters?.FeatureFlags),
            InteractionId = interactionId,
            MarketingTracking = RecordedParameters.CheckMarketingTracking(parameters?.MarketingTracking),
        };

        if (_queue.TryEnqueue(pending))
        {
            return true;
        }

        if (_queue.IsClosed)
        {
            _metrics.Dropped(DropReason.Shutdown);
            return false;
        }

        _metrics.Dropped(DropReason.QueueFull);
        LogQueueFullAtMostEveryMinute();
        return false;
    }

    public async Task<TelemetryFlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            // A flush already cancelled waits for nothing: it only reports the counts.
            cancellationToken.ThrowIfCancellationRequested();

            // Bounded by the caller's token; without one, by the worker, which ends every flush at the latest when it
            // stops (within the host's shutdown timeout). With no worker running, it completes at once.
            await _queue.FlushAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Documented: a cancelled flush reports what is still pending instead of throwing.
        }

        return _queue.Counts.Snapshot();
    }

    /// <summary>Fills what the caller left unset from the enrichers; explicit parameters always win.</summary>
    private void Enrich(string feature, string action, ref TelemetryEventUser? user, ref string? interactionId)
    {
        var enrichment = new TelemetryEventEnrichment(feature, action);
        foreach (var enricher in _enrichers)
        {
            var before = enrichment;
            try
            {
                enricher.Enrich(ref enrichment);
            }
#pragma warning disable CA1031 // A faulty enricher must not fail the caller's operation or lose the event.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                // Whatever it half-filled is undone; the other enrichers still run.
                enrichment = before;
                if (_enricherFailureLog.ShouldLog(out var suppressed))
                {
                    Log.EnricherFailed(_logger, exception, enricher.GetType().FullName ?? enricher.GetType().Name, feature, action, suppressed);
                }
            }
        }

        if (interactionId is null && !string.IsNullOrEmpty(enrichment.InteractionId))
        {
            interactionId = enrichment.InteractionId;
        }

        // An explicit user may be someone other than the one acting (an admin acting on a user): it is left whole.
        if (user is null && !string.IsNullOrEmpty(enrichment.SamsExternalId))
        {
            user = new TelemetryEventUser { SamsExternalId = enrichment.SamsExternalId };
        }
    }

    /// <summary>
    /// The interaction id in W3C baggage: OpenTelemetry's (filled by its propagators), else the current activity's
    /// (filled by ASP.NET Core's propagator when the OpenTelemetry SDK is not used). A value that fails the header's
    /// rule is ignored: baggage comes from outside.
    /// </summary>
    private static string? InteractionIdFromBaggage(Activity? activity)
    {
        var value = Baggage.GetBaggage(TelemetryEventParameters.InteractionIdBaggageKey)
            ?? activity?.GetBaggageItem(TelemetryEventParameters.InteractionIdBaggageKey);
        return string.IsNullOrWhiteSpace(value) || InteractionIdRule.Check(value) is not null ? null : value;
    }

    private void LogQueueFullAtMostEveryMinute()
    {
        if (_queueFullLog.ShouldLog())
        {
            Log.QueueFull(_logger, _queue.Capacity);
        }
    }
}
