namespace TelemetryHosting.DevGateway;

/// <summary>
/// Settings of <see cref="GatewayFaultOptions.RejectEvents"/>: events fail (left out of the response, not stored). Each
/// attempt of an event id is rolled afresh from (<see cref="GatewayFaultOptions.Seed"/>, id, attempt number), so runs are
/// reproducible whatever the interleaving of streams, and retries eventually succeed when the rate is below 1.
/// </summary>
public sealed class EventRejectionOptions : FaultInjectionOptions
{
    /// <summary>Gets the features whose events may fail; when empty, every event may.</summary>
    /// <value>The default value is an empty list.</value>
    public IList<string> Features => _features;

    private List<string> _features = [];

    internal override FaultInjectionOptions Clone()
    {
        var copy = (EventRejectionOptions)base.Clone();
        copy._features = [.. _features];
        return copy;
    }
}
