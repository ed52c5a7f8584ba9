using Polly;

namespace TelemetryHosting.Resilience.Internal;

/// <summary>What the application added to, or put in place of, the export pipeline.</summary>
internal sealed class ExportResilienceCustomization
{
    public List<Action<ResiliencePipelineBuilder, IServiceProvider>> Configure { get; } = [];

    public bool ReplaceDefaults { get; set; }
}
