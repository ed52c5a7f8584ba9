using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Polly;
using Polly.Retry;
using TelemetryHosting.DevGateway;
using TelemetryHosting.Tests.TestSupport;

namespace TelemetryHosting.Tests.Export;

/// <summary>
/// Defects a review of the delivery core reported, each pinned through the public API only (options, the recorder, the
/// host, the meter, the development gateway), since the internals are being rewritten: a waiting flush that stops
/// intake, a flush before the worker runs, deadlines on the wall clock, and a replacement pipeline that gives up.
/// Each failed on the code it was written against.
/// </summary>
public sealed class DeliveryCoreFindingsTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    // How long a test waits for what a fixed recorder does within milliseconds: long enough for a loaded machine, short
    // enough that a failing test ends in seconds.
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task FlushAsync_WaitingOnALeftOutEvent_QueueKeepsTakingAndDeliveringEvents()
    {
        var time = new FakeTimeProvider(Start);
        await using var harness = await RecorderHarness.StartAsync(
            options =>
            {
                options.QueueCapacity = 100;
                options.MaxBatchSize = 10;
                options.RetryDelay = TimeSpan.FromSeconds(1);
                options.MaxRetryDelay = TimeSpan.FromSeconds(1);
                options.MaxEventAttempts = 5;
            },
            timeProvider: time,
            shutdownTimeout: TimeSpan.FromSeconds(1));
        harness.Gateway.Faults.RejectWhen = (feature, _) => feature == "refused";

        // The gateway leaves this one out; time stands still, so it waits for its retry delay throughout.
        Assert.True(harness.Recorder.Record("refused", "view"));
        var flush = harness.Recorder.FlushAsync();
        await Eventually.HoldsAsync(() => harness.Gateway.Faults.RefusedEventIds.Count == 1, "the gateway leaves the event out", timeout: Bound);

        // Meanwhile the gateway is healthy: 300 events, 20 at a time (two full batches), three times the queue.
        for (var group = 1; group <= 15; group++)
        {
            for (var i = 0; i < 20; i++)
            {
                harness.Recorder.Record("search", "view");
            }

            var delivered = 20 * group;
            Assert.True(
                await Eventually.HoldsWithinAsync(() => harness.Gateway.Events.DistinctCount >= delivered, Bound),
                $"While a flush waited for the left-out event, {delivered} events were recorded and {harness.Gateway.Events.DistinctCount} delivered " +
                $"within {Bound.TotalSeconds} s (queue depth {harness.QueueDepth()}, {harness.DroppedWithReason("queue_full")} refused as queue_full).");
        }

        Assert.Equal(0, harness.DroppedWithReason("queue_full"));
        Assert.Equal(300, harness.Gateway.Events.DistinctCount);
        Assert.False(flush.IsCompleted, "the flush still waits for the left-out event");
    }

    [Fact]
    public async Task FlushAsync_InAHostedServiceStartingBeforeTheWorker_ReturnsAtOnceWithTheEventPending()
    {
        await using var gateway = await DevelopmentGateway.StartAsync(new DevelopmentGatewayOptions { RequireAuthentication = false });
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });

        // Registered before AddTelemetryGateway, so the host starts it before the delivery worker.
        builder.Services.AddSingleton<FlushingAtStart>();
        builder.Services.AddHostedService(provider => provider.GetRequiredService<FlushingAtStart>());
        builder.Services.AddTelemetryGateway(options => Configure(options, gateway));
        using var host = builder.Build();
        var service = host.Services.GetRequiredService<FlushingAtStart>();

        // The start's token is the test's bound: it ends a flush that would otherwise wait forever.
        using (var startBound = new CancellationTokenSource(Bound))
        {
            try
            {
                await host.StartAsync(startBound.Token);
            }
            catch (OperationCanceledException)
            {
                // The start timed out: the assertions below say why.
            }
        }

        Assert.False(service.FlushEndedByCancellation, $"FlushAsync before the worker started waited until the host's start was cancelled ({Bound.TotalSeconds} s).");
        Assert.Equal(new TelemetryFlushResult(0, 0, 1), service.Result);

        // Once the worker runs, the event is delivered.
        using var delivered = new CancellationTokenSource(Bound);
        await gateway.Events.WaitForDistinctCountAsync(1, delivered.Token);
        using var stop = new CancellationTokenSource(Bound);
        await host.StopAsync(stop.Token);
    }

    [Fact]
    public async Task FlushAsync_HostBuiltAndDisposedWithoutStarting_Returns()
    {
        await using var gateway = await DevelopmentGateway.StartAsync(new DevelopmentGatewayOptions { RequireAuthentication = false });
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddTelemetryGateway(options => Configure(options, gateway));
        var host = builder.Build();
        var recorder = host.Services.GetRequiredService<ITelemetryRecorder>();

        Assert.True(recorder.Record("search", "view"));
        var flush = recorder.FlushAsync();
        host.Dispose();

        var returned = await Task.WhenAny(flush, Task.Delay(Bound, CancellationToken.None)) == flush;
        Assert.True(returned, $"FlushAsync on a host that never started had not returned {Bound.TotalSeconds} s after the host was disposed.");
        var result = await flush;
        Assert.Equal(0, result.Delivered);
        Assert.Equal(1, result.Pending + result.Failed);
    }

    [Fact]
    public async Task Batch_WallClockStepsBackAfterRecord_IsSentAfterTheFlushInterval()
    {
        var flushInterval = TimeSpan.FromMilliseconds(300);
        var clock = new SteppingWallClock(new FakeTimeProvider(Start));
        await using var harness = await RecorderHarness.StartAsync(
            options =>
            {
                options.FlushInterval = flushInterval;
                options.MaxBatchSize = 100;
            },
            requireAuthentication: false,
            shutdownTimeout: TimeSpan.FromSeconds(1),
            configureServices: services => services.AddSingleton<TimeProvider>(clock));

        var armedBefore = clock.ArmedTimers.Count;
        Assert.True(harness.Recorder.Record("search", "view"));

        // The worker has taken the event and waits for its flush interval; then the wall clock is set back an hour (NTP,
        // a VM resumed) while the monotonic clock goes on.
        await Eventually.HoldsAsync(
            () => clock.ArmedTimers.Skip(armedBefore).Any(due => due > TimeSpan.Zero && due <= flushInterval),
            "the worker waits for the batch's flush interval",
            timeout: Bound);
        clock.WallOffset = TimeSpan.FromHours(-1);
        for (var i = 0; i < 30; i++)
        {
            clock.Inner.Advance(TimeSpan.FromMilliseconds(100));
        }

        await Eventually.HoldsAsync(
            () => harness.Gateway.Events.DistinctCount == 1,
            $"the batch is sent 3 s after it was recorded, with a {flushInterval.TotalMilliseconds} ms flush interval, though the wall clock stepped back",
            timeout: Bound);
    }

    [Fact]
    public async Task LeftOutEvent_WallClockStepsBack_GoesAgainAfterTheRetryDelay()
    {
        var retryDelay = TimeSpan.FromSeconds(1);
        var clock = new SteppingWallClock(new FakeTimeProvider(Start));
        await using var harness = await RecorderHarness.StartAsync(
            options =>
            {
                options.MaxBatchSize = 1;
                options.RetryDelay = retryDelay;
                options.MaxRetryDelay = retryDelay;
                options.MaxEventAttempts = 5;
            },
            requireAuthentication: false,
            shutdownTimeout: TimeSpan.FromSeconds(1),
            configureServices: services => services.AddSingleton<TimeProvider>(clock));
        harness.Gateway.Faults.RejectWhen = (feature, _) => feature == "refused";

        var armedBefore = clock.ArmedTimers.Count;
        Assert.True(harness.Recorder.Record("refused", "view"));
        await Eventually.HoldsAsync(() => harness.Gateway.Faults.RefusedEventIds.Count == 1, "the gateway leaves the event out", timeout: Bound);

        // The worker holds the event for its retry delay; then the wall clock is set back an hour.
        await Eventually.HoldsAsync(
            () => clock.ArmedTimers.Skip(armedBefore).Any(due => due > TimeSpan.Zero && due <= retryDelay),
            "the worker waits for the retry delay",
            timeout: Bound);
        clock.WallOffset = TimeSpan.FromHours(-1);
        for (var i = 0; i < 15; i++)
        {
            clock.Inner.Advance(TimeSpan.FromMilliseconds(100));
        }

        await Eventually.HoldsAsync(
            () => harness.Gateway.Faults.RefusedEventIds.Count == 2,
            "the left-out event goes again 1.5 s later, with a 1 s retry delay, though the wall clock stepped back",
            timeout: Bound);
    }

    [Fact]
    public async Task ReplacedPipelineThatGivesUp_GatewayFailing_EventsUseTheirAttemptsAndAreCounted()
    {
        await using var harness = await RecorderHarness.StartAsync(
            options => options.MaxEventAttempts = 3,
            requireAuthentication: false,
            shutdownTimeout: TimeSpan.FromSeconds(1),
            configureServices: services => services.AddTelemetryGateway(_ => { }).ConfigureExportResilience(
                (pipeline, _) => pipeline.AddRetry(new RetryStrategyOptions { MaxRetryAttempts = 1, Delay = TimeSpan.Zero }),
                replaceDefaults: true));
        harness.Gateway.Faults.FailNextCalls(int.MaxValue);

        Assert.True(harness.Recorder.Record("search", "view"));

        // Each time the pipeline gives up, the event has used an attempt; after three it is counted, while the host runs.
        Assert.True(
            await Eventually.HoldsWithinAsync(() => harness.Dropped.GetMeasurementSnapshot().Sum(m => m.Value) == 1, Bound),
            $"After {Bound.TotalSeconds} s the event was still not counted: the gateway was called " +
            $"{int.MaxValue - harness.Gateway.Faults.PendingCallFailures} times, counts {harness.Counts()}.");
        Assert.Equal(1, harness.Counts().Failed);
        Assert.Equal(0, harness.DroppedWithReason("shutdown"));
    }

    private static void Configure(TelemetryGatewayOptions options, DevelopmentGateway gateway)
    {
        options.Endpoint = gateway.Address;
        options.ServiceId = RecorderHarness.ServiceId;
        options.FlushInterval = TimeSpan.FromMilliseconds(50);
        options.RetryDelay = TimeSpan.FromMilliseconds(20);
        options.MaxRetryDelay = TimeSpan.FromMilliseconds(200);
    }

    /// <summary>A hosted service that records an event and waits for a flush while the host starts it.</summary>
    private sealed class FlushingAtStart(ITelemetryRecorder recorder) : IHostedService
    {
        public TelemetryFlushResult? Result { get; private set; }

        public bool FlushEndedByCancellation { get; private set; }

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            recorder.Record("startup", "view");
            Result = await recorder.FlushAsync(cancellationToken);
            FlushEndedByCancellation = cancellationToken.IsCancellationRequested;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
