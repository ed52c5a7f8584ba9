using Grpc.Core;
using TelemetryHosting.DevGateway;
using TelemetryHosting.Tests.TestSupport;
using Xunit.Abstractions;

namespace TelemetryHosting.Tests.Chaos;

/// <summary>
/// Delivery under faults, against the development gateway's fault injection. Each scenario ends by comparing the
/// events the gateway received with the events recorded (see <see cref="ChaosRun"/>).
/// </summary>
public sealed class ChaosTests(ITestOutputHelper output) : IDisposable
{
    private const int Events = 4_000;
    private readonly string _spillDirectory = Path.Combine(Path.GetTempPath(), "telemetryhosting-chaos-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_spillDirectory))
        {
            Directory.Delete(_spillDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task Scenario1_TenPercentOfEventsRefused_AllReceivedOrCountedAsRejected()
    {
        await using var harness = await StartAsync();
        harness.Gateway.Faults.Seed = 42;
        harness.Gateway.Faults.RejectFraction = 0.1;
        var run = new ChaosRun(harness);

        await run.RecordAsync(0, Events);
        var report = await run.VerifyAsync(harness.Gateway);

        Report(report);
        Assert.Equal(Events, report.Recorded);
        Assert.True(harness.Gateway.Faults.InjectedEventFailures > Events / 20, "the fault was in force");
    }

    [Fact]
    public async Task Scenario2_UnavailableInTheMiddleOfTheRun_AllReceived()
    {
        await using var harness = await StartAsync();
        var run = new ChaosRun(harness);

        await run.RecordAsync(0, Events / 2);
        harness.Gateway.Faults.FailNextCalls(15, StatusCode.Unavailable);
        await run.RecordAsync(Events / 2, Events);
        await Eventually.HoldsAsync(() => harness.Gateway.Faults.PendingCallFailures == 0, "the outage has run its course");
        var report = await run.VerifyAsync(harness.Gateway);

        Report(report);
        Assert.Equal(Events, report.Received);
        Assert.Empty(report.Dropped);
    }

    [Fact]
    public async Task Scenario3_GatewayStoppedAndStartedOnTheSamePort_AllReceived()
    {
        var first = await DevelopmentGateway.StartAsync(new DevelopmentGatewayOptions { MaxStoredEvents = 100_000 });
        await using var harness = await StartAsync(gateway: first);
        var run = new ChaosRun(harness);

        await run.RecordAsync(0, Events / 3);
        await first.StopAsync();
        await run.RecordAsync(Events / 3, 2 * Events / 3);
        await using var second = await DevelopmentGateway.StartAsync(new DevelopmentGatewayOptions
        {
            MaxStoredEvents = 100_000,
            Port = first.Address.Port,
            WebPort = first.WebAddress.Port,
        });
        await run.RecordAsync(2 * Events / 3, Events);
        var report = await run.VerifyAsync(first, second);
        await first.DisposeAsync();

        Report(report);
        Assert.Equal(Events, report.Received);
        Assert.True(second.Events.DistinctCount > 0, "the restarted gateway received events");
    }

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

        Report(report);
        output.WriteLine($"tokens issued {sams.IssuedTokenCount}, token requests {sams.TokenRequestCount}, auth failures {harness.AuthFailures.GetMeasurementSnapshot().Sum(m => m.Value)}");
        Assert.Equal(report.Recorded, report.Received);
        Assert.Empty(report.Dropped);
        Assert.DoesNotContain(harness.Logs.GetSnapshot(), log =>
            log.Message.Contains("sams_at_", StringComparison.Ordinal)
            || log.Message.Contains(DevelopmentGatewayOptions.DefaultClientSecret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Scenario5_GatewaySlowerThanTheAttemptTimeout_AllReceivedDuplicatesKeepTheirIds()
    {
        await using var harness = await StartAsync(options => options.ExportTimeout = TimeSpan.FromMilliseconds(300));
        var run = new ChaosRun(harness);

        await run.RecordAsync(0, Events / 2);
        harness.Gateway.Faults.ResponseDelay = TimeSpan.FromSeconds(1);
        await run.RecordAsync(Events / 2, Events);
        await Eventually.HoldsAsync(
            () => harness.ExportFailures.GetMeasurementSnapshot().Count(m => Equals(m.Tags["rpc.grpc.status_code"], "DeadlineExceeded")) >= 3,
            "attempts have timed out");
        harness.Gateway.Faults.ResponseDelay = TimeSpan.Zero;
        var report = await run.VerifyAsync(harness.Gateway);

        Report(report);
        Assert.Equal(Events, report.Received);
    }

    [Fact]
    public async Task Scenario6_StreamsEndedAbruptlyMidPayload_AllReceivedDuplicatesKeepTheirIds()
    {
        await using var harness = await StartAsync();
        var run = new ChaosRun(harness);
        harness.Gateway.Faults.AbortNextStreams(3, acceptEventsFirst: true);

        await run.RecordAsync(0, Events / 2);
        await Eventually.HoldsAsync(() => harness.Gateway.Faults.PendingStreamAborts == 0, "the first streams were aborted");
        harness.Gateway.Faults.AbortNextStreams(3, acceptEventsFirst: false);
        await run.RecordAsync(Events / 2, Events);
        await Eventually.HoldsAsync(() => harness.Gateway.Faults.PendingStreamAborts == 0, "more streams were aborted");
        var report = await run.VerifyAsync(harness.Gateway);

        Report(report);
        Assert.Equal(Events, report.Received);
        Assert.True(report.Duplicates > 0, "events accepted before an abort were sent again");
    }

    [Fact]
    public async Task Scenario7_HostStoppedDuringOutageAndRestarted_AllDeliveredFromDiskCorruptFileCounted()
    {
        await using var gateway = await DevelopmentGateway.StartAsync(new DevelopmentGatewayOptions { MaxStoredEvents = 100_000 });
        gateway.Faults.FailNextCalls(int.MaxValue);
        var first = await StartAsync(Persistent, gateway);
        var firstRun = new ChaosRun(first);
        await firstRun.RecordAsync(0, Events);
        await first.Host.StopAsync();
        var spilled = first.Counts();
        await first.DisposeAsync();
        Assert.Equal(Events, spilled.Persisted);

        await File.WriteAllBytesAsync(Path.Combine(_spillDirectory, "000000000000001-1-00000001.tseg"), "THSEG001 not a real segment"u8.ToArray());
        gateway.Faults.Reset();
        await using var second = await StartAsync(Persistent, gateway);
        await second.WaitForDistinctAsync(Events);

        var numbers = gateway.Events.Snapshot().Select(e => (int)e.Metadata["seq"]).Distinct().Count();
        Assert.Equal(Events, numbers);
        await Eventually.HoldsAsync(() => Directory.GetFiles(_spillDirectory, "*.tseg").Length == 0, "every segment is replayed or moved aside");
        Assert.Single(Directory.GetFiles(Path.Combine(_spillDirectory, "corrupt")));
        output.WriteLine($"scenario 7: recorded {Events}, persisted at stop {spilled.Persisted}, received {numbers}, duplicates {gateway.Events.DuplicateCount}, corrupt files 1, dropped 0");
    }

    [Fact]
    public async Task Scenario8_QueueOverflowDuringOutageWithoutPersistence_ExactlyTheOverflowCountedAsQueueFull()
    {
        const int capacity = 500;
        await using var harness = await StartAsync(options =>
        {
            options.QueueCapacity = capacity;
            options.MaxBatchSize = 100;
        });
        harness.Gateway.Faults.FailNextCalls(int.MaxValue);
        var run = new ChaosRun(harness);

        await run.RecordAsync(0, Events);

        harness.Gateway.Faults.Reset();
        var report = await run.VerifyAsync(harness.Gateway);

        Report(report);
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

    private static Task<RecorderHarness> StartAsync(Action<TelemetryGatewayOptions>? configure = null, DevelopmentGateway? gateway = null) =>
        RecorderHarness.StartAsync(
            configure,
            gatewayOptions: new DevelopmentGatewayOptions { MaxStoredEvents = 100_000 },
            gateway: gateway,
            shutdownTimeout: TimeSpan.FromSeconds(10));

    private void Report(ChaosReport report, [System.Runtime.CompilerServices.CallerMemberName] string scenario = "") =>
        output.WriteLine($"{scenario}: {report}");
}
