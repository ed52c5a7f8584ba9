namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>
/// One event in the shape of Sourcegraph's GraphQL <c>TelemetryEventInput</c>, as <c>@sourcegraph/telemetry</c> builds
/// it. The timestamp, metadata and private metadata are kept as JSON for the checks the serializer cannot make.
/// </summary>
internal sealed class ClientEventInputDocument
{
    public string? Feature { get; set; }

    public string? Action { get; set; }

    public ClientEventInputSourceDocument? Source { get; set; }

    public ClientEventInputParametersDocument? Parameters { get; set; }

    public ClientEventInputMarketingTrackingDocument? MarketingTracking { get; set; }

    public ClientEventRawValue? Timestamp { get; set; }
}
