using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Polly;
using TelemetryHosting.Shared;
using TelemetryHosting.Tests.TestSupport;

namespace TelemetryHosting.Tests.Resilience;

public sealed class ExportResilienceTests
{
    [Theory]
    [InlineData(StatusCode.Unavailable)]
    [InlineData(StatusCode.DeadlineExceeded)]
    [InlineData(StatusCode.Aborted)]
    [InlineData(StatusCode.ResourceExhausted)]
    [InlineData(StatusCode.Internal)]
    [InlineData(StatusCode.Cancelled)]
    public async Task Export_TransientStatus_IsRetriedAndLoggedAsWarning(StatusCode status)
    {
        await using var harness = await RecorderHarness.StartAsync();
        harness.Gateway.Faults.FailNextCalls(2, status);

        harness.Recorder.Record("search", "view");
        var result = await harness.Recorder.FlushWithinLimitAsync();

        Assert.Equal(new TelemetryFlushResult(1, 0, 0), result);
        var log = Assert.Single(harness.LibraryLogs(), log => log.Id.Id == 3);
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, log.Level);
        Assert.Contains(status.ToString(), log.Message, StringComparison.Ordinal);
        Assert.Equal(2, harness.ExportFailures.GetMeasurementSnapshot().Count(m => Equals(m.Tags[TelemetryHostingInstruments.StatusTag], (int)status)));
    }

    [Theory]
    [InlineData(StatusCode.InvalidArgument)]
    [InlineData(StatusCode.PermissionDenied)]
    [InlineData(StatusCode.Unimplemented)]
    public async Task Export_ConfigurationStatus_IsLoggedAsErrorAndEventsAreKept(StatusCode status)
    {
        await using var harness = await RecorderHarness.StartAsync();
        harness.Gateway.Faults.FailNextCalls(3, status);

        for (var i = 0; i < 20; i++)
        {
            harness.Recorder.Record("search", "view");
        }

        var result = await harness.Recorder.FlushWithinLimitAsync();

        Assert.Equal(new TelemetryFlushResult(20, 0, 0), result);
        var log = Assert.Single(harness.LibraryLogs(), log => log.Id.Id == 8);
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Error, log.Level);
        Assert.Contains("ServiceId", log.Message, StringComparison.Ordinal);
        Assert.Equal(0, harness.Dropped.GetMeasurementSnapshot().Sum(m => m.Value));
    }

    [Fact]
    public async Task Record_DuringOutage_KeepsAcceptingUpToTheQueueBound()
    {
        await using var harness = await RecorderHarness.StartAsync(options => options.QueueCapacity = 1_000);
        harness.Gateway.Faults.FailNextCalls(int.MaxValue);

        // Intake never waits on the export retrying in the background.
        for (var i = 0; i < 500; i++)
        {
            Assert.True(harness.Recorder.Record("search", "view"));
        }

        await Eventually.HoldsAsync(() => harness.ExportFailures.GetMeasurementSnapshot().Count >= 3, "exports have failed a few times");
        Assert.True(harness.Recorder.Record("search", "view"));
        harness.Gateway.Faults.Reset();
        var result = await harness.Recorder.FlushWithinLimitAsync();

        Assert.Equal(new TelemetryFlushResult(501, 0, 0), result);
        Assert.Equal(501, harness.Gateway.Events.DistinctCount);
    }

    [Fact]
    public async Task Export_RepeatedFailures_OpenTheCircuitAndPollyReportsIt()
    {
        await using var harness = await RecorderHarness.StartAsync(options =>
        {
            options.CircuitBreakerMinimumThroughput = 2;
            options.CircuitBreakerFailureRatio = 0.5;
            options.CircuitBreakerBreakDuration = TimeSpan.FromMilliseconds(500);
        });
        harness.Gateway.Faults.FailNextCalls(4);

        harness.Recorder.Record("search", "view");
        var result = await harness.Recorder.FlushWithinLimitAsync();

        Assert.Equal(new TelemetryFlushResult(1, 0, 0), result);
        var polly = harness.Logs.GetSnapshot().Where(log => log.Category == "Polly").Select(log => log.Message).ToList();
        Assert.Contains(polly, message => message.Contains("OnCircuitOpened", StringComparison.Ordinal));
        Assert.Contains(polly, message => message.Contains("OnRetry", StringComparison.Ordinal));
        Assert.Contains(polly, message => message.Contains(TelemetryGatewayResilience.PipelineKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Export_Succeeding_PollyLogsNothingAboveDebug()
    {
        // Polly reports every successful attempt and pipeline run at Information: for a background export every second,
        // that is two lines a second in every service's logs. The export's pipeline reports them at Debug.
        await using var harness = await RecorderHarness.StartAsync();

        harness.Recorder.Record("search", "view");
        Assert.Equal(new TelemetryFlushResult(1, 0, 0), await harness.Recorder.FlushWithinLimitAsync());

        var polly = harness.Logs.GetSnapshot().Where(log => log.Category == "Polly").ToList();
        Assert.Contains(polly, log => log.Message.Contains("Execution attempt", StringComparison.Ordinal) && log.Level == Microsoft.Extensions.Logging.LogLevel.Debug);
        Assert.DoesNotContain(polly, log => log.Level > Microsoft.Extensions.Logging.LogLevel.Debug);
    }

    [Fact]
    public async Task ConfigureExportResilience_Extend_AddsInsideTheDefaultRetry()
    {
        var executions = 0;
        await using var harness = await RecorderHarness.StartAsync(configureServices: services =>
            services.AddTelemetryGateway(_ => { }).ConfigureExportResilience((builder, _) =>
                builder.AddStrategy(_ => new CountingStrategy(() => Interlocked.Increment(ref executions)), new CountingOptions())));
        harness.Gateway.Faults.FailNextCalls(2);

        harness.Recorder.Record("search", "view");
        await harness.Recorder.FlushWithinLimitAsync();

        // Two failed attempts and the successful one each pass through the added strategy: it sits inside the retry.
        Assert.Equal(3, Volatile.Read(ref executions));
        Assert.Equal(1, harness.Gateway.Events.DistinctCount);
    }

    [Fact]
    public async Task ConfigureExportResilience_Replace_LeavesOutTheDefaults()
    {
        var executions = 0;
        await using var harness = await RecorderHarness.StartAsync(configureServices: services =>
            services.AddTelemetryGateway(_ => { }).ConfigureExportResilience(
                (builder, _) => builder
                    .AddStrategy(_ => new CountingStrategy(() => Interlocked.Increment(ref executions)), new CountingOptions())
                    .AddRetry(new Polly.Retry.RetryStrategyOptions { MaxRetryAttempts = 5, Delay = TimeSpan.Zero }),
                replaceDefaults: true));
        harness.Gateway.Faults.FailNextCalls(2);

        harness.Recorder.Record("search", "view");
        await harness.Recorder.FlushWithinLimitAsync();

        // The counting strategy is now outermost, so the retries happen inside it: one execution.
        Assert.Equal(1, Volatile.Read(ref executions));
        Assert.Equal(1, harness.Gateway.Events.DistinctCount);
        Assert.DoesNotContain(harness.LibraryLogs(), log => log.Id.Id == 3);
    }

    private sealed class CountingOptions : ResilienceStrategyOptions;

    private sealed class CountingStrategy(Action counted) : ResilienceStrategy
    {
        protected override ValueTask<Outcome<TResult>> ExecuteCore<TResult, TState>(
            Func<ResilienceContext, TState, ValueTask<Outcome<TResult>>> callback, ResilienceContext context, TState state)
        {
            counted();
            return callback(context, state);
        }
    }
}
