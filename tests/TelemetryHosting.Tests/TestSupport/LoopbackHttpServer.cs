using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TelemetryHosting.Tests.TestSupport;

/// <summary>A real HTTP server on a free loopback port that answers every request with <c>handler</c>.</summary>
internal sealed class LoopbackHttpServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LoopbackHttpServer(WebApplication app)
    {
        _app = app;
        Address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single().TrimEnd('/') + "/");
    }

    /// <summary>Gets the server's address, ending with a slash.</summary>
    public Uri Address { get; }

    /// <param name="handler">Answers every request.</param>
    /// <param name="http2Only">Speak HTTP/2 without TLS (prior knowledge), as a gRPC server on <c>http://</c> does.</param>
    public static async Task<LoopbackHttpServer> StartAsync(RequestDelegate handler, bool http2Only = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        if (http2Only)
        {
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(listen => listen.Protocols = HttpProtocols.Http2));
        }

        var app = builder.Build();
        app.Run(handler);
        await app.StartAsync();
        return new LoopbackHttpServer(app);
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
