namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>A <c>TelemetryEventInput</c>'s <c>parameters.billingMetadata</c>.</summary>
internal sealed class ClientEventInputBillingDocument
{
    public string? Product { get; set; }

    public string? Category { get; set; }
}
