using System.Diagnostics;
using TelemetryHosting.Tests.Chaos;
using TelemetryHosting.Tests.TestSupport;
using Xunit.Abstractions;

namespace TelemetryHosting.Tests.SecondServer;

/// <summary>
/// Stream faults that a gateway not built on ASP.NET Core produces (a grpc-js server ending a call at once without
/// reading the request or resetting the stream; a stream never read; GOAWAY while streams are open; a connection reset
/// after acknowledging), against both gateway servers. Every wait is bounded: a stalled export fails the test within
/// about half a minute instead of hanging it.
/// </summary>
public sealed class StreamFaultTests(ITestOutputHelper output)
{
    // About 20 bytes of metadata per padding entry: 40 entries make an event of about 1 KB, so one batch of the default
    // 1,000 events (one stream) is far larger than the 64 KiB HTTP/2 stream window a server that does not read leaves.
    internal const int Padding = 40;
    internal const int Events = 3_000;
    internal static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(5);

    public static TheoryData<string> Servers => GatewayServers.All;

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task RecordEvents_FirstStreamsRefusedAtOnceWithoutReading_AllReceivedAndFlushCompletes(string server)
    {
        await using var gateway = await GatewayServers.StartAsync(server);
        await gateway.RefuseNextStreamsAsync(3);

        // Everything is recorded before the worker starts, so the first streams carry full batches (about 1 MB each).
        await using var harness = await RecorderHarness.StartAsync(gateway.Address, shutdownTimeout: ShutdownTimeout, startHost: false);
        var run = new ChaosRun(harness, Padding);
        await run.RecordAsync(0, Events);
        await harness.Host.StartAsync();

        var clock = Stopwatch.StartNew();
        var report = await run.VerifyAsync(gateway);

        output.WriteLine($"refused at once [{server}]: {report}; flushed in {clock.Elapsed.TotalSeconds:F1} s; streams refused {await gateway.RefusedStreamsAsync()}");
        Assert.Equal(Events, report.Received);
        Assert.Equal(3, await gateway.RefusedStreamsAsync());
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task StopAsync_EveryStreamRefusedAtOnceWithoutReading_ReturnsWithinTheShutdownTimeoutEveryEventCounted(string server)
    {
        await using var gateway = await GatewayServers.StartAsync(server);
        await gateway.RefuseNextStreamsAsync(int.MaxValue);
        await using var harness = await RecorderHarness.StartAsync(gateway.Address, shutdownTimeout: ShutdownTimeout, startHost: false);
        var run = new ChaosRun(harness, Padding);
        await run.RecordAsync(0, Events);
        await harness.Host.StartAsync();
        await Eventually.HoldsAsync(async () => await gateway.RefusedStreamsAsync() >= 1, "the gateway has refused a stream");

        var (stopped, elapsed) = await harness.StopWithinAsync(ShutdownTimeout);

        var counts = harness.Counts();
        var received = await gateway.DistinctCountAsync();
        var droppedAtShutdown = harness.DroppedWithReason("shutdown");
        output.WriteLine(
            $"every stream refused [{server}]: StopAsync {(stopped ? "returned" : "still running")} after {elapsed.TotalSeconds:F1} s " +
            $"(shutdown timeout {ShutdownTimeout.TotalSeconds:F0} s); recorded {Events}, received {received}, dropped (shutdown) {droppedAtShutdown}, " +
            $"persisted {counts.Persisted}, pending {counts.Pending}; streams refused {await gateway.RefusedStreamsAsync()}");
        Assert.True(stopped, $"StopAsync did not return within {ShutdownTimeout} + 15 s");
        Assert.True(elapsed < ShutdownTimeout + TimeSpan.FromSeconds(2), $"StopAsync took {elapsed}, more than the shutdown timeout {ShutdownTimeout} + 2 s");
        Assert.Equal(Events, received + droppedAtShutdown + counts.Persisted);
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task RecordEvents_StreamsNeverReadNorAnswered_AllReceived(string server)
    {
        await using var gateway = await GatewayServers.StartAsync(server);
        await using var harness = await RecorderHarness.StartAsync(
            gateway.Address, options => options.ExportTimeout = TimeSpan.FromSeconds(1), shutdownTimeout: ShutdownTimeout);
        await gateway.NeverReadNextStreamsAsync(2);
        var run = new ChaosRun(harness, Padding);

        await run.RecordAsync(0, Events);
        await Eventually.HoldsAsync(async () => await gateway.PendingStreamFaultsAsync() == 0, "two streams were left hanging");
        var report = await run.VerifyAsync(gateway);

        output.WriteLine($"never read [{server}]: {report}");
        Assert.Equal(Events, report.Received);
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task StopAsync_EveryStreamNeverReadNorAnswered_ReturnsWithinTheShutdownTimeoutEveryEventCounted(string server)
    {
        await using var gateway = await GatewayServers.StartAsync(server);
        await gateway.NeverReadNextStreamsAsync(int.MaxValue);

        await StopWhileEveryStreamHangsAsync(gateway, gateway.Address, output, $"every stream hung [{server}]");

        Assert.Equal(0, await gateway.DistinctCountAsync());
    }

    /// <summary>
    /// Records <see cref="Events"/> against <paramref name="target"/> (the gateway, or a proxy in front of it) while every
    /// stream hangs, stops the host, and checks that StopAsync returns within the shutdown timeout (+2 s) with every
    /// event received, counted <c>shutdown</c> or persisted.
    /// </summary>
    internal static async Task StopWhileEveryStreamHangsAsync(IGatewayUnderTest gateway, Uri target, ITestOutputHelper output, string label)
    {
        await using var harness = await RecorderHarness.StartAsync(target, shutdownTimeout: ShutdownTimeout, startHost: false);
        var run = new ChaosRun(harness, Padding);
        await run.RecordAsync(0, Events);
        await harness.Host.StartAsync();
        await Eventually.HoldsAsync(() => harness.QueueDepth() < Events, "the worker has taken a batch");

        var (stopped, elapsed) = await harness.StopWithinAsync(ShutdownTimeout);

        var counts = harness.Counts();
        var received = await gateway.DistinctCountAsync();
        var droppedAtShutdown = harness.DroppedWithReason("shutdown");
        output.WriteLine(
            $"{label}: StopAsync {(stopped ? "returned" : "still running")} after {elapsed.TotalSeconds:F1} s " +
            $"(shutdown timeout {ShutdownTimeout.TotalSeconds:F0} s); recorded {Events}, received {received}, " +
            $"dropped (shutdown) {droppedAtShutdown}, persisted {counts.Persisted}, pending {counts.Pending}");
        Assert.True(stopped, $"StopAsync did not return within {ShutdownTimeout} + 15 s");
        Assert.True(elapsed < ShutdownTimeout + TimeSpan.FromSeconds(2), $"StopAsync took {elapsed}, more than the shutdown timeout {ShutdownTimeout} + 2 s");
        Assert.Equal(Events, received + droppedAtShutdown + counts.Persisted);
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task RecordEvents_GoAwayWhileStreamsAreOpen_AllReceived(string server)
    {
        await using var gateway = await GatewayServers.StartAsync(server);
        // Small batches: many streams, so that several connections get GOAWAY with streams open on them.
        await using var harness = await RecorderHarness.StartAsync(
            gateway.Address, options => options.MaxBatchSize = 100, shutdownTimeout: ShutdownTimeout);
        await gateway.GoAwayNextStreamsAsync(3);
        var run = new ChaosRun(harness);

        await run.RecordAsync(0, Events / 2);
        await run.RecordAsync(Events / 2, Events);
        var report = await run.VerifyAsync(gateway);

        output.WriteLine($"GOAWAY [{server}]: {report}");
        Assert.Equal(Events, report.Received);
        Assert.Equal(0, await gateway.PendingStreamFaultsAsync());
    }

    [Fact]
    public async Task RecordEvents_ConnectionResetAfterTheFirstPayloadWasAcknowledged_AllReceived()
    {
        // grpc-js only: the development gateway cannot answer a payload and then cut the connection under it.
        await using var gateway = await GrpcJsGateway.StartAsync();
        await using var harness = await RecorderHarness.StartAsync(gateway.Address, shutdownTimeout: ShutdownTimeout);
        await gateway.AbortNextStreamsAfterAckAsync(3);
        var run = new ChaosRun(harness);

        await run.RecordAsync(0, Events);
        await Eventually.HoldsAsync(async () => await gateway.PendingStreamFaultsAsync() == 0, "three connections were reset");
        var report = await run.VerifyAsync(gateway);

        output.WriteLine($"reset after ack [{GatewayServers.GrpcJs}]: {report}");
        Assert.Equal(Events, report.Received);
    }

    [Fact]
    public async Task RecordEvents_GoAwaySaysTheStreamWasNeverProcessed_AllReceivedWithoutWaitingForTheTimeout()
    {
        // grpc-js only: GOAWAY with last stream id 0 while the client's stream is open and being written. .NET's HTTP/2
        // client fails such a call (it replays a request by itself only before its body started); it must not wait
        // for the attempt timeout (30 s) before sending the events again.
        await using var gateway = await GrpcJsGateway.StartAsync();
        await using var harness = await RecorderHarness.StartAsync(gateway.Address, shutdownTimeout: ShutdownTimeout);
        await gateway.GoAwayUnprocessedNextStreamsAsync(3);
        var run = new ChaosRun(harness, Padding);

        var clock = Stopwatch.StartNew();
        await run.RecordAsync(0, Events);
        var report = await run.VerifyAsync(gateway);

        output.WriteLine($"GOAWAY unprocessed [{GatewayServers.GrpcJs}]: {report}; flushed in {clock.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(Events, report.Received);
        Assert.Equal(0, await gateway.PendingStreamFaultsAsync());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"the flush took {clock.Elapsed}: an attempt waited for its timeout");
    }
}
