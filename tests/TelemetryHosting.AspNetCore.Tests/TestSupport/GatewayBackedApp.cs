using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TelemetryHosting.DevGateway;

namespace TelemetryHosting.AspNetCore.Tests.TestSupport;

/// <summary>
/// A real web application on a loopback port whose recorder delivers to its own development gateway (with SAMS, as the
/// real gateway), for tests of what events recorded during requests carry.
/// </summary>
public sealed class GatewayBackedApp : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly DevelopmentGateway _gateway;

    private GatewayBackedApp(WebApplication app, DevelopmentGateway gateway)
    {
        _app = app;
        _gateway = gateway;
        Client = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>A client of the application's loopback address.</summary>
    public HttpClient Client { get; }

    /// <summary>The development gateway the application's recorder delivers to.</summary>
    public DevelopmentGateway Gateway => _gateway;

    /// <summary>The application's services.</summary>
    public IServiceProvider Services => _app.Services;

    /// <param name="serviceId">The recorder's service id.</param>
    /// <param name="configure">Adds to the services (the builder is the one <c>AddTelemetryGateway</c> returned).</param>
    /// <param name="map">Maps the application's endpoints and middleware.</param>
    public static async Task<GatewayBackedApp> StartAsync(
        string serviceId, Action<IServiceCollection, ITelemetryGatewayBuilder> configure, Action<WebApplication> map)
    {
        var gateway = await DevelopmentGateway.StartAsync();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var telemetry = builder.Services.AddTelemetryGateway(options =>
        {
            options.ServiceId = serviceId;
            options.Endpoint = gateway.Address;
            options.FlushInterval = TimeSpan.FromMilliseconds(50);
            options.Sams.Url = gateway.WebAddress;
            options.Sams.ClientId = DevelopmentGatewayOptions.DefaultClientId;
            options.Sams.ClientSecret = DevelopmentGatewayOptions.DefaultClientSecret;
        });
        configure(builder.Services, telemetry);

        var app = builder.Build();
        try
        {
            map(app);
            await app.StartAsync();
        }
        catch
        {
            // For example options that fail validation at start: the gateway must not outlive the failed test.
            await app.DisposeAsync();
            await gateway.DisposeAsync();
            throw;
        }

        return new GatewayBackedApp(app, gateway);
    }

    /// <summary>Flushes (bounded), checks that <paramref name="expected"/> events were delivered, and returns them as the gateway received them.</summary>
    public async Task<JsonElement[]> DeliveredEventsAsync(int expected)
    {
        var result = await _app.Services.GetRequiredService<ITelemetryRecorder>().FlushWithinLimitAsync();
        Assert.Equal(expected, result.Delivered);
        return [.. _gateway.Events.Snapshot().Select(received =>
        {
            using var document = JsonDocument.Parse(received.Json);
            return document.RootElement.GetProperty("event").Clone();
        })];
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _gateway.DisposeAsync();
    }
}
