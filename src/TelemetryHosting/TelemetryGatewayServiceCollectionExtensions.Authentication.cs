using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using TelemetryHosting;
using TelemetryHosting.Authentication.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <content>SAMS client credentials and transport security of the gateway client.</content>
public static partial class TelemetryGatewayServiceCollectionExtensions
{
    private static void AddSamsAuthentication(IServiceCollection services, IHttpClientBuilder gatewayClient)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<TelemetryGatewayOptions>, SamsOptionsDefaults>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TelemetryGatewayOptions>, SamsOptionsValidator>());
        services.TryAddSingleton<AuthenticationMetrics>();
        services.TryAddSingleton<SamsTokenClient>();
        services.TryAddSingleton<SamsTokenProvider>();
        services.TryAddSingleton<GatewayAuthentication>();

        // The client factory's request logging redacts header values in the message but hands the raw values
        // (Authorization included) to structured logging state at Trace level: neither client gets that logging.
        // A redirect would resend the request, with the client secret in its form body, to an address nobody
        // configured: redirects are not followed, and the token client reports a 3xx answer as a refusal.
        services
            .AddHttpClient(SamsTokenClient.HttpClientName, static client => client.Timeout = SamsTokenClient.RequestTimeout)
            .ConfigurePrimaryHttpMessageHandler(static (handler, _) =>
            {
                switch (handler)
                {
                    case SocketsHttpHandler sockets:
                        sockets.AllowAutoRedirect = false;
                        break;
                    case HttpClientHandler client:
                        client.AllowAutoRedirect = false;
                        break;
                }
            })
            .RemoveAllLoggers();

        gatewayClient
            .RemoveAllLoggers()
            .ConfigureChannel(static (provider, channel) =>
            {
                // grpc-dotnet sends call credentials over TLS only. Plain http is allowed for loopback hosts (the
                // development gateway) and with the explicit opt-in; validation has refused every other http address.
                var options = provider.GetRequiredService<IOptions<TelemetryGatewayOptions>>().Value;
                channel.UnsafeUseInsecureChannelCallCredentials = options.Endpoint is { Scheme: "http" } endpoint
                    && (LoopbackAddress.IsLoopback(endpoint) || options.AllowInsecureTransport);
            })
            .AddCallCredentials(static async (context, metadata, provider) =>
            {
                var tokens = provider.GetRequiredService<SamsTokenProvider>();
                if (tokens.IsEnabled)
                {
                    var token = await tokens.GetTokenAsync(context.CancellationToken).ConfigureAwait(false);
                    metadata.Add("authorization", "Bearer " + token);
                }
            });
    }
}
