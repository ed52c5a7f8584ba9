using Microsoft.Extensions.DependencyInjection;
using Polly;
using TelemetryHosting.Export.Internal;
using TelemetryHosting.Tests.TestSupport;

namespace TelemetryHosting.Tests.Export;

/// <summary>Found by a fresh review of the third-pass delivery core (fixed): each test failed on 3c21793 before its fix.</summary>
public sealed class CoreReviewFindingsTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);
    private readonly TemporaryDirectory _spill = new("review-spill");

    public void Dispose() => _spill.Dispose();

    /// <summary>Finding: with persistence, once an outage has lasted SpillAfter, WaitAsync's "until spill" is negative forever: the worker spins.</summary>
    [Fact]
    public async Task Outage_LongerThanSpillAfter_WorkerDoesNotSpin()
    {
        var clock = new CountingTimeProvider();
        await using var harness = await RecorderHarness.StartAsync(
            options =>
            {
                options.Persistence.Directory = _spill.Path;
                options.Persistence.SpillAfter = TimeSpan.FromMilliseconds(100);
            },
            requireAuthentication: false,
            shutdownTimeout: TimeSpan.FromSeconds(1),
            configureServices: services => services.AddSingleton<TimeProvider>(clock));
        harness.Gateway.Faults.FailNextCalls(int.MaxValue);
        for (var i = 0; i < 5; i++)
        {
            Assert.True(harness.Recorder.Record("search", "view"));
        }

        await Eventually.HoldsAsync(() => harness.Counts().Persisted == 5, "the outage moves the events to disk", timeout: Bound);

        // Nothing to do now but wait for the (disk-only) export's next retry, at most every 200 ms.
        var before = clock.Reads;
        await Task.Delay(TimeSpan.FromSeconds(1));
        var perSecond = clock.Reads - before;
        Assert.True(perSecond < 10_000, $"The idle worker read the clock {perSecond} times in one second of an outage: it spins.");
    }

    /// <summary>Finding: once the queue is closed, WaitForEventsAsync completes at once (the <c>_closed</c> test): the stopping worker spins while an export is in flight.</summary>
    [Fact]
    public async Task Stop_DuringAnOutageWithoutPersistence_WorkerDoesNotSpinUntilTheShutdownTimeout()
    {
        var clock = new CountingTimeProvider();
        await using var harness = await RecorderHarness.StartAsync(
            requireAuthentication: false,
            shutdownTimeout: TimeSpan.FromSeconds(2),
            configureServices: services => services.AddSingleton<TimeProvider>(clock));
        harness.Gateway.Faults.FailNextCalls(int.MaxValue);
        Assert.True(harness.Recorder.Record("search", "view"));
        await Eventually.HoldsAsync(() => harness.ExportFailures.GetMeasurementSnapshot().Count > 0, "the export fails", timeout: Bound);

        var before = clock.Reads;
        var (stopped, elapsed) = await harness.StopWithinAsync(TimeSpan.FromSeconds(2));
        var reads = clock.Reads - before;
        Assert.True(stopped);
        Assert.True(reads < 10_000, $"While stopping ({elapsed.TotalSeconds:F1} s, the export retrying) the worker read the clock {reads} times: it spins.");
    }

    /// <summary>
    /// Finding: an export whose task faults (a pipeline strategy throwing what ExportFailure does not classify, such as
    /// Polly's RateLimiterRejectedException, or a defect) loses its events: SettleFinished puts them in the step's local
    /// list, then rethrows before the worker holds them. They are never delivered nor counted, and the flush that waits
    /// for them completes at once.
    /// </summary>
    [Fact]
    public async Task ExportTaskFaults_EventsAreKeptAndDelivered()
    {
        await using var harness = await RecorderHarness.StartAsync(
            requireAuthentication: false,
            shutdownTimeout: TimeSpan.FromSeconds(1),
            configureServices: services => services.AddTelemetryGateway(_ => { }).ConfigureExportResilience(
                (pipeline, _) => pipeline.AddStrategy(_ => new FailOnceStrategy(), new FailOnceOptions()),
                replaceDefaults: true));

        Assert.True(harness.Recorder.Record("search", "view"));
        using var bound = new CancellationTokenSource(Bound);
        var result = await harness.Recorder.FlushAsync(bound.Token);

        Assert.True(
            result.Delivered + result.Failed == 1,
            $"The flush ended with {result} (pending {result.Pending}); the gateway holds {harness.Gateway.Events.DistinctCount} events.");
    }

    /// <summary>
    /// Finding: FlushAsync reads LastSequence outside FlushMarks' lock, so two flushes can enqueue out of order; the
    /// queue is then not sorted, and CompleteThrough (which stops at the first mark not settled) holds back an earlier
    /// flush whose events are all settled, and HighestMark reports the lower mark.
    /// </summary>
    [Fact]
    public void FlushMarks_MarkAddedAfterAHigherOne_SharesItsWaitAndTheMarksStayInOrder()
    {
        // The fix: the lower mark (read by a caller racing another) waits with the higher one. Events accepted while
        // both were called count as accepted before either; no flush completes early, none waits behind a lower mark.
        var marks = new FlushMarks();
        marks.WorkerStarted();
        var later = marks.Add(7);
        var earlier = marks.Add(5);

        Assert.Same(later, earlier);
        Assert.Equal(7, marks.HighestMark);
        marks.CompleteThrough(6);
        Assert.False(later.IsCompleted);
        marks.CompleteThrough(7);
        Assert.True(later.IsCompleted);
    }

    private sealed class FailOnceOptions : ResilienceStrategyOptions
    {
    }

    private sealed class FailOnceStrategy : ResilienceStrategy
    {
        private int _calls;

        protected override ValueTask<Outcome<TResult>> ExecuteCore<TResult, TState>(
            Func<ResilienceContext, TState, ValueTask<Outcome<TResult>>> callback, ResilienceContext context, TState state) =>
            Interlocked.Increment(ref _calls) == 1
                ? new(Outcome.FromException<TResult>(new InvalidOperationException("a strategy rejected the execution")))
                : callback(context, state);
    }
}
