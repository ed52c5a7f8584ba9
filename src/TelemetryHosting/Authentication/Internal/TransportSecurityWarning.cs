using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TelemetryHosting.Diagnostics.Internal;

namespace TelemetryHosting.Authentication.Internal;

/// <summary>Warns at start when <see cref="TelemetryGatewayOptions.AllowInsecureTransport"/> lets data travel unencrypted.</summary>
internal sealed class TransportSecurityWarning(IOptions<TelemetryGatewayOptions> options, ILogger<TransportSecurityWarning> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var value = options.Value;
        if (value.AllowInsecureTransport)
        {
            var sams = value.Sams is { } s ? SamsTokenClient.TokenEndpoint(s) : null;
            var cleartext = (value.Endpoint is { } endpoint && LoopbackAddress.IsCleartextToRemoteHost(endpoint))
                || (sams is not null && LoopbackAddress.IsCleartextToRemoteHost(sams));
            Log.InsecureTransportAllowed(logger, value.Endpoint, sams, cleartext);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
