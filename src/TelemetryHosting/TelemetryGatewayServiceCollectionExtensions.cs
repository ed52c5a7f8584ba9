using Grpc.Net.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Telemetrygateway.V1;
using TelemetryHosting;
using TelemetryHosting.Configuration.Internal;
using TelemetryHosting.Diagnostics.Internal;
using TelemetryHosting.Export.Internal;
using TelemetryHosting.Recording.Internal;
using TelemetryHosting.Resilience.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the telemetry recorder and its delivery to the Sourcegraph Telemetry Gateway.</summary>
public static partial class TelemetryGatewayServiceCollectionExtensions
{
    private const string DefaultSectionName = "TelemetryGateway";

    /// <summary>
    /// Registers <see cref="ITelemetryRecorder"/> and the background delivery worker, with options bound from
    /// the application configuration's <c>TelemetryGateway</c> section.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <returns>A builder for further configuration.</returns>
    public static ITelemetryGatewayBuilder AddTelemetryGateway(this IServiceCollection services)
    {
        return AddTelemetryGatewayCore(
            services,
            options => options.BindConfiguration(DefaultSectionName, binder => binder.ErrorOnUnknownConfiguration = true));
    }

    /// <summary>
    /// Registers <see cref="ITelemetryRecorder"/> and the background delivery worker, with options bound from
    /// <paramref name="section"/>. An unknown key in the section fails at start with a message naming it.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="section">The configuration section holding <see cref="TelemetryGatewayOptions"/>.</param>
    /// <returns>A builder for further configuration.</returns>
    public static ITelemetryGatewayBuilder AddTelemetryGateway(this IServiceCollection services, IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        return AddTelemetryGatewayCore(
            services,
            options => options.Bind(section, binder => binder.ErrorOnUnknownConfiguration = true));
    }

    /// <summary>
    /// Registers <see cref="ITelemetryRecorder"/> and the background delivery worker, with options set by
    /// <paramref name="configure"/>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>A builder for further configuration.</returns>
    public static ITelemetryGatewayBuilder AddTelemetryGateway(this IServiceCollection services, Action<TelemetryGatewayOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return AddTelemetryGatewayCore(services, options => options.Configure(configure));
    }

    private static TelemetryGatewayBuilder AddTelemetryGatewayCore(
        IServiceCollection services, Action<OptionsBuilder<TelemetryGatewayOptions>> configureOptions)
    {
        ArgumentNullException.ThrowIfNull(services);
        configureOptions(services.AddOptionsWithValidateOnStart<TelemetryGatewayOptions>());

        var builder = new TelemetryGatewayBuilder(services);
        if (services.Any(descriptor => descriptor.ServiceType == typeof(TelemetryEventQueue)))
        {
            return builder;
        }

        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddLogging();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TelemetryGatewayOptions>, TelemetryGatewayOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TelemetryGatewayOptions>, TelemetryGatewayOptionsRulesValidator>());
        // First of the post-configurations: the AppHost's connection string replaces bound values before defaults fill gaps.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<TelemetryGatewayOptions>, ConnectionStringOptions>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<TelemetryGatewayOptions>, TelemetryGatewayOptionsDefaults>());

        services.TryAddSingleton<TelemetryEventQueue>();
        services.TryAddSingleton<TelemetryHostingMetrics>();
        services.TryAddSingleton<DropHistory>();
        services.TryAddSingleton<TelemetryGatewayExporter>();
        services.TryAddSingleton<ITelemetryRecorder, TelemetryRecorder>();
        services.TryAddSingleton<ExportHealth>();
        services.TryAddSingleton<TelemetryExportWorker>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, TelemetryExportWorker>(
            provider => provider.GetRequiredService<TelemetryExportWorker>()));
        AddExportResilience(services);

        var gatewayClient = services
            .AddGrpcClient<TelemeteryGatewayService.TelemeteryGatewayServiceClient>(TelemetryGatewayExporter.ClientName, (provider, client) =>
            {
                client.Address = provider.GetRequiredService<IOptions<TelemetryGatewayOptions>>().Value.Endpoint;
            })
            .ConfigureChannel(channel =>
            {
                // Cancellation is ours (attempt timeout, shutdown), so it surfaces as OperationCanceledException.
                channel.ThrowOperationCanceledOnCancellation = true;
            })
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                // The reference exporter's keep-alive: ping every 20 s, give up after 10 s, idle out after 1 min.
                KeepAlivePingDelay = TimeSpan.FromSeconds(20),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
                KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
                EnableMultipleHttp2Connections = true,
            })
            .AddHttpMessageHandler(static () => new RequestTooLargeHandler());
        AddSamsAuthentication(services, gatewayClient);

        return builder;
    }

    private sealed class TelemetryGatewayBuilder(IServiceCollection services) : ITelemetryGatewayBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}
