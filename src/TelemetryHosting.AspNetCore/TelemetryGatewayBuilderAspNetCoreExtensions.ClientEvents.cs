using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using TelemetryHosting;
using TelemetryHosting.AspNetCore;
using TelemetryHosting.AspNetCore.Internal;

namespace Microsoft.Extensions.DependencyInjection;

public static partial class TelemetryGatewayBuilderAspNetCoreExtensions
{
    /// <summary>
    /// Registers the client event endpoint's services with default <see cref="TelemetryClientEventsOptions"/>; map the
    /// endpoint with <c>app.MapTelemetryEvents("/api/telemetry")</c>. The user claim and interaction id header are
    /// those of <see cref="TelemetryAspNetCoreOptions"/>. Calling it more than once is harmless.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddTelemetryGateway</c>.</param>
    /// <returns>The builder, for further configuration.</returns>
    public static ITelemetryGatewayBuilder AddClientEvents(this ITelemetryGatewayBuilder builder) =>
        AddClientEventsCore(builder, _ => { });

    /// <summary>
    /// Registers the client event endpoint's services with <see cref="TelemetryClientEventsOptions"/> set by
    /// <paramref name="configure"/>; map the endpoint with <c>app.MapTelemetryEvents("/api/telemetry")</c>.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddTelemetryGateway</c>.</param>
    /// <param name="configure">Changes the accepted fields, limits and rate limit.</param>
    /// <returns>The builder, for further configuration.</returns>
    public static ITelemetryGatewayBuilder AddClientEvents(this ITelemetryGatewayBuilder builder, Action<TelemetryClientEventsOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return AddClientEventsCore(builder, options => options.Configure(configure));
    }

    /// <summary>
    /// Registers the client event endpoint's services with <see cref="TelemetryClientEventsOptions"/> bound from
    /// <paramref name="section"/>; an unknown key in the section fails at start with a message naming it.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddTelemetryGateway</c>.</param>
    /// <param name="section">The configuration section holding <see cref="TelemetryClientEventsOptions"/>.</param>
    /// <returns>The builder, for further configuration.</returns>
    public static ITelemetryGatewayBuilder AddClientEvents(this ITelemetryGatewayBuilder builder, IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        return AddClientEventsCore(builder, options => options.Bind(section, binder => binder.ErrorOnUnknownConfiguration = true));
    }

    private static ITelemetryGatewayBuilder AddClientEventsCore(
        ITelemetryGatewayBuilder builder, Action<OptionsBuilder<TelemetryClientEventsOptions>> configureOptions)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        configureOptions(services.AddOptionsWithValidateOnStart<TelemetryClientEventsOptions>());
        AddRequestContext(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TelemetryClientEventsOptions>, TelemetryClientEventsOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TelemetryClientEventsOptions>, TelemetryClientEventsOptionsRulesValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ClientEventRateLimiter>();
        services.TryAddSingleton<ClientEventEndpoint>();
        return builder;
    }
}
