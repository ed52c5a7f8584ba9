using Microsoft.Extensions.Hosting;
using TelemetryHosting;
using TelemetryHosting.Testing;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Replaces the real telemetry recorder with a <see cref="FakeTelemetryRecorder"/> in tests.</summary>
public static class FakeTelemetryRecorderServiceCollectionExtensions
{
    /// <summary>
    /// Registers a <see cref="FakeTelemetryRecorder"/> as <see cref="ITelemetryRecorder"/> (and as itself), replacing
    /// any telemetry recorder registered before, and removes the background delivery worker that
    /// <c>AddTelemetryGateway</c> registers, so nothing is sent anywhere. Calling it again returns the same fake.
    /// </summary>
    /// <param name="services">The service collection; with <c>WebApplicationFactory</c>, the one <c>ConfigureTestServices</c> gives.</param>
    /// <returns>The fake, to inspect the events recorded.</returns>
    /// <remarks>
    /// Call it after <c>AddTelemetryGateway</c> (<c>ConfigureTestServices</c> runs after the application's own
    /// registrations). The telemetry gateway options are still validated at start, so a test configuration must
    /// hold valid options too.
    /// </remarks>
    public static FakeTelemetryRecorder AddFakeTelemetryRecorder(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var existing = services.LastOrDefault(descriptor =>
            !descriptor.IsKeyedService && descriptor.ServiceType == typeof(FakeTelemetryRecorder));
        if (existing?.ImplementationInstance is FakeTelemetryRecorder registered)
        {
            return services.AddFakeTelemetryRecorder(registered);
        }

        return services.AddFakeTelemetryRecorder(new FakeTelemetryRecorder());
    }

    /// <summary>
    /// Registers <paramref name="recorder"/> as <see cref="ITelemetryRecorder"/> (and as
    /// <see cref="FakeTelemetryRecorder"/>), replacing any telemetry recorder registered before, and removes the
    /// background delivery worker that <c>AddTelemetryGateway</c> registers.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="recorder">The fake, for example one created with a <c>FakeTimeProvider</c>.</param>
    /// <returns><paramref name="recorder"/>.</returns>
    public static FakeTelemetryRecorder AddFakeTelemetryRecorder(this IServiceCollection services, FakeTelemetryRecorder recorder)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(recorder);

        var library = typeof(ITelemetryRecorder).Assembly;
        for (var i = services.Count - 1; i >= 0; i--)
        {
            var descriptor = services[i];
            if (descriptor.IsKeyedService)
            {
                continue;
            }

            // The library's hosted services (the export worker) would start delivering to a gateway.
            if (descriptor.ServiceType == typeof(ITelemetryRecorder)
                || descriptor.ServiceType == typeof(FakeTelemetryRecorder)
                || (descriptor.ServiceType == typeof(IHostedService) && ImplementationType(descriptor)?.Assembly == library))
            {
                services.RemoveAt(i);
            }
        }

        services.AddSingleton(recorder);
        services.AddSingleton<ITelemetryRecorder>(recorder);
        return recorder;
    }

    private static Type? ImplementationType(ServiceDescriptor descriptor) =>
        descriptor.ImplementationType
        ?? descriptor.ImplementationInstance?.GetType()
        // A factory registration keeps its return type as the delegate's last type argument.
        ?? descriptor.ImplementationFactory?.GetType().GenericTypeArguments[^1];
}
