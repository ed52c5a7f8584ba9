namespace TelemetryHosting;

/// <summary>
/// Adds ambient context to events as they are recorded, for example the interaction id and user of the current web
/// request. Register implementations as singletons with
/// <c>services.TryAddEnumerable(ServiceDescriptor.Singleton&lt;ITelemetryEventEnricher, MyEnricher&gt;())</c>.
/// </summary>
/// <remarks>
/// <see cref="Enrich"/> runs on the thread that records the event, inside <see cref="ITelemetryRecorder.Record"/>:
/// keep it fast, non-blocking and free of exceptions. An exception does not reach the caller: the event is recorded
/// without what that enricher set, and the failure is logged (at most once a minute, with the number of others). What
/// the caller passed explicitly always wins: enriched values only fill what the event's
/// <see cref="TelemetryEventParameters"/> leave unset.
/// </remarks>
public interface ITelemetryEventEnricher
{
    /// <summary>Sets the parts of <paramref name="enrichment"/> this enricher knows; leaves the others alone.</summary>
    /// <param name="enrichment">The event's enrichable parts, shared by every registered enricher in turn.</param>
    void Enrich(ref TelemetryEventEnrichment enrichment);
}
