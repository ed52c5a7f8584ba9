using System.Globalization;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Internal;

namespace Aspire.Hosting;

/// <summary>Adds the development Telemetry Gateway to an Aspire AppHost and sets its options.</summary>
public static partial class TelemetryDevGatewayResourceBuilderExtensions
{
    // The gateway reads its settings from the DevGateway section; environment variables name them with "__".
    private const string SettingsPrefix = "DevGateway__";

    /// <summary>
    /// Adds the development Telemetry Gateway: a process serving the gateway's gRPC service on the <c>grpc</c> endpoint
    /// and the events page, <c>/api/events</c> and a SAMS token endpoint emulator on the <c>web</c> endpoint, healthy
    /// once the web endpoint answers. Reference it from a service with <c>WithReference</c>, and the service's
    /// <c>AddTelemetryGateway()</c> sends its events there with no telemetry configuration of its own.
    /// </summary>
    /// <param name="builder">The AppHost's builder.</param>
    /// <param name="name">The name of the resource, and of the connection string that referencing services receive.</param>
    /// <param name="grpcPort">The port of the <c>grpc</c> endpoint; <see langword="null"/> lets Aspire pick one at each run.</param>
    /// <param name="webPort">
    /// The port of the <c>web</c> endpoint (the events page); <see langword="null"/> lets Aspire pick one at each run. Pin it
    /// for a bookmark that stays valid.
    /// </param>
    /// <returns>The resource's builder.</returns>
    /// <remarks>
    /// In publish mode (<c>aspire publish</c>, <c>--publisher manifest</c>) the resource is left out of the manifest,
    /// and <c>WithReference</c> passes nothing: a deployed service uses its own <c>TelemetryGateway</c> configuration.
    /// </remarks>
    /// <exception cref="InvalidOperationException">The gateway's files are not beside the AppHost.</exception>
    public static IResourceBuilder<TelemetryDevGatewayResource> AddTelemetryDevGateway(
        this IDistributedApplicationBuilder builder, [ResourceName] string name, int? grpcPort = null, int? webPort = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (!File.Exists(DevGatewayFiles.Assembly))
        {
            throw new InvalidOperationException(
                $"The development gateway is missing: '{DevGatewayFiles.Assembly}' does not exist. The TelemetryHosting.Aspire.Hosting " +
                $"package copies it into the AppHost's output folder ({DevGatewayFiles.FolderName}/) when the AppHost is built.");
        }

        var resource = new TelemetryDevGatewayResource(name, DevGatewayFiles.DotnetHost, DevGatewayFiles.Folder);
        var gateway = builder.AddResource(resource);
        if (builder.ExecutionContext.IsPublishMode)
        {
            // A development stand-in: a deployment has no such gateway (and the manifest would carry local paths and
            // the development secret). Referencing services get nothing from it in publish mode either.
            gateway.ExcludeFromManifest();
        }

        return gateway
            .WithArgs(DevGatewayFiles.Assembly)
            .WithHttpEndpoint(port: grpcPort, name: TelemetryDevGatewayResource.GrpcEndpointName, env: SettingsPrefix + "Port")
            .WithHttpEndpoint(port: webPort, name: TelemetryDevGatewayResource.WebEndpointName, env: SettingsPrefix + "WebPort")
            .WithHttpHealthCheck("/api/events?limit=0", endpointName: TelemetryDevGatewayResource.WebEndpointName)
            .WithUrlForEndpoint(TelemetryDevGatewayResource.WebEndpointName, url => url.DisplayText = "Telemetry events page")
            // The gRPC address is HTTP/2-only: a browser cannot open it, so it stays out of the resource list's links.
            .WithUrlForEndpoint(TelemetryDevGatewayResource.GrpcEndpointName, url =>
            {
                url.DisplayText = "gRPC (HTTP/2, for services)";
                url.DisplayLocation = UrlDisplayLocation.DetailsOnly;
            });
    }

    /// <summary>Sets whether managed services must present a valid SAMS token, as the real gateway requires.</summary>
    /// <param name="builder">The gateway's builder.</param>
    /// <param name="required"><see langword="false"/> accepts events without a token.</param>
    /// <returns>The gateway's builder.</returns>
    /// <remarks>The gateway's default is <see langword="true"/>. Referencing services receive the development client either way.</remarks>
    public static IResourceBuilder<TelemetryDevGatewayResource> WithRequireAuthentication(
        this IResourceBuilder<TelemetryDevGatewayResource> builder, bool required = true) =>
        builder.WithGatewaySetting("RequireAuthentication", required ? "true" : "false");

