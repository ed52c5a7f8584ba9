using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

public static partial class TelemetryDevGatewayResourceBuilderExtensions
{
    /// <summary>The configuration key, as an environment variable, that tells the library which connection string is its gateway's.</summary>
    private const string ConnectionNameVariable = "TelemetryGateway__ConnectionName";

    /// <summary>
    /// Points a service's telemetry recorder at the development gateway: the service receives the connection string
    /// <c>ConnectionStrings__{name}</c> (<c>Endpoint=…;SamsUrl=…;ClientId=…;ClientSecret=…</c>) and
    /// <c>TelemetryGateway__ConnectionName={name}</c>, from which its <c>AddTelemetryGateway()</c> takes the gateway's
    /// address, the SAMS URL and the development client.
    /// </summary>
    /// <typeparam name="TDestination">The referencing resource's type.</typeparam>
    /// <param name="builder">The referencing service's builder.</param>
    /// <param name="gateway">The development gateway.</param>
    /// <returns>The referencing service's builder.</returns>
    /// <remarks>
    /// This overload is chosen over Aspire's own for a plain <c>.WithReference(telemetry)</c>: the resource is also an
    /// executable with endpoints, and a service-discovery reference alone would pass no connection string.
    /// </remarks>
    public static IResourceBuilder<TDestination> WithReference<TDestination>(
        this IResourceBuilder<TDestination> builder, IResourceBuilder<TelemetryDevGatewayResource> gateway)
        where TDestination : IResourceWithEnvironment
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(gateway);
        return ResourceBuilderExtensions.WithReference(builder, (IResourceBuilder<IResourceWithConnectionString>)gateway)
            .WithEnvironment(ConnectionNameVariable, gateway.Resource.Name);
    }
}
