using Polly;
using TelemetryHosting;
using TelemetryHosting.Resilience.Internal;

namespace Microsoft.Extensions.DependencyInjection;

public static partial class TelemetryGatewayServiceCollectionExtensions
{
    private static void AddExportResilience(IServiceCollection services)
    {
        services.AddResiliencePipeline(
            TelemetryGatewayResilience.PipelineKey,
            static (builder, context) => ExportResiliencePipeline.Configure(builder, context.ServiceProvider));
    }
}