    /// <summary>Appends every accepted event to a JSON Lines file, one <c>{"receivedAt","metadata","event"}</c> record per line.</summary>
    /// <param name="builder">The gateway's builder.</param>
    /// <param name="path">The file; a relative path is taken from the AppHost's folder.</param>
    /// <returns>The gateway's builder.</returns>
    public static IResourceBuilder<TelemetryDevGatewayResource> WithJsonLinesFile(
        this IResourceBuilder<TelemetryDevGatewayResource> builder, string path)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return builder.WithGatewaySetting("JsonLinesPath", Path.GetFullPath(path, builder.ApplicationBuilder.AppHostDirectory));
    }

    /// <summary>Sets how many received events the gateway keeps in memory (counts cover all).</summary>
    /// <param name="builder">The gateway's builder.</param>
    /// <param name="count">The number of events kept; the gateway's default is 10,000.</param>
    /// <returns>The gateway's builder.</returns>
    public static IResourceBuilder<TelemetryDevGatewayResource> WithMaxStoredEvents(
        this IResourceBuilder<TelemetryDevGatewayResource> builder, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        return builder.WithGatewaySetting("MaxStoredEvents", count.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Turns on one of the gateway's injected faults from the start: <c>RejectEvents</c>, <c>FailCalls</c>,
    /// <c>DelayResponses</c>, <c>RejectTokens</c>, <c>FailTokenIntrospection</c>, <c>AbortStreams</c>,
    /// <c>HangStreams</c> or <c>GoAwayStreams</c>. A fault's own settings (<c>FailCalls:StatusCode</c>,
    /// <c>DelayResponses:Delay</c>, …) and the seed (<c>Faults:Seed</c>) are set with <see cref="WithGatewaySetting"/>.
    /// </summary>
    /// <param name="builder">The gateway's builder.</param>
    /// <param name="fault">The fault's name; the gateway refuses to start with an unknown one.</param>
    /// <param name="injectionRate">The fraction (0 to 1) of occasions on which it is injected.</param>
    /// <param name="maxInjections">How many times at most it is injected; <see langword="null"/> is no limit.</param>
    /// <returns>The gateway's builder.</returns>
    public static IResourceBuilder<TelemetryDevGatewayResource> WithFault(
        this IResourceBuilder<TelemetryDevGatewayResource> builder, string fault, double injectionRate = 1, int? maxInjections = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fault);
        // Written as a range test so that NaN (every comparison false) is refused too.
        if (!(injectionRate >= 0 && injectionRate <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(injectionRate), injectionRate, "The injection rate must be a number from 0 to 1.");
        }

        if (maxInjections is { } limit)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(limit, nameof(maxInjections));
        }

        var prefix = $"Faults:{fault}:";
        builder.WithGatewaySetting(prefix + "Enabled", "true")
            .WithGatewaySetting(prefix + "InjectionRate", injectionRate.ToString(CultureInfo.InvariantCulture));
        return maxInjections is { } max
            ? builder.WithGatewaySetting(prefix + "MaxInjections", max.ToString(CultureInfo.InvariantCulture))
            : builder;
    }

    /// <summary>
    /// Sets any setting of the gateway's <c>DevGateway</c> section (see docs/development-gateway.md), for example
    /// <c>WithGatewaySetting("Faults:DelayResponses:Delay", "00:00:02")</c> or <c>WithGatewaySetting("TokenLifetime", "00:05:00")</c>.
    /// </summary>
    /// <param name="builder">The gateway's builder.</param>
    /// <param name="key">The setting's key within the section, with <c>:</c> between levels.</param>
    /// <param name="value">The setting's value, as it would be written in the gateway's appsettings.json.</param>
    /// <returns>The gateway's builder.</returns>
    public static IResourceBuilder<TelemetryDevGatewayResource> WithGatewaySetting(
        this IResourceBuilder<TelemetryDevGatewayResource> builder, string key, string value)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        ArgumentNullException.ThrowIfNull(value);
        return builder.WithEnvironment(SettingsPrefix + key.Replace(":", "__", StringComparison.Ordinal), value);
    }
}
