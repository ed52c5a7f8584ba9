using Grpc.Core;
using TelemetryHosting.DevGateway;
using TelemetryHosting.Shared;
using TelemetryHosting.Tests.TestSupport;
using Xunit.Abstractions;

namespace TelemetryHosting.Tests.Chaos;

/// <summary>
/// Delivery under faults, against the fault injection of both gateway servers, the development gateway (Kestrel) and
/// the grpc-js gateway (Node), which end calls differently at the HTTP/2 level. Each scenario ends by comparing the
/// events the gateway received with the events recorded (see <see cref="ChaosRun"/>).
/// </summary>
public sealed class ChaosTests(ITestOutputHelper output) : IDisposable
{
    private const int Events = 4_000;

    /// <summary>Every scenario but the SAMS one runs against both servers.</summary>
    public static TheoryData<string> Servers => GatewayServers.All;
    private readonly string _spillDirectory = Path.Combine(Path.GetTempPath(), "telemetryhosting-chaos-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_spillDirectory))
        {
            Directory.Delete(_spillDirectory, recursive: true);
        }
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task Scenario1_TenPercentOfEventsRefused_AllReceivedOrCountedAsRejected(string server)
    {
        await using var gateway = await GatewayServers.StartAsync(server);
        await using var harness = await StartAsync(gateway);
        await gateway.RejectFractionAsync(0.1, seed: 42);
        var run = new ChaosRun(harness);

        await run.RecordAsync(0, Events);
        var report = await run.VerifyAsync(gateway);

        Report(report, server);
        Assert.Equal(Events, report.Recorded);
        Assert.True(await gateway.RejectedCountAsync() > Events / 20, "the fault was in force");
    }

    // On grpc-js the failing calls end at once without reading the request and without a stream reset: the stall.
    [Theory]
    [MemberData(nameof(Servers))]
    public async Task Scenario2_UnavailableInTheMiddleOfTheRun_AllReceived(string server)
    {
        await using var gateway = await GatewayServers.StartAsync(server);
        await using var harness = await StartAsync(gateway);
        var run = new ChaosRun(harness);

        await run.RecordAsync(0, Events / 2);
        await gateway.RefuseNextStreamsAsync(15);
        await run.RecordAsync(Events / 2, Events);
        await Eventually.HoldsAsync(async () => await gateway.PendingStreamFaultsAsync() == 0, "the outage has run its course");
        var report = await run.VerifyAsync(gateway);

        Report(report, server);
        Assert.Equal(Events, report.Received);
        Assert.Empty(report.Dropped);
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task Scenario3_GatewayStoppedAndStartedOnTheSamePort_AllReceived(string server)
    {
        await using var gateway = await GatewayServers.StartAsync(server);
        await using var harness = await StartAsync(gateway);
        var run = new ChaosRun(harness);

        await run.RecordAsync(0, Events / 3);
        await gateway.StopAsync();
        await run.RecordAsync(Events / 3, 2 * Events / 3);
        var beforeRestart = await gateway.DistinctCountAsync();
        await gateway.RestartAsync();
        await run.RecordAsync(2 * Events / 3, Events);
        var report = await run.VerifyAsync(gateway);

        Report(report, server);
        Assert.Equal(Events, report.Received);
        Assert.True(await gateway.DistinctCountAsync() > beforeRestart, "the restarted gateway received events");
    }

    // SAMS only: the grpc-js gateway has no SAMS emulator and checks no tokens, so this scenario runs on Kestrel alone.
    [Fact]
    public async Task Scenario4_TokenEndpointDownAndTokensExpiringEverySecond_AllReceived()
    {
        await using var harness = await RecorderHarness.StartAsync(
            options => options.Sams.TokenRenewalMargin = TimeSpan.FromMilliseconds(200),
            gatewayOptions: new DevelopmentGatewayOptions { MaxStoredEvents = 100_000, TokenLifetime = TimeSpan.FromSeconds(1) },
            shutdownTimeout: TimeSpan.FromSeconds(10));
        var sams = harness.Gateway.Sams;
        var run = new ChaosRun(harness);

        await run.RecordAsync(0, Events / 3);

        // Tokens are renewed when an export needs one, so events keep coming while the first one expires.
        var extra = Events;
        await Eventually.HoldsAsync(() => sams.IssuedTokenCount >= 2, "a token has expired and been renewed", step: () => run.RecordOne(extra++));

        // The token endpoint goes down and the tokens in use are revoked: exports fail until SAMS is back.
        sams.Outage = true;
        sams.RevokeAll();
        await run.RecordAsync(Events / 3, 2 * Events / 3);
        await Eventually.HoldsAsync(() => harness.AuthFailuresWithReason("token_unavailable") >= 3, "token requests have failed during the outage");
        sams.Outage = false;
        await run.RecordAsync(2 * Events / 3, Events);
        var report = await run.VerifyAsync(harness.Gateway);

        Report(report, GatewayServers.Kestrel);
        output.WriteLine($"tokens issued {sams.IssuedTokenCount}, token requests {sams.TokenRequestCount}, auth failures {harness.AuthFailures.GetMeasurementSnapshot().Sum(m => m.Value)}");
        Assert.Equal(report.Recorded, report.Received);
        Assert.Empty(report.Dropped);
        Assert.DoesNotContain(harness.Logs.GetSnapshot(), log =>
            log.Message.Contains("sams_at_", StringComparison.Ordinal)
            || log.Message.Contains(DevelopmentGatewayOptions.DefaultClientSecret, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task Scenario5_GatewaySlowerThanTheAttemptTimeout_AllReceivedDuplicatesKeepTheirIds(string server)
    {
        await using var gateway = await GatewayServers.StartAsync(server);
        await using var harness = await StartAsync(gateway, options => options.ExportTimeout = TimeSpan.FromMilliseconds(300));
        var run = new ChaosRun(harness);

        await run.RecordAsync(0, Events / 2);
        await gateway.DelayResponsesAsync(TimeSpan.FromSeconds(1));
        await run.RecordAsync(Events / 2, Events);
        await Eventually.HoldsAsync(
            () => harness.ExportFailures.GetMeasurementSnapshot().Count(m => Equals(m.Tags[TelemetryHostingInstruments.StatusTag], (int)Grpc.Core.StatusCode.DeadlineExceeded)) >= 3,
            "attempts have timed out");
        await gateway.ResetAsync();
        var report = await run.VerifyAsync(gateway);

        Report(report, server);
        Assert.Equal(Events, report.Received);
    }

    // Kestrel resets the HTTP/2 stream (a handler cannot cut its connection); grpc-js resets the TCP connection.
    [Theory]
    [MemberData(nameof(Servers))]
    public async Task Scenario6_StreamsEndedAbruptlyMidPayload_AllReceivedDuplicatesKeepTheirIds(string server)
    {
        await using var gateway = await GatewayServers.StartAsync(server);
        await using var harness = await StartAsync(gateway);
        var run = new ChaosRun(harness);
        await gateway.AbortNextStreamsAsync(3, acceptEventsFirst: true);

        await run.RecordAsync(0, Events / 2);
        await Eventually.HoldsAsync(async () => await gateway.PendingStreamFaultsAsync() == 0, "the first streams were aborted");
        await gateway.AbortNextStreamsAsync(3, acceptEventsFirst: false);
        await run.RecordAsync(Events / 2, Events);
        await Eventually.HoldsAsync(async () => await gateway.PendingStreamFaultsAsync() == 0, "more streams were aborted");
        var report = await run.VerifyAsync(gateway);

        Report(report, server);
        Assert.Equal(Events, report.Received);
        Assert.True(report.Duplicates > 0, "events accepted before an abort were sent again");
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task Scenario7_HostStoppedDuringOutageAndRestarted_AllDeliveredFromDiskCorruptFileCounted(string server)
    {
        await using var gateway = await GatewayServers.StartAsync(server);
        await gateway.RefuseNextStreamsAsync(int.MaxValue);
        var first = await StartAsync(gateway, Persistent);
        var firstRun = new ChaosRun(first);
        await firstRun.RecordAsync(0, Events);
        await StopWithinAsync(first, TimeSpan.FromSeconds(25));
        var spilled = first.Counts();
        await first.DisposeAsync();
        Assert.Equal(Events, spilled.Persisted);

        await File.WriteAllBytesAsync(Path.Combine(_spillDirectory, "000000000000001-1-00000001.tseg"), "THSEG001 not a real segment"u8.ToArray());
        await gateway.ResetAsync();
        await using var second = await StartAsync(gateway, Persistent);
        await Eventually.HoldsAsync(async () => await gateway.DistinctCountAsync() >= Events, $"the gateway received {Events} events");

        var received = await gateway.ReceivedAsync();
        var numbers = received.Select(e => e.Seq).Distinct().Count();
        Assert.Equal(Events, numbers);
        await Eventually.HoldsAsync(() => Directory.GetFiles(_spillDirectory, "*.tseg").Length == 0, "every segment is replayed or moved aside");
        Assert.Single(Directory.GetFiles(Path.Combine(_spillDirectory, "corrupt")));
        output.WriteLine($"scenario 7 ({server}): recorded {Events}, persisted at stop {spilled.Persisted}, received {numbers}, duplicates {received.Count - numbers}, corrupt files 1, dropped 0");
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task Scenario8_QueueOverflowDuringOutageWithoutPersistence_ExactlyTheOverflowCountedAsQueueFull(string server)
    {
        const int capacity = 500;
        await using var gateway = await GatewayServers.StartAsync(server);
        await using var harness = await StartAsync(gateway, options =>
        {
            options.QueueCapacity = capacity;
            options.MaxBatchSize = 100;
        });
        await gateway.RefuseNextStreamsAsync(int.MaxValue);
        var run = new ChaosRun(harness);

        await run.RecordAsync(0, Events);

        await gateway.ResetAsync();
        var report = await run.VerifyAsync(gateway);

        Report(report, server);
        Assert.Equal(Events, report.Recorded + report.Refused);
        Assert.Equal(report.Refused, report.Dropped["queue_full"]);
        // Memory is bounded: what the recorder holds is the queue plus the one batch the worker is retrying.
        Assert.InRange(report.Recorded, capacity, capacity + 100);
        Assert.Equal(report.Recorded, report.Received);
    }

    private void Persistent(TelemetryGatewayOptions options)
    {
        options.Persistence.Directory = _spillDirectory;
        options.MaxBatchSize = 500;
    }

    private static Task<RecorderHarness> StartAsync(IGatewayUnderTest gateway, Action<TelemetryGatewayOptions>? configure = null) =>
        RecorderHarness.StartAsync(gateway.Address, configure, shutdownTimeout: TimeSpan.FromSeconds(10));

    /// <summary>Stops the host, failing the test (not hanging it) when the stop outlasts <paramref name="bound"/>.</summary>
    private static async Task StopWithinAsync(RecorderHarness harness, TimeSpan bound)
    {
        using var timeout = new CancellationTokenSource(bound);
        var stopping = harness.Host.StopAsync(timeout.Token);
        var finished = await Task.WhenAny(stopping, Task.Delay(bound + TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.True(finished == stopping, $"the host did not stop within {bound} + 5 s: {harness.Counts()}");
        await stopping;
    }

    private void Report(ChaosReport report, string server, [System.Runtime.CompilerServices.CallerMemberName] string scenario = "") =>
        output.WriteLine($"{scenario} [{server}]: {report}");
}
