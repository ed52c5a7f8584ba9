using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace TelemetryHosting.Configuration.Internal;

/// <summary>
/// Applies the connection string that <see cref="TelemetryGatewayOptions.ConnectionName"/> names (an Aspire AppHost's
/// reference to the development gateway) over the bound options: its values win over the section's, as the AppHost's
/// choice of gateway should. With a connection name in effect and no <see cref="TelemetryGatewayOptions.ServiceId"/>,
/// the service id is configuration's <c>OTEL_SERVICE_NAME</c>.
/// </summary>
internal sealed class ConnectionStringOptions(IServiceProvider services) : IPostConfigureOptions<TelemetryGatewayOptions>
{
    /// <summary>The service name Aspire (and OpenTelemetry) set; the service id when a connection name is in effect and none is configured.</summary>
    public const string OtelServiceNameKey = "OTEL_SERVICE_NAME";

    public void PostConfigure(string? name, TelemetryGatewayOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ConnectionName))
        {
            return;
        }

        // Not every container has configuration (a bare ServiceCollection): then the name cannot be resolved.
        var configuration = services.GetService<IConfiguration>();
        var text = configuration?.GetConnectionString(options.ConnectionName);
        if (string.IsNullOrWhiteSpace(text))
        {
            throw Failure(name, $"ConnectionName: the connection string 'ConnectionStrings:{options.ConnectionName}' is not configured.");
        }

        var connection = GatewayConnectionString.Parse(text, out var error)
            ?? throw Failure(name, $"ConnectionName: the connection string 'ConnectionStrings:{options.ConnectionName}' is not valid: {error}");
        var sams = options.Sams ??= new();
        options.Endpoint = connection.Endpoint ?? options.Endpoint;
        if (connection.SamsUrl is { } samsUrl)
        {
            // Tokens are requested from ApiUrl ?? Url, and the SAMS defaults fill ApiUrl from SAMS_API_URL when it is
            // null: set it explicitly, or the development client's credentials would go to a real SAMS.
            sams.Url = samsUrl;
            sams.ApiUrl = samsUrl;
        }

        sams.ClientId = connection.ClientId ?? sams.ClientId;
        sams.ClientSecret = connection.ClientSecret ?? sams.ClientSecret;

        // Under an AppHost a service needs no telemetry configuration: Aspire names projects and executables in
        // OTEL_SERVICE_NAME (the resource's name). Validation, which requires ServiceId, runs after post-configuration.
        if (string.IsNullOrWhiteSpace(options.ServiceId) && configuration?[OtelServiceNameKey] is { Length: > 0 } serviceName)
        {
            options.ServiceId = serviceName.Trim();
        }
    }

    private static OptionsValidationException Failure(string? name, string message) =>
        new(name ?? Options.DefaultName, typeof(TelemetryGatewayOptions), [message]);
}
