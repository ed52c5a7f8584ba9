using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using TelemetryHosting.DevGateway;

namespace TelemetryHosting.Samples.WebApi.Tests.ClientEvents;

/// <summary>
/// The sample web API in memory with its real telemetry recorder, delivering to a development gateway (authenticating,
/// as the real one does) that the test owns on a loopback port. Extra settings override the sample's configuration.
/// </summary>
public class SampleGatewayFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    private readonly Dictionary<string, string> _settings;

    public SampleGatewayFactory()
        : this([])
    {
    }

    protected SampleGatewayFactory(Dictionary<string, string> settings)
    {
        _settings = settings;
    }

    public DevelopmentGateway Gateway { get; private set; } = null!;

    public async Task InitializeAsync() => Gateway = await DevelopmentGateway.StartAsync();

    /// <summary>Delivers everything recorded so far and returns what the gateway holds with this feature.</summary>
    public async Task<IReadOnlyList<ReceivedEvent>> DeliveredAsync(string feature)
    {
        var result = await Services.GetRequiredService<ITelemetryRecorder>().FlushWithinLimitAsync();
        Assert.Equal(0, result.Failed);
        return [.. Gateway.Events.Snapshot().Where(received => received.Feature == feature)];
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await Gateway.DisposeAsync();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("TelemetryGateway:Endpoint", Gateway.Address.ToString());
        builder.UseSetting("TelemetryGateway:Sams:Url", Gateway.WebAddress.ToString());
        builder.UseSetting("TelemetryGateway:Sams:ClientId", DevelopmentGatewayOptions.DefaultClientId);
        builder.UseSetting("TelemetryGateway:Sams:ClientSecret", DevelopmentGatewayOptions.DefaultClientSecret);
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
    }
}

/// <summary>The sample with a client event rate limit of 2 requests an hour per user: the third is always over it.</summary>
public sealed class RateLimitedSampleGatewayFactory() : SampleGatewayFactory(new()
{
    ["TelemetryClientEvents:RateLimit:TokenLimit"] = "2",
    ["TelemetryClientEvents:RateLimit:TokensPerPeriod"] = "1",
    ["TelemetryClientEvents:RateLimit:ReplenishmentPeriod"] = "01:00:00",
});
