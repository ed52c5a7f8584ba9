using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using static TelemetryHosting.DevGateway.Tests.GatewayHarness;

namespace TelemetryHosting.DevGateway.Tests;

/// <summary>Starting, addressing and stopping the in-process gateway.</summary>
public sealed class DevelopmentGatewayTests
{
    [Fact]
    public async Task StartAsync_PortZero_LoopbackAddressesOnTwoFreePorts()
    {
        await using var gateway = await DevelopmentGateway.StartAsync();

        Assert.Equal("127.0.0.1", gateway.Address.Host);
        Assert.Equal("127.0.0.1", gateway.WebAddress.Host);
        Assert.NotEqual(0, gateway.Address.Port);
        Assert.NotEqual(gateway.Address.Port, gateway.WebAddress.Port);
        Assert.Equal(new Uri(gateway.WebAddress, "/oauth/token"), gateway.Sams.TokenEndpoint);
        Assert.Equal(gateway.WebAddress, gateway.Sams.BaseAddress);
    }

    [Fact]
    public async Task StopAsync_ThenStartOnSamePorts_ServesAgain()
    {
        var first = await DevelopmentGateway.StartAsync();
        var port = first.Address.Port;
        var webPort = first.WebAddress.Port;
        await first.StopAsync();
        await first.StopAsync();

        await using var harness = await StartAsync(o =>
        {
            o.Port = port;
            o.WebPort = webPort;
        });
        var result = await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(NewEvent()));

        Assert.Equal(port, harness.Gateway.Address.Port);
        Assert.Equal(webPort, harness.Gateway.WebAddress.Port);
        Assert.Equal(StatusCode.OK, result.Status.StatusCode);
    }

    [Fact]
    public async Task StopAsync_WithStreamOpen_EndsItAndReleasesThePort()
    {
        var harness = await StartAsync(o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(200));
        var port = harness.Gateway.Address.Port;
        using var cts = new CancellationTokenSource(WaitLimit);
        using var call = harness.Client.RecordEvents(harness.Auth(), cancellationToken: cts.Token);
        await call.RequestStream.WriteAsync(MetadataMessage(ManagedService()), cts.Token);
        await call.RequestStream.WriteAsync(Payload(NewEvent()), cts.Token);
        Assert.True(await call.ResponseStream.MoveNext(cts.Token));

        await harness.Gateway.StopAsync(cts.Token);

        await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(cts.Token));
        using var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        listener.Stop();
        await harness.DisposeAsync();
    }

    [Fact]
    public async Task StartAsync_PortInUse_Throws()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        await Assert.ThrowsAnyAsync<IOException>(() => DevelopmentGateway.StartAsync(new DevelopmentGatewayOptions { Port = port }));
    }

    [Fact]
    public async Task StartAsync_InvalidOptions_ArgumentExceptionNamingTheValues()
    {
        var options = new DevelopmentGatewayOptions { Port = 70000, TokenLifetime = TimeSpan.Zero };
        options.Clients.Add(new SamsClient { ClientId = "sams_cid_x", ClientSecret = "s" });
        options.Clients[0].Scopes.Add("telemetry_gateway::events::publish");

        var error = await Assert.ThrowsAsync<ArgumentException>(() => DevelopmentGateway.StartAsync(options));

        Assert.Contains("70000", error.Message, StringComparison.Ordinal);
        Assert.Contains("TokenLifetime", error.Message, StringComparison.Ordinal);
        Assert.Contains("telemetry_gateway::events::publish", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_SamePortForGrpcAndWeb_Refused()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => DevelopmentGateway.StartAsync(new DevelopmentGatewayOptions { Port = 5999, WebPort = 5999 }));

        Assert.Contains("must differ", error.Message, StringComparison.Ordinal);
    }
}
