namespace TelemetryHosting;

/// <summary>The billing product and category an event is attributed to.</summary>
public sealed class TelemetryBillingMetadata
{
    /// <summary>Gets the billing product id.</summary>
    public required string Product { get; init; }

    /// <summary>Gets the billing category id.</summary>
    public required string Category { get; init; }
}
