namespace TelemetryHosting;

/// <summary>
/// The parts of an event that an <see cref="ITelemetryEventEnricher"/> may fill. A value type passed by reference,
/// so that enrichment allocates nothing of its own.
/// </summary>
#pragma warning disable CA1815 // Never compared: it only carries values from enrichers to the recorder.
public struct TelemetryEventEnrichment
#pragma warning restore CA1815
{
    /// <summary>Initializes a new instance of the <see cref="TelemetryEventEnrichment"/> struct for an event.</summary>
    /// <param name="feature">The event's feature.</param>
    /// <param name="action">The event's action.</param>
    public TelemetryEventEnrichment(string feature, string action)
    {
        Feature = feature;
        Action = action;
    }

    /// <summary>Gets the feature of the event being recorded.</summary>
    public string Feature { get; }

    /// <summary>Gets the action of the event being recorded.</summary>
    public string Action { get; }

    /// <summary>
    /// Gets or sets the client-propagated interaction id, used when the caller passed no
    /// <see cref="TelemetryEventParameters.InteractionId"/>. The default value is <see langword="null"/>.
    /// </summary>
    public string? InteractionId { get; set; }

    /// <summary>
    /// Gets or sets the SAMS external id of the acting user, used when the caller passed no
    /// <see cref="TelemetryEventParameters.User"/>. The default value is <see langword="null"/>.
    /// </summary>
    public string? SamsExternalId { get; set; }
}
