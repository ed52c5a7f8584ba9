namespace TelemetryHosting;

/// <summary>Names of the resilience pipeline that wraps every export.</summary>
/// <remarks>
/// Every export runs in a Polly pipeline registered under <see cref="PipelineKey"/>: retry with exponential backoff
/// and jitter, a circuit breaker, and a timeout per attempt, all set from <see cref="TelemetryGatewayOptions"/>.
/// Polly's own logs and metrics name the pipeline with this key. Extend or replace the pipeline with
/// <c>ConfigureExportResilience</c> on the builder that <c>AddTelemetryGateway</c> returns.
/// </remarks>
public static class TelemetryGatewayResilience
{
    /// <summary>The key of the export pipeline in Polly's pipeline registry.</summary>
    public const string PipelineKey = "TelemetryHosting.Export";
}
