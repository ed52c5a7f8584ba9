using System.Threading.Channels;
using TelemetryHosting.DevGateway;

namespace TelemetryHosting.ModelTests;

/// <summary>
/// Development gateways (SAMS authentication on) for the whole run, one per sequence running at a time: faults are
/// the gateway's own, so two sequences never share one. Each sequence clears the store and the faults of the one it rents.
/// </summary>
public sealed class ModelGatewayFixture : IAsyncLifetime
{
    private readonly List<DevelopmentGateway> _gateways = [];
    private readonly Channel<DevelopmentGateway> _idle = Channel.CreateUnbounded<DevelopmentGateway>();

    public async Task InitializeAsync()
    {
        for (var i = 0; i < ModelRunSettings.Threads; i++)
        {
            var gateway = await DevelopmentGateway.StartAsync(new DevelopmentGatewayOptions { MaxStoredEvents = 100_000 });
            _gateways.Add(gateway);
            _idle.Writer.TryWrite(gateway);
        }
    }

    internal async Task<T> WithGatewayAsync<T>(Func<DevelopmentGateway, Task<T>> use)
    {
        var gateway = await _idle.Reader.ReadAsync();
        try
        {
            return await use(gateway);
        }
        finally
        {
            _idle.Writer.TryWrite(gateway);
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var gateway in _gateways)
        {
            await gateway.DisposeAsync();
        }
    }
}
