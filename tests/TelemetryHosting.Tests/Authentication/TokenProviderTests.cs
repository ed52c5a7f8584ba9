using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using TelemetryHosting.Authentication.Internal;
using TelemetryHosting.DevGateway;
using TelemetryHosting.Tests.TestSupport;

namespace TelemetryHosting.Tests.Authentication;

/// <summary>The token cache against the development gateway's SAMS emulator, a real HTTP token endpoint.</summary>
public sealed class TokenProviderTests
{
    [Fact]
    public async Task GetTokenAsync_HundredConcurrentCallers_MakeOneTokenRequest()
    {
        await using var gateway = await DevelopmentGateway.StartAsync();
        var gate = new GateHandler();
        using var services = Services(gateway, configureServices: s => s.AddHttpClient(SamsTokenClient.HttpClientName).AddHttpMessageHandler(() => gate));
        var provider = services.GetRequiredService<SamsTokenProvider>();

        var waiting = 0;
        var callers = Enumerable.Range(0, 100).Select(_ => Task.Run(async () =>
        {
            var pending = provider.GetTokenAsync(CancellationToken.None);
            Interlocked.Increment(ref waiting);
            return await pending;
        })).ToArray();
        await Eventually.HoldsAsync(() => Volatile.Read(ref waiting) == 100 && gate.Requests == 1, "all callers wait for the one token request");
        gate.Open();
        var tokens = await Task.WhenAll(callers);

        Assert.Single(tokens.Distinct());
        Assert.Equal(1, gateway.Sams.TokenRequestCount);
        Assert.Equal(1, gateway.Sams.IssuedTokenCount);
        Assert.True(gateway.Sams.IsActive(tokens[0]));
    }

    [Fact]
    public async Task GetTokenAsync_ReusesTokenUntilTheRenewalMarginThenRenews()
    {
        var time = new FakeTimeProvider();
        await using var gateway = await DevelopmentGateway.StartAsync(new DevelopmentGatewayOptions { TimeProvider = time });
        using var services = Services(gateway, time, options => options.Sams.TokenRenewalMargin = TimeSpan.FromMinutes(2));
        var provider = services.GetRequiredService<SamsTokenProvider>();

        var first = await provider.GetTokenAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(57));
        Assert.Equal(first, await provider.GetTokenAsync(CancellationToken.None));
        Assert.Equal(1, gateway.Sams.IssuedTokenCount);

        // Inside the margin the still-valid token is handed out at once while the renewal runs on its own.
        time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        Assert.Equal(first, await provider.GetTokenAsync(CancellationToken.None));
        await Eventually.HoldsAsync(
            () => provider.GetTokenAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult() != first,
            "the background renewal completes");
        var renewed = await provider.GetTokenAsync(CancellationToken.None);

