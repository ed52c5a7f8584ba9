using System.Diagnostics;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using TelemetryHosting.Tests.Chaos;
using TelemetryHosting.Tests.TestSupport;
using Xunit.Abstractions;

namespace TelemetryHosting.Tests.SecondServer;

/// <summary>
/// Delivery through a real reverse proxy (nginx, <c>grpc_pass</c>) in front of each gateway server. A proxy ends calls
/// in ways no gateway does: an HTTP 502 or 504 with no gRPC status when the gateway is down or slow, a 413 when a
/// stream's body outgrows its limit, GOAWAY after a connection's share of requests. Every wait is bounded.
/// </summary>
public sealed class ProxyTests(ITestOutputHelper output)
{
    // The stream fault tests' load: about 1 KB per event, so one full batch of 1,000 events is about 1 MB on one stream.
    private const int Padding = StreamFaultTests.Padding;
    private const int Events = StreamFaultTests.Events;
    private static readonly TimeSpan ShutdownTimeout = StreamFaultTests.ShutdownTimeout;

    public static TheoryData<string> Servers => GatewayServers.All;

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task RecordEvents_ThroughTheProxy_AllReceived(string server)
    {
        await using var gateway = await GatewayServers.StartAsync(server);
        await using var proxy = await NginxProxy.StartAsync(gateway.Address);
        await using var harness = await RecorderHarness.StartAsync(proxy.Address, shutdownTimeout: ShutdownTimeout);
        var run = new ChaosRun(harness, Padding);

        await run.RecordAsync(0, Events);
        var report = await run.VerifyAsync(gateway);

        output.WriteLine($"through nginx [{server}]: {report}; proxy statuses {Summary(proxy)}");
        Assert.Equal(Events, report.Received);
        Assert.Equal(0, report.Duplicates);
        Assert.NotEmpty(proxy.Statuses());
        Assert.All(proxy.Statuses(), status => Assert.Equal(200, status));
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task RecordEvents_GatewayBehindTheProxyDownThenBack_ProxyAnswers502AndAllAreReceived(string server)
    {
        await using var gateway = await GatewayServers.StartAsync(server);
        await using var proxy = await NginxProxy.StartAsync(gateway.Address);
        await gateway.StopAsync();
        await using var harness = await RecorderHarness.StartAsync(proxy.Address, shutdownTimeout: ShutdownTimeout);
        var run = new ChaosRun(harness, Padding);

        await run.RecordAsync(0, Events);
        await Eventually.HoldsAsync(() => proxy.Statuses().Count(status => status == 502) >= 2, "the proxy has answered 502 twice");
        await gateway.RestartAsync();
        var report = await run.VerifyAsync(gateway);

        output.WriteLine($"gateway down behind nginx [{server}]: {report}; proxy statuses {Summary(proxy)}");
        Assert.Equal(Events, report.Received);
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task RecordEvents_GatewayBehindTheProxyNeverAnswers_ProxyAnswers504AndAllAreReceived(string server)
    {
        await using var gateway = await GatewayServers.StartAsync(server);
        await using var proxy = await NginxProxy.StartAsync(gateway.Address, new NginxProxyOptions { UpstreamTimeout = TimeSpan.FromSeconds(1) });
        await gateway.NeverReadNextStreamsAsync(2);
        await using var harness = await RecorderHarness.StartAsync(proxy.Address, shutdownTimeout: ShutdownTimeout);
        var run = new ChaosRun(harness, Padding);

        await run.RecordAsync(0, Events);
        await Eventually.HoldsAsync(async () => await gateway.PendingStreamFaultsAsync() == 0, "two streams were left hanging");
        var report = await run.VerifyAsync(gateway);

        output.WriteLine($"gateway hung behind nginx [{server}]: {report}; proxy statuses {Summary(proxy)}");
        Assert.Equal(Events, report.Received);
        Assert.Contains(504, proxy.Statuses());
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task RecordEvents_BatchesLargerThanTheProxysBodyLimit_SentInSmallerStreamsAllReceived(string server)
    {
        await using var gateway = await GatewayServers.StartAsync(server);
        await using var proxy = await NginxProxy.StartAsync(gateway.Address, new NginxProxyOptions { MaxBodyBytes = 256 * 1024 });

        // Everything is recorded before the worker starts, so the first streams carry full batches (about 1 MB each).
        await using var harness = await RecorderHarness.StartAsync(proxy.Address, shutdownTimeout: ShutdownTimeout, startHost: false);
        var run = new ChaosRun(harness, Padding);
        await run.RecordAsync(0, Events);
        await harness.Host.StartAsync();

        var report = await run.VerifyAsync(gateway);

        var lowered = harness.Logs.GetSnapshot().Where(log => IsLibraryLog(log, 19)).Select(log => log.Message).ToList();
        output.WriteLine($"body limit 256 KiB behind nginx [{server}]: {report}; proxy statuses {Summary(proxy)}; {string.Join(" | ", lowered)}");
        Assert.Equal(Events, report.Received);
        Assert.Contains(413, proxy.Statuses());
        Assert.NotEmpty(lowered);
    }

    [Fact]
    public async Task RecordEvents_FiveMinutesAfterTheStreamLimitWasLowered_StreamsGrowBackAndAreLoweredAgain()
    {
        // Kestrel only: the limit's period is about the library's clock, not the server.
        await using var gateway = await GatewayServers.StartAsync(GatewayServers.Kestrel);
        await using var proxy = await NginxProxy.StartAsync(gateway.Address, new NginxProxyOptions { MaxBodyBytes = 256 * 1024 });
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
        await using var harness = await RecorderHarness.StartAsync(proxy.Address, shutdownTimeout: ShutdownTimeout, timeProvider: time);
        var run = new ChaosRun(harness, Padding);
        int Lowered() => harness.Logs.GetSnapshot().Count(log => IsLibraryLog(log, 19));

        // A whole batch (about 1 MB) in the queue, then a flush: refused twice (1 MB, then 512 KB), then sent at 256 KB.
        await run.RecordAsync(0, 1_000);
        await harness.Recorder.FlushWithinLimitAsync();
        var loweredAtFirst = Lowered();

        // Within the period the lowered limit holds: a second batch goes in small streams at once.
        time.Advance(TimeSpan.FromMinutes(4));
        await run.RecordAsync(1_000, 2_000);
        await harness.Recorder.FlushWithinLimitAsync();
        var loweredWithinThePeriod = Lowered();

        // After it, streams grow back to a whole batch, which the proxy refuses again.
        time.Advance(TimeSpan.FromMinutes(2));
        await run.RecordAsync(2_000, 3_000);
        var report = await run.VerifyAsync(gateway);

        output.WriteLine($"limit period [{GatewayServers.Kestrel}]: {report}; lowered {loweredAtFirst}, {loweredWithinThePeriod}, {Lowered()}; proxy statuses {Summary(proxy)}");
        Assert.Equal(3_000, report.Received);
        Assert.True(loweredAtFirst >= 1, "the first batch did not lower the limit");
        Assert.Equal(loweredAtFirst, loweredWithinThePeriod);
        Assert.True(Lowered() > loweredWithinThePeriod, "the limit was not lowered again after its period: streams never grew back");
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task RecordEvents_AnEventLargerThanTheProxysBodyLimit_ThatEventDroppedAsRejectedAfterItsAttemptsTheOthersReceived(string server)
    {
        const int Small = 200;
        await using var gateway = await GatewayServers.StartAsync(server);
        await using var proxy = await NginxProxy.StartAsync(gateway.Address, new NginxProxyOptions { MaxBodyBytes = 64 * 1024 });
        await using var harness = await RecorderHarness.StartAsync(proxy.Address, shutdownTimeout: ShutdownTimeout, startHost: false);
        var run = new ChaosRun(harness, Padding);
        await run.RecordAsync(0, Small / 2);

        // About 200 KB of metadata: over the proxy's limit even alone.
        var huge = new Dictionary<string, double>(10_001) { ["seq"] = -1 };
        for (var i = 0; i < 10_000; i++)
        {
            huge[$"entry{i:D5}"] = i;
        }

        Assert.True(harness.Recorder.Record("chaos.run", "huge", new TelemetryEventParameters { Metadata = huge }));
        await run.RecordAsync(Small / 2, Small);
        await harness.Host.StartAsync();

        var flushed = await harness.Recorder.FlushWithinLimitAsync();

        var tooLarge = Assert.Single(harness.Logs.GetSnapshot(), log => IsLibraryLog(log, 20));
        output.WriteLine($"an event over the body limit behind nginx [{server}]: {flushed}; received {await gateway.DistinctCountAsync()}; proxy statuses {Summary(proxy)}; {tooLarge.Message}");
        Assert.Equal(Small, await gateway.DistinctCountAsync());
        Assert.Equal(1, harness.DroppedWithReason("rejected"));
        Assert.Equal(Small, flushed.Delivered);
        Assert.Equal(1, flushed.Failed);
        Assert.Contains("chaos.run/huge", tooLarge.Message, StringComparison.Ordinal);

        // Refused on each of its attempts (the harness keeps the default of 5), each alone in a stream.
        Assert.Contains("after 5 attempts", tooLarge.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task RecordEvents_ProxyRefusesEveryStreamAsTooLarge_TreatedAsAnOutageNothingDroppedAtOnce(string server)
    {
        await using var gateway = await GatewayServers.StartAsync(server);

        // Below one event with its stream's metadata: every stream is refused, whatever its size.
        await using var proxy = await NginxProxy.StartAsync(gateway.Address, new NginxProxyOptions { MaxBodyBytes = 1024 });
        await using var harness = await RecorderHarness.StartAsync(proxy.Address, options => options.MaxBatchSize = 100, shutdownTimeout: ShutdownTimeout);
        var run = new ChaosRun(harness, Padding);

        await run.RecordAsync(0, 200);
        await Eventually.HoldsAsync(() => harness.ExportFailures.GetMeasurementSnapshot().Count >= 5, "five export attempts have failed");

        output.WriteLine(
            $"every stream refused by nginx [{server}]: failures {harness.ExportFailures.GetMeasurementSnapshot().Count}, " +
            $"dropped (rejected) {harness.DroppedWithReason("rejected")}, counts {harness.Counts()}; proxy statuses {Summary(proxy)}");
        Assert.Equal(0, harness.DroppedWithReason("rejected"));
        Assert.Equal(0, await gateway.DistinctCountAsync());
        Assert.All(proxy.Statuses(), status => Assert.Equal(413, status));

        // No export counts as completed (log 5), so the outage is never taken as over.
        Assert.DoesNotContain(harness.Logs.GetSnapshot(), log => IsLibraryLog(log, 5));
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task RecordEvents_ProxySendsGoAwayEveryThreeRequests_AllReceivedOnce(string server)
    {
        await using var gateway = await GatewayServers.StartAsync(server);
        await using var proxy = await NginxProxy.StartAsync(gateway.Address, new NginxProxyOptions { RequestsPerConnection = 3 });
        await using var harness = await RecorderHarness.StartAsync(
            proxy.Address, options => options.MaxBatchSize = 100, shutdownTimeout: ShutdownTimeout);
        var run = new ChaosRun(harness);

        var clock = Stopwatch.StartNew();
        await run.RecordAsync(0, Events);
        var report = await run.VerifyAsync(gateway);

        output.WriteLine($"GOAWAY every 3 requests from nginx [{server}]: {report}; flushed in {clock.Elapsed.TotalSeconds:F1} s; proxy statuses {Summary(proxy)}");
        Assert.Equal(Events, report.Received);

        // A stream lost under a closing connection ends within seconds, not at the attempt timeout (30 s).
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"the flush took {clock.Elapsed}: an attempt waited for its timeout");
        Assert.True(proxy.Statuses().Count >= Events / 100, $"fewer calls than batches: {Summary(proxy)}");
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task StopAsync_GatewayBehindTheProxyNeverAnswers_ReturnsWithinTheShutdownTimeoutEveryEventCounted(string server)
    {
        await using var gateway = await GatewayServers.StartAsync(server);
        await using var proxy = await NginxProxy.StartAsync(gateway.Address, new NginxProxyOptions { UpstreamTimeout = TimeSpan.FromMinutes(5) });
        await gateway.NeverReadNextStreamsAsync(int.MaxValue);

        await StreamFaultTests.StopWhileEveryStreamHangsAsync(gateway, proxy.Address, output, $"gateway hung behind nginx, stopping [{server}]");
    }

    private static bool IsLibraryLog(FakeLogRecord log, int id) =>
        log.Id.Id == id && log.Category?.StartsWith("TelemetryHosting.", StringComparison.Ordinal) == true;

    private static string Summary(NginxProxy proxy) =>
        string.Join(", ", proxy.Statuses().GroupBy(status => status).OrderBy(g => g.Key).Select(g => $"{g.Key}×{g.Count()}"));
}
