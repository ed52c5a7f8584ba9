namespace TelemetryHosting;

/// <summary>
/// Records product telemetry events for delivery to the Sourcegraph Telemetry Gateway.
/// </summary>
/// <remarks>
/// Obtain the telemetry recorder from dependency injection after calling
/// <c>services.AddTelemetryGateway(...)</c>. Recording never blocks, awaits or performs I/O: events are
/// validated, completed with the service's identity, the current time and the current trace id, and queued
/// for a background worker that delivers them in batches.
/// </remarks>
public interface ITelemetryRecorder
{
    /// <summary>Records an event.</summary>
    /// <param name="feature">
    /// The feature the event is about: a lowercase letter followed by letters, dashes or dots, 2 to 64
    /// bytes, for example <c>search.results</c>. By convention camelCase and dot-separated.
    /// </param>
    /// <param name="action">
    /// What happened, with the same rules as <paramref name="feature"/>, for example <c>view</c> or
    /// <c>succeeded</c>.
    /// </param>
    /// <param name="parameters">Optional metadata, user, client and other details of the event.</param>
    /// <returns>
    /// <see langword="true"/> when the event was accepted for delivery; <see langword="false"/> when it could
    /// not be (the queue is full or the recorder has stopped). A refused event is counted in the
    /// <c>telemetryhosting.events.dropped</c> metric with its reason.
    /// </returns>
    /// <exception cref="ArgumentException">
    /// <paramref name="feature"/> or <paramref name="action"/> break the gateway's naming rules (the message is
    /// the gateway's own), or <paramref name="parameters"/> holds a non-finite number, an empty key or a private
    /// metadata value of an unsupported type.
    /// </exception>
    bool Record(string feature, string action, TelemetryEventParameters? parameters = null);

    /// <summary>
    /// Waits until every event recorded before the call has been acknowledged by the gateway, given up, or written to
    /// disk. Events recorded meanwhile go on being taken and sent. With no delivery worker running (before the host has
    /// started it, or after it stopped) it returns at once with what is pending.
    /// </summary>
    /// <param name="cancellationToken">
    /// Stops waiting. Cancellation does not throw: the result then counts the events still pending.
    /// </param>
    /// <returns>The recorder's delivery counts when the wait ended.</returns>
    Task<TelemetryFlushResult> FlushAsync(CancellationToken cancellationToken = default);
}