        Assert.NotEqual(first, renewed);
        Assert.Equal(2, gateway.Sams.IssuedTokenCount);
        Assert.True(gateway.Sams.IsActive(first), "renewal happens before the old token expires");
        Assert.True(gateway.Sams.IsActive(renewed));
    }

    [Fact]
    public async Task GetTokenAsync_WallClockStepsBack_StillRenewsWhenTheLifetimeHasPassed()
    {
        var clock = new SteppingWallClock(new FakeTimeProvider());
        await using var gateway = await DevelopmentGateway.StartAsync();
        using var services = Services(gateway, clock);
        var provider = services.GetRequiredService<SamsTokenProvider>();
        var first = await provider.GetTokenAsync(CancellationToken.None);

        // Two hours pass (the token's lifetime is one), while the wall clock is set back by as much.
        clock.Inner.Advance(TimeSpan.FromHours(2));
        clock.WallOffset = TimeSpan.FromHours(-2);

        Assert.NotEqual(first, await provider.GetTokenAsync(CancellationToken.None));
        Assert.Equal(2, gateway.Sams.IssuedTokenCount);
    }

    [Fact]
    public async Task GetTokenAsync_WallClockStepsForward_KeepsTheTokenItsLifetimeLong()
    {
        var clock = new SteppingWallClock(new FakeTimeProvider());
        await using var gateway = await DevelopmentGateway.StartAsync();
        using var services = Services(gateway, clock);
        var provider = services.GetRequiredService<SamsTokenProvider>();
        var first = await provider.GetTokenAsync(CancellationToken.None);

        clock.WallOffset = TimeSpan.FromDays(1);

        Assert.Equal(first, await provider.GetTokenAsync(CancellationToken.None));
        Assert.Equal(1, gateway.Sams.TokenRequestCount);
    }

    [Fact]
    public async Task GetTokenAsync_AfterExpiry_NeverReturnsTheExpiredToken()
    {
        var time = new FakeTimeProvider();
        await using var gateway = await DevelopmentGateway.StartAsync(new DevelopmentGatewayOptions { TimeProvider = time });
        using var services = Services(gateway, time);
        var provider = services.GetRequiredService<SamsTokenProvider>();
        var first = await provider.GetTokenAsync(CancellationToken.None);

        time.Advance(TimeSpan.FromHours(2));
        gateway.Sams.Outage = true;
        await Assert.ThrowsAsync<SamsTokenException>(() => provider.GetTokenAsync(CancellationToken.None).AsTask());
        gateway.Sams.Outage = false;
        var renewed = await provider.GetTokenAsync(CancellationToken.None);

        Assert.NotEqual(first, renewed);
        Assert.False(gateway.Sams.IsActive(first));
        Assert.True(gateway.Sams.IsActive(renewed));
    }

    [Fact]
    public async Task GetTokenAsync_RenewalFailsWithinMargin_KeepsUsingTheUnexpiredToken()
    {
        var time = new FakeTimeProvider();
        await using var gateway = await DevelopmentGateway.StartAsync(new DevelopmentGatewayOptions { TimeProvider = time });
        using var services = Services(gateway, time);
        var provider = services.GetRequiredService<SamsTokenProvider>();
        var first = await provider.GetTokenAsync(CancellationToken.None);

        time.Advance(TimeSpan.FromMinutes(59) + TimeSpan.FromSeconds(30));
        gateway.Sams.Outage = true;

        Assert.Equal(first, await provider.GetTokenAsync(CancellationToken.None));
        await Eventually.HoldsAsync(() => gateway.Sams.TokenRequestCount == 2, "the background renewal was attempted");
        Assert.Equal(first, await provider.GetTokenAsync(CancellationToken.None));
    }

    [Fact]
    public async Task GetTokenAsync_BasicRejected_FallsBackToFormFieldsAndStaysThere()
    {
        await using var gateway = await DevelopmentGateway.StartAsync(new DevelopmentGatewayOptions { SamsAcceptBasicAuth = false });
        using var services = Services(gateway);
        var provider = services.GetRequiredService<SamsTokenProvider>();

        var token = await provider.GetTokenAsync(CancellationToken.None);
        Assert.True(gateway.Sams.IsActive(token));
        Assert.Equal(2, gateway.Sams.TokenRequestCount);

        provider.Invalidate();
        await provider.GetTokenAsync(CancellationToken.None);
        Assert.Equal(3, gateway.Sams.TokenRequestCount);
        Assert.Single(LibraryLogs(services), log => log.Id.Id == 102);
        SecretAssert.NothingLeaked(services.GetFakeLogCollector());
    }

    [Fact]
    public async Task GetTokenAsync_WrongSecret_FailsWithClearSecretFreeMessage()
    {
        await using var gateway = await DevelopmentGateway.StartAsync();
        const string wrongSecret = "sams_cs_wrong_secret_0123456789";
        using var services = Services(gateway, configure: options => options.Sams.ClientSecret = wrongSecret);
        var provider = services.GetRequiredService<SamsTokenProvider>();

        var exception = await Assert.ThrowsAsync<SamsTokenException>(() => provider.GetTokenAsync(CancellationToken.None).AsTask());

        Assert.Equal(SamsTokenFailure.Refused, exception.Failure);
        Assert.Contains("invalid_client", exception.Message, StringComparison.Ordinal);
        Assert.Contains("ClientSecret", exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(wrongSecret, exception.ToString(), StringComparison.Ordinal);
        Assert.Single(LibraryLogs(services), log => log.Id.Id == 104 && log.Level == LogLevel.Error);
        SecretAssert.NothingLeaked(services.GetFakeLogCollector(), wrongSecret);
    }

    [Fact]
    public async Task GetTokenAsync_ScopeNotAllowed_FailsNamingTheScopeProblem()
    {
        await using var gateway = await DevelopmentGateway.StartAsync();
        using var services = Services(gateway, configure: options => options.Sams.Scopes.Add("telemetry_gateway::events::delete"));
        var provider = services.GetRequiredService<SamsTokenProvider>();

        var exception = await Assert.ThrowsAsync<SamsTokenException>(() => provider.GetTokenAsync(CancellationToken.None).AsTask());

        Assert.Equal(SamsTokenFailure.Refused, exception.Failure);
        Assert.Contains("invalid_scope", exception.Message, StringComparison.Ordinal);
    }

    private static IEnumerable<FakeLogRecord> LibraryLogs(IServiceProvider services) =>
        services.GetFakeLogCollector().GetSnapshot().Where(log => log.Category?.StartsWith("TelemetryHosting.", StringComparison.Ordinal) == true);

    private static ServiceProvider Services(
        DevelopmentGateway gateway,
        TimeProvider? time = null,
        Action<TelemetryGatewayOptions>? configure = null,
        Action<IServiceCollection>? configureServices = null)
    {
        var services = new ServiceCollection();
        services.AddFakeLogging();
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Trace));
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        services.AddTelemetryGateway(options =>
        {
            options.ServiceId = "test-service";
            options.Endpoint = gateway.Address;
            options.Sams.Url = gateway.WebAddress;
            options.Sams.ClientId = DevelopmentGatewayOptions.DefaultClientId;
            options.Sams.ClientSecret = DevelopmentGatewayOptions.DefaultClientSecret;
            configure?.Invoke(options);
        });
        configureServices?.Invoke(services);
        return services.BuildServiceProvider();
    }

    /// <summary>Holds token requests until opened, so that every caller is provably waiting at once.</summary>
    private sealed class GateHandler : DelegatingHandler
    {
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _requests;

        public int Requests => Volatile.Read(ref _requests);

        public void Open() => _open.TrySetResult();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _requests);
            await _open.Task.WaitAsync(cancellationToken);
            return await base.SendAsync(request, cancellationToken);
        }
    }
}
