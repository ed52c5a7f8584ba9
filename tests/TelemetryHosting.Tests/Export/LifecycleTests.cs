using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TelemetryHosting.Tests.TestSupport;

namespace TelemetryHosting.Tests.Export;

public sealed class LifecycleTests
{
    [Fact]
    public async Task StopAsync_EventsQueued_DeliversThemAll()
    {
        // A long interval and a large batch: only the shutdown drain sends these events.
        await using var harness = await RecorderHarness.StartAsync(options =>
        {
            options.FlushInterval = TimeSpan.FromHours(1);
            options.MaxBatchSize = 300;
        });
        for (var i = 0; i < 1_000; i++)
        {
            Assert.True(harness.Recorder.Record("search", "view"));
        }

        await harness.Host.StopAsync();

        Assert.Equal(1_000, harness.Gateway.Events.DistinctCount);
        Assert.Equal(new TelemetryFlushResult(1_000, 0, 0), await harness.Recorder.FlushWithinLimitAsync());
        Assert.Equal(0, harness.DroppedWithReason("shutdown"));
    }

    [Fact]
    public async Task StopAsync_GatewayDownUntilShutdownTimeout_CountsEveryEventAsShutdown()
    {
        await using var harness = await RecorderHarness.StartAsync(
            options => options.FlushInterval = TimeSpan.FromHours(1),
            shutdownTimeout: TimeSpan.FromSeconds(2));
        harness.Gateway.Faults.FailNextCalls(int.MaxValue, StatusCode.Unavailable);
        for (var i = 0; i < 25; i++)
        {
            harness.Recorder.Record("search", "view");
        }

        await harness.Host.StopAsync();

        Assert.Equal(25, harness.DroppedWithReason("shutdown"));
        Assert.Equal(new TelemetryFlushResult(0, 25, 0), await harness.Recorder.FlushWithinLimitAsync());
        Assert.Contains(harness.LibraryLogs(), log => log.Id.Id == 4 && log.Message.StartsWith("25 ", StringComparison.Ordinal));
        Assert.Contains(harness.LibraryLogs(), log => log.Id.Id == 3);
    }

    [Fact]
    public async Task Record_AfterStop_ReturnsFalseAndCountsShutdown()
    {
        await using var harness = await RecorderHarness.StartAsync();
        await harness.Host.StopAsync();

        Assert.False(harness.Recorder.Record("search", "view"));
        Assert.Equal(1, harness.DroppedWithReason("shutdown"));
    }

    [Fact]
    public async Task FlushAsync_GatewayRecoversFromOutage_DeliversEverythingOnce()
    {
        await using var harness = await RecorderHarness.StartAsync();
        harness.Gateway.Faults.FailNextCalls(3, StatusCode.Unavailable);

        for (var i = 0; i < 50; i++)
        {
            harness.Recorder.Record("search", "view");
        }

        var result = await harness.Recorder.FlushWithinLimitAsync();

        Assert.Equal(new TelemetryFlushResult(50, 0, 0), result);
        Assert.Equal(50, harness.Gateway.Events.DistinctCount);
        // The first failure of the outage is logged; the next ones fall within the log interval and are summarised
        // later instead of flooding the log. Every failed attempt is still counted.
        var retryLog = Assert.Single(harness.LibraryLogs(), log => log.Id.Id == 3);
        Assert.Contains("Unavailable", retryLog.Message, StringComparison.Ordinal);
        Assert.Equal(3, harness.ExportFailures.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.Single(harness.LibraryLogs(), log => log.Id.Id == 9);
    }

    [Fact]
    public async Task FlushAsync_Cancelled_ReportsPendingInsteadOfThrowing()
    {
        await using var harness = await RecorderHarness.StartAsync();
        harness.Gateway.Faults.FailNextCalls(int.MaxValue, StatusCode.Unavailable);
        harness.Recorder.Record("search", "view");
        harness.Recorder.Record("search", "view");

        using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var result = await harness.Recorder.FlushAsync(timeout.Token);

        Assert.Equal(new TelemetryFlushResult(0, 0, 2), result);
        Assert.False(result.IsComplete);
        harness.Gateway.Faults.Reset();
    }

    [Fact]
    public async Task FlushAsync_NothingRecorded_CompletesAtOnce()
    {
        await using var harness = await RecorderHarness.StartAsync();

        var result = await harness.Recorder.FlushWithinLimitAsync();

        Assert.Equal(new TelemetryFlushResult(0, 0, 0), result);
        Assert.True(result.IsComplete);
    }

    [Fact]
    public async Task Record_FromManyThreads_EveryEventDeliveredExactlyOnce()
    {
        await using var harness = await RecorderHarness.StartAsync(options => options.MaxBatchSize = 64);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 500; i++)
            {
                Assert.True(harness.Recorder.Record("search", "view"));
            }
        })));
        var result = await harness.Recorder.FlushWithinLimitAsync();

        Assert.Equal(new TelemetryFlushResult(2_000, 0, 0), result);
        Assert.Equal(2_000, harness.Gateway.Events.DistinctCount);
        Assert.Equal(0, harness.Gateway.Events.DuplicateCount);
        Assert.Equal(2_000, harness.Exported.GetMeasurementSnapshot().Sum(m => m.Value));
    }

    [Fact]
    public async Task Host_StartAndStopWithoutEvents_IsQuiet()
    {
        await using var harness = await RecorderHarness.StartAsync();

        await harness.Host.StopAsync();

        Assert.DoesNotContain(harness.LibraryLogs(), log => log.Level >= Microsoft.Extensions.Logging.LogLevel.Warning);
        Assert.Single(harness.Host.Services.GetServices<IHostedService>());
    }
}
