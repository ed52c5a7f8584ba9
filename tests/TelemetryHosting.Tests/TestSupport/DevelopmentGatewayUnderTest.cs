using TelemetryHosting.DevGateway;

namespace TelemetryHosting.Tests.TestSupport;

/// <summary>The development gateway as a <see cref="IGatewayUnderTest"/>: no SAMS, faults through <see cref="GatewayFaults"/>.</summary>
internal sealed class DevelopmentGatewayUnderTest : IGatewayUnderTest
{
    // A stop and a restart make a new gateway on the same ports; what the earlier ones received still counts.
    private readonly List<DevelopmentGateway> _incarnations = [];
    private int _refusalsArmed;

    private DevelopmentGatewayUnderTest(DevelopmentGateway gateway)
    {
        _incarnations.Add(gateway);
        Address = gateway.Address;
    }

    public string Name => GatewayServers.Kestrel;

    public Uri Address { get; }

    private DevelopmentGateway Current => _incarnations[^1];

    public static async Task<DevelopmentGatewayUnderTest> StartAsync() =>
        new(await DevelopmentGateway.StartAsync(Options()));

    public Task<IReadOnlyList<GatewayReceipt>> ReceivedAsync() =>
        Task.FromResult<IReadOnlyList<GatewayReceipt>>(
            [.. _incarnations.SelectMany(g => g.Events.Snapshot()).Select(e => new GatewayReceipt(e.Id, (int)e.Metadata["seq"]))]);

    public Task<int> DistinctCountAsync() =>
        Task.FromResult(_incarnations.SelectMany(g => g.Events.Snapshot()).Select(e => e.Id).Distinct(StringComparer.Ordinal).Count());

    public Task RefuseNextStreamsAsync(int count)
    {
        // Kestrel ends such a call with its status and resets the stream, so the client's writes end too.
        Current.Faults.FailNextCalls(count);
        _refusalsArmed = count;
        return Task.CompletedTask;
    }

    public Task<int> RefusedStreamsAsync() => Task.FromResult(_refusalsArmed - Current.Faults.PendingCallFailures);

    public Task NeverReadNextStreamsAsync(int count)
    {
        Current.Faults.NeverReadNextStreams(count);
        return Task.CompletedTask;
    }

    public Task AbortNextStreamsAsync(int count, bool acceptEventsFirst)
    {
        // An HTTP/2 stream reset (Kestrel cannot cut the connection of a single call from the handler).
        Current.Faults.AbortNextStreams(count, acceptEventsFirst);
        return Task.CompletedTask;
    }

    public Task GoAwayNextStreamsAsync(int count)
    {
        Current.Faults.GoAwayNextStreams(count);
        return Task.CompletedTask;
    }

    public Task DelayResponsesAsync(TimeSpan delay)
    {
        Current.Faults.ResponseDelay = delay;
        return Task.CompletedTask;
    }

    public Task RejectFractionAsync(double fraction, int seed)
    {
        Current.Faults.Seed = seed;
        Current.Faults.RejectFraction = fraction;
        return Task.CompletedTask;
    }

    public Task<int> RejectedCountAsync() => Task.FromResult(_incarnations.Sum(g => g.Faults.InjectedEventFailures));

    public Task<int> PendingStreamFaultsAsync()
    {
        var faults = Current.Faults;
        var pending = new[] { faults.PendingCallFailures, faults.PendingStreamAborts, faults.PendingNeverReadStreams, faults.PendingGoAways }
            .Where(n => n < int.MaxValue / 2) // "until reset" counts down from int.MaxValue
            .Sum();
        return Task.FromResult(pending);
    }

    public Task ResetAsync()
    {
        Current.Faults.Reset();
        _refusalsArmed = 0;
        return Task.CompletedTask;
    }

    public Task StopAsync() => Current.StopAsync();

    public async Task RestartAsync()
    {
        var options = Options();
        options.Port = Address.Port;
        options.WebPort = Current.WebAddress.Port;
        _incarnations.Add(await DevelopmentGateway.StartAsync(options));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var gateway in _incarnations)
        {
            await gateway.DisposeAsync();
        }
    }

    private static DevelopmentGatewayOptions Options() => new() { MaxStoredEvents = 100_000, RequireAuthentication = false };
}
