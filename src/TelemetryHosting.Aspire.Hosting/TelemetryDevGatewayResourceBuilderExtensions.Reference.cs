using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

public static partial class TelemetryDevGatewayResourceBuilderExtensions
{
    /// <summary>The configuration key, as an environment variable, that tells the library which connection string is its gateway's.</summary>
    private const string ConnectionNameVariable = "TelemetryGateway__ConnectionName";

    /// <summary>
    /// Points a service's telemetry recorder at the development gateway: the service receives the connection string
    /// <c>ConnectionStrings__{name}</c> (<c>Endpoint=…;SamsUrl=…;ClientId=…;ClientSecret=…</c>) and
    /// <c>TelemetryGateway__ConnectionName={name}</c>, the name being <paramref name="connectionName"/> or else the
    /// resource's, from which its <c>AddTelemetryGateway()</c> takes the gateway's
    /// address, the SAMS URL and the development client.
    /// </summary>
    /// <typeparam name="TDestination">The referencing resource's type.</typeparam>
    /// <param name="builder">The referencing service's builder.</param>
    /// <param name="gateway">The development gateway.</param>
    /// <param name="connectionName">
    /// The name of the connection string the service receives; <see langword="null"/> is the resource's name.
    /// </param>
    /// <returns>The referencing service's builder.</returns>
    /// <remarks>
    /// <para>
    /// This overload is a better match than Aspire's connection-string overload for a plain <c>.WithReference(telemetry)</c>;
    /// that one would pass the connection string but not <c>TelemetryGateway__ConnectionName</c>, so the service would
    /// not use it.
    /// </para>
    /// <para>
    /// For projects and executables, not containers: the gateway listens on loopback only, and the address a
    /// container receives is plain http to a non-loopback host, which the library refuses.
    /// </para>
    /// <para>
    /// In publish mode it passes nothing: the development gateway is not deployed, and a deployed service uses its own
    /// <c>TelemetryGateway</c> configuration.
    /// </para>
    /// </remarks>
    public static IResourceBuilder<TDestination> WithReference<TDestination>(
        this IResourceBuilder<TDestination> builder, IResourceBuilder<TelemetryDevGatewayResource> gateway, string? connectionName = null)
        where TDestination : IResourceWithEnvironment
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(gateway);
        if (builder.ApplicationBuilder.ExecutionContext.IsPublishMode)
        {
            return builder;
        }

        var name = connectionName ?? gateway.Resource.Name;
        return ResourceBuilderExtensions.WithReference(builder, (IResourceBuilder<IResourceWithConnectionString>)gateway, name)
            .WithEnvironment(ConnectionNameVariable, name);
    }
}
