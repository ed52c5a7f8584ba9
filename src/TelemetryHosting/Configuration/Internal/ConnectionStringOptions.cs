using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace TelemetryHosting.Configuration.Internal;

/// <summary>
/// Applies the connection string that <see cref="TelemetryGatewayOptions.ConnectionName"/> names (an Aspire AppHost's
/// reference to the development gateway) over the bound options: its values win over the section's, as the AppHost's
/// choice of gateway should.
/// </summary>
internal sealed class ConnectionStringOptions(IServiceProvider services) : IPostConfigureOptions<TelemetryGatewayOptions>
{
    public void PostConfigure(string? name, TelemetryGatewayOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ConnectionName))
        {
            return;
        }

        // Not every container has configuration (a bare ServiceCollection): then the name cannot be resolved.
        var text = services.GetService<IConfiguration>()?.GetConnectionString(options.ConnectionName);
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
    }

    private static OptionsValidationException Failure(string? name, string message) =>
        new(name ?? Options.DefaultName, typeof(TelemetryGatewayOptions), [message]);
}
