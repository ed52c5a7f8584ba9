namespace TelemetryHosting;

/// <summary>Names of the resilience pipeline that wraps every export.</summary>
/// <remarks>
/// The pipeline is registered with Polly's dependency injection under <see cref="PipelineKey"/>: retry with
/// exponential backoff and jitter, a circuit breaker, and a timeout per attempt, all set from
/// <see cref="TelemetryGatewayOptions"/>. Polly's own logs and metrics for it flow to the application's logging
/// and meters. To replace it, register another pipeline under the same key after <c>AddTelemetryGateway</c>
/// with <c>services.AddResiliencePipeline(TelemetryGatewayResilience.PipelineKey, ...)</c>. A replacement should
/// keep retrying: events the pipeline gives up on are kept and sent again by the worker.
/// </remarks>
public static class TelemetryGatewayResilience
{
    /// <summary>The key of the export pipeline in Polly's pipeline registry.</summary>
    public const string PipelineKey = "TelemetryHosting.Export";
}
