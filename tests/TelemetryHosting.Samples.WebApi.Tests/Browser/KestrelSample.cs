using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using TelemetryHosting.DevGateway;

namespace TelemetryHosting.Samples.WebApi.Tests.Browser;

/// <summary>
/// The sample web API on real Kestrel (a browser needs a socket), on a loopback port of the test's choosing, so that a
/// second instance on the same port stands for the service restarted. It delivers to the test's development gateway.
/// </summary>
internal sealed class KestrelSample : WebApplicationFactory<Program>
{
    private readonly DevelopmentGateway _gateway;
    private readonly IReadOnlyDictionary<string, string> _settings;

    private KestrelSample(DevelopmentGateway gateway, int port, IReadOnlyDictionary<string, string> settings)
    {
        _gateway = gateway;
        _settings = settings;
        Port = port;
    }

    public int Port { get; }

    public Uri Address => new($"http://127.0.0.1:{Port}/");

    /// <summary>Starts the sample on <paramref name="port"/> (0: a free one) with these settings over its configuration.</summary>
    public static KestrelSample Start(DevelopmentGateway gateway, IReadOnlyDictionary<string, string> settings, int port = 0)
    {
        var sample = new KestrelSample(gateway, port == 0 ? FreePort() : port, settings);
        try
        {
            sample.UseKestrel(options => options.Listen(IPAddress.Loopback, sample.Port));
            sample.StartServer();
            return sample;
        }
        catch
        {
            sample.Dispose();
            throw;
        }
    }

    /// <summary>Delivers everything the sample recorded so far (bounded) and returns what the gateway holds.</summary>
    public async Task<IReadOnlyList<ReceivedEvent>> DeliveredAsync()
    {
        var result = await Services.GetRequiredService<ITelemetryRecorder>().FlushWithinLimitAsync();
        Assert.Equal(0, result.Failed);
        return _gateway.Events.Snapshot();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("TelemetryGateway:Endpoint", _gateway.Address.ToString());
        builder.UseSetting("TelemetryGateway:Sams:Url", _gateway.WebAddress.ToString());
        builder.UseSetting("TelemetryGateway:Sams:ClientId", DevelopmentGatewayOptions.DefaultClientId);
        builder.UseSetting("TelemetryGateway:Sams:ClientSecret", DevelopmentGatewayOptions.DefaultClientSecret);
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
