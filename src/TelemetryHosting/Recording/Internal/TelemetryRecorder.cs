using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using TelemetryHosting.Diagnostics.Internal;
using TelemetryHosting.Export.Internal;
using TelemetryHosting.Shared;

namespace TelemetryHosting.Recording.Internal;

/// <summary>
/// The telemetry recorder. <see cref="Record(string, string, TelemetryEventParameters?)"/> is the hot path: validate,
/// capture, enqueue, nothing else.
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
        var content = new RecordedContent
        {
            Timestamp = parameters?.Timestamp,
            Version = parameters?.Version ?? 0,
            Metadata = RecordedParameters.CopyMetadata(parameters?.Metadata),
            PrivateMetadata = parameters?.PrivateMetadata is { Count: > 0 } privateMetadata
                ? PrivateMetadataConverter.ToStruct(privateMetadata)
                : null,
            Billing = parameters?.Billing,
            User = parameters?.User,
            Client = parameters?.Client,
            FeatureFlags = RecordedParameters.CopyFlags(parameters?.FeatureFlags),
            InteractionId = parameters?.InteractionId,
            MarketingTracking = RecordedParameters.CheckMarketingTracking(parameters?.MarketingTracking),
        };
        return Enqueue(feature, action, in content);
    }

    /// <summary>
    /// Records an event of a generated <c>[TelemetryEvent]</c> method (<see cref="TelemetryEventDefinition.Record"/>):
    /// the definition checked its names and keys when it was created, and the values come without dictionaries.
    /// </summary>
    internal bool Record(TelemetryEventDefinition definition, ReadOnlySpan<double?> metadata, ReadOnlySpan<object?> privateMetadata, string? interactionId, TelemetryEventUser? user)
    {
        var content = new RecordedContent
        {
            Version = definition.Version,
            Metadata = RecordedParameters.CopyMetadata(definition.MetadataKeys, metadata),
            PrivateMetadata = privateMetadata.IsEmpty ? null : PrivateMetadataConverter.ToStruct(definition.PrivateMetadataKeys, privateMetadata),
            Billing = definition.Billing,
            User = user,
            InteractionId = interactionId,
        };
        return Enqueue(definition.Feature, definition.Action, in content);
    }

    /// <summary>
    /// What both ways of recording share, once the caller's arguments are checked and copied: the enrichers, the
    /// ambient trace id and baggage, the id and time, and the queue with its accounting.
    /// </summary>
    private bool Enqueue(string feature, string action, in RecordedContent content)
    {
        var user = content.User;
        var interactionId = content.InteractionId;
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
            Timestamp = content.Timestamp ?? now,
            Feature = feature,
            Action = action,
            TraceId = activity?.TraceId ?? default,
            Version = content.Version,
            Metadata = content.Metadata,
            PrivateMetadata = content.PrivateMetadata,
            Billing = content.Billing,
            User = user,
            Client = content.Client,
            FeatureFlags = content.FeatureFlags,
            InteractionId = interactionId,
            MarketingTracking = content.MarketingTracking,
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

    /// <summary>An event's parts from the caller, checked and copied; <see cref="Enqueue"/> adds the rest.</summary>
    private readonly struct RecordedContent
    {
        public DateTimeOffset? Timestamp { get; init; }

        public int Version { get; init; }

        public KeyValuePair<string, double>[]? Metadata { get; init; }

        public Struct? PrivateMetadata { get; init; }

        public TelemetryBillingMetadata? Billing { get; init; }

        public TelemetryEventUser? User { get; init; }

        public TelemetryEventClient? Client { get; init; }

        public KeyValuePair<string, bool>[]? FeatureFlags { get; init; }

        public string? InteractionId { get; init; }

        public TelemetryMarketingTracking? MarketingTracking { get; init; }
    }
}
