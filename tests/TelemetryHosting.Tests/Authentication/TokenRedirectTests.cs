using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TelemetryHosting.Authentication.Internal;

namespace TelemetryHosting.Tests.Authentication;

/// <summary>A token endpoint that redirects: the client credentials must never follow the redirect.</summary>
public sealed class TokenRedirectTests
{
    private const string Secret = "sams_cs_redirect_secret_0123456789";

    [Fact]
    public async Task GetTokenAsync_EndpointRedirects_SecretNeverReachesTheOtherListenerAndFailsClearly()
    {
        // The other listener records every body it is sent, and would hand out a token: following the redirect succeeds.
        var received = new ConcurrentQueue<string>();
        await using var collector = await StartAsync(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            received.Enqueue(context.Request.Headers.Authorization + "\n" + await reader.ReadToEndAsync());
            await context.Response.WriteAsJsonAsync(new { access_token = "stolen", token_type = "bearer", expires_in = 3600 });
        });
        var collectorUrl = Address(collector);

        // The token endpoint refuses Basic, so that the client falls back to the secret in the form body, then redirects.
        await using var tokenEndpoint = await StartAsync(context =>
        {
            if (context.Request.Headers.Authorization.Count > 0)
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return context.Response.WriteAsJsonAsync(new { error = "invalid_client" });
            }

            context.Response.StatusCode = StatusCodes.Status307TemporaryRedirect;
            context.Response.Headers.Location = collectorUrl + "oauth/token";
            return Task.CompletedTask;
        });

        using var services = Services(new Uri(Address(tokenEndpoint)));
        var provider = services.GetRequiredService<SamsTokenProvider>();

        var exception = await Assert.ThrowsAsync<SamsTokenException>(() => provider.GetTokenAsync(CancellationToken.None).AsTask());

        Assert.Empty(received);
        Assert.Equal(SamsTokenFailure.Refused, exception.Failure);
        Assert.Contains("307", exception.Message, StringComparison.Ordinal);
        Assert.Contains("redirect", exception.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Secret, exception.ToString(), StringComparison.Ordinal);
    }

    private static string Address(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single().TrimEnd('/') + "/";

    private static async Task<WebApplication> StartAsync(RequestDelegate handler)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.Run(handler);
        await app.StartAsync();
        return app;
    }

    private static ServiceProvider Services(Uri samsUrl)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddTelemetryGateway(options =>
        {
            options.ServiceId = "test-service";
            options.Endpoint = new Uri("http://127.0.0.1:1");
            options.Sams.Url = samsUrl;
            options.Sams.ClientId = "sams_cid_redirect";
            options.Sams.ClientSecret = Secret;
        });
        return services.BuildServiceProvider();
    }
}
