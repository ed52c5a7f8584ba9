using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using TelemetryHosting;
using TelemetryHosting.AspNetCore;
using TelemetryHosting.AspNetCore.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds ASP.NET Core request context to recorded telemetry events.</summary>
public static partial class TelemetryGatewayBuilderAspNetCoreExtensions
{
    /// <summary>
    /// Fills, for events recorded during an HTTP request, <c>interaction.interaction_id</c> from the
    /// <c>X-Sourcegraph-Interaction-ID</c> header and <c>user.sams_external_id</c> from the authenticated user; nothing
    /// when they are absent. Values passed explicitly to <see cref="ITelemetryRecorder.Record"/> always win. With
    /// <see cref="TelemetryAspNetCoreOptions.PropagateInteractionIdInBaggage"/> on, the interaction id is also put into
    /// W3C baggage for the rest of the request.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddTelemetryGateway</c>.</param>
    /// <param name="configure">Changes the header and claim used; optional.</param>
    /// <returns>The builder, for further configuration.</returns>
    public static ITelemetryGatewayBuilder AddAspNetCoreEnrichment(this ITelemetryGatewayBuilder builder, Action<TelemetryAspNetCoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = AddRequestContext(builder.Services);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        builder.Services.AddHttpContextAccessor();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<ITelemetryEventEnricher, HttpContextTelemetryEventEnricher>());
        builder.Services.TryAddEnumerable(ServiceDescriptor.Transient<IStartupFilter, InteractionIdBaggageStartupFilter>());
        return builder;
    }

    /// <summary>
    /// What enrichment and the client event endpoint share: <see cref="TelemetryAspNetCoreOptions"/> (validated at start)
    /// and the interaction id header with its metrics.
    /// </summary>
    private static OptionsBuilder<TelemetryAspNetCoreOptions> AddRequestContext(IServiceCollection services)
    {
        var options = services.AddOptionsWithValidateOnStart<TelemetryAspNetCoreOptions>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TelemetryAspNetCoreOptions>, TelemetryAspNetCoreOptionsValidator>());
        services.AddMetrics();
        services.TryAddSingleton<TelemetryHostingAspNetCoreMetrics>();
        services.TryAddSingleton<InteractionIdHeader>();
        return options;
    }
}
