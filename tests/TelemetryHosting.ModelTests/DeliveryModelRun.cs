using System.Diagnostics;
using System.Diagnostics.Metrics;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using TelemetryHosting.DevGateway;

namespace TelemetryHosting.ModelTests;

/// <summary>
/// Runs one sequence against the real recorder, queue, worker, exporter and spill store, through the public API and a
/// development gateway, and checks the model after every step. The model is the set of accepted sequence numbers (each
/// event carries its number and the run's in its metadata, since the recorder's ids are its own) and what the counts,
/// the dropped metric and the gateway say became of them.
/// </summary>
internal sealed class DeliveryModelRun : IAsyncDisposable
{
    public const string Feature = "model.event";
    public const string RunKey = "run";
    public const string SequenceKey = "seq";

    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan ExportTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(50);

    // A wait with no worker running, or a flush whose token fired, must end about at once; this is its bound.
    private static readonly TimeSpan PromptBound = TimeSpan.FromSeconds(2);

    // How long a rule about progress may wait while the system still moves (a busy machine slows the worker).
    private static readonly TimeSpan ProgressBound = TimeSpan.FromSeconds(10);

    // How long the final drain may take, in real time, while the fake clock is driven forward.
    private static readonly TimeSpan DrainBound = TimeSpan.FromSeconds(5);

    // How far the fake clock moves between looks during the final drain: past every retry delay and breaker pause soon.
    private static readonly TimeSpan DrainTick = TimeSpan.FromMilliseconds(250);

    // How long (fake time) the gateway must have answered every call before the queue must be draining: past the attempt
    // timeout of a hung stream, the circuit breaker's pause and the longest retry delay.
    private static readonly TimeSpan SteadyAfter = TimeSpan.FromSeconds(5);

    private const int LogLinesOnFailure = 30;

    // A loop that never waits reads the clock far more often than this; the system's own work, far less.
    private static readonly TimeSpan SpinWindow = TimeSpan.FromMilliseconds(250);
    private const double SpinReadsPerSecond = 100_000;

    private static int s_runs;

    /// <summary>Gets the real time spent per kind of step, for the run's summary.</summary>
    public static StepTimings Timings { get; } = new();

    private readonly DevelopmentGateway _gateway;
    private readonly List<string> _refusedBeforeReset = [];
    private readonly ModelSettings _settings;
    private readonly string _directory;
    private readonly SteppableTimeProvider _time;
    private readonly int _run = Interlocked.Increment(ref s_runs);

    // The model.
    private readonly HashSet<int> _accepted = [];
    private readonly HashSet<int> _refused = [];
    private readonly Dictionary<int, string> _idBySequence = [];
    private readonly Dictionary<string, int> _sequenceById = new(StringComparer.Ordinal);
    private readonly List<PendingFlush> _flushes = [];
    private int _nextSequence;
    private long _acceptedHere;
    private long _refusedHere;
    private long _carriedOnDisk;
    private long _failedBefore;
    private long _failedAtStops;
    private long _diskCopyDropsBefore;
    private bool _countsUncertain;
    private long _diskFullSeen;
    private bool _mayHaveBeenFull;

    // The system.
    private IHost? _host;
    private FakeLogCollector? _logs;
    private ITelemetryRecorder _recorder = null!;
    private MetricCollector<long>? _dropped;
    private MetricCollector<int>? _queueDepth;
    private MetricCollector<long>? _exportFailures;
    private long _exportFailuresSeen;
    private long? _answeringSince;
    private long? _healthySince;
    private HostState _state;
    private bool _diskFull;
    private int _stepNumber;
    private long _spinWindowStart = Stopwatch.GetTimestamp();
    private long _spinWindowReads;

    public DeliveryModelRun(DevelopmentGateway gateway, ModelSettings settings, string directory)
    {
        _gateway = gateway;
        _settings = settings;
        _directory = directory;
        _time = new SteppableTimeProvider(new FakeTimeProvider(DateTimeOffset.UtcNow));
        _diskFull = settings.DiskFull;
    }

    private enum HostState
    {
        Built,
        Running,
        Stopped,
    }

    public static async Task RunAsync(DevelopmentGateway gateway, Sequence sequence)
    {
        gateway.Faults.Reset();
        gateway.Events.Clear();
        var directory = Path.Combine(Path.GetTempPath(), "telemetryhosting-model-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var run = new DeliveryModelRun(gateway, sequence.Settings, directory);
            var starting = Stopwatch.GetTimestamp();
            await run.StartHostAsync(sequence.Settings.StartHost);
            Timings.Add("StartHost", Stopwatch.GetElapsedTime(starting));
            foreach (var step in sequence.Steps)
            {
                run._stepNumber++;
                var started = Stopwatch.GetTimestamp();
                await run.ApplyAsync(step);
                await run.CheckAsync();
                Timings.Add(step.Kind.ToString(), Stopwatch.GetElapsedTime(started));
            }

            run._stepNumber++;
            var draining = Stopwatch.GetTimestamp();
            await run.DrainAsync();
            Timings.Add("Drain", Stopwatch.GetElapsedTime(draining));
            sequence.Failure = null;
        }
        catch (ModelViolationException violation)
        {
            sequence.Failure = violation;
            throw;
        }
        finally
        {
            gateway.Faults.Reset();
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await StopHostQuietlyAsync(_host);
        }

        _dropped?.Dispose();
        _queueDepth?.Dispose();
        _exportFailures?.Dispose();
    }

    private async Task ApplyAsync(Step step)
    {
        switch (step.Kind)
        {
            case StepKind.RecordSmall:
            case StepKind.RecordLarge:
            case StepKind.RecordPrivate:
                Record(step);
                break;
            case StepKind.FlushCancelled:
                CheckFlushResult(await FlushPromptlyAsync(new CancellationToken(canceled: true), "FlushAsync(cancelled token)"), acceptedBefore: null);
                break;
            case StepKind.FlushBounded:
            {
                using var bound = new CancellationTokenSource(step.Time);
                CheckFlushResult(await FlushPromptlyAsync(bound.Token, "FlushAsync(token that fires)", step.Time), acceptedBefore: null);
                break;
            }

            case StepKind.FlushNoToken:
                await FlushWithoutTokenAsync();
                break;
            case StepKind.Advance:
                await AdvanceAsync(step.Time);
                await CheckPromptDeliveryAsync(step.Time);
                break;
            case StepKind.StepWallClock:
                _time.StepWallClock(step.Time);
                break;
            case StepKind.GatewayHealthy:
                ResetFaults();
                break;
            case StepKind.GatewayLeavesOut:
                _gateway.Faults.Seed = _run;
                _gateway.Faults.RejectFraction = 0.5;
                _healthySince = null;
                break;
            case StepKind.GatewayUnavailable:
                _gateway.Faults.FailNextCalls(step.Count, StatusCode.Unavailable);
                _answeringSince = null;
                break;
            case StepKind.GatewayHangs:
                _gateway.Faults.NeverReadNextStreams(step.Count);
                _answeringSince = null;
                break;
            case StepKind.GatewayTooLarge:
                _gateway.Faults.FailNextCalls(step.Count, StatusCode.ResourceExhausted);
                _answeringSince = null;
                break;
            case StepKind.GatewayUnauthenticatedOnce:
                _gateway.Faults.FailNextCalls(1, StatusCode.Unauthenticated);
                _answeringSince = null;
                break;
            case StepKind.Start:
                if (_state == HostState.Built)
                {
                    await _host!.StartAsync();
                    _state = HostState.Running;
                }

                break;
            case StepKind.Stop:
                await StopAsync();
                break;
            case StepKind.Restart:
            case StepKind.RestartDiskFull:
                await RestartAsync(diskFull: step.Kind == StepKind.RestartDiskFull);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(step), step, null);
        }
    }

    private void Record(Step step)
    {
        var before = Counts();
        for (var i = 0; i < step.Count; i++)
        {
            var sequence = _nextSequence++;
            var parameters = new TelemetryEventParameters
            {
                Metadata = new Dictionary<string, double> { [RunKey] = _run, [SequenceKey] = sequence },
                PrivateMetadata = step.Kind switch
                {
                    StepKind.RecordLarge => new Dictionary<string, object?> { ["blob"] = new string('x', 40_000) },
                    StepKind.RecordPrivate => new Dictionary<string, object?> { ["email"] = "someone@example.com", ["n"] = sequence },
                    _ => null,
                },
            };

            var accepted = _recorder.Record(Feature, "record", parameters);
            if (accepted)
            {
                _accepted.Add(sequence);
                _acceptedHere++;
            }
            else
            {
                _refused.Add(sequence);
                _refusedHere++;
            }

            // Settling only lowers the number of events waiting, so this bounds it from above.
            var mostWaiting = before.Result.Pending + _acceptedHere - before.AcceptedHere;
            if (mostWaiting >= _settings.QueueCapacity || !accepted)
            {
                _mayHaveBeenFull = true;
            }

            if (_state == HostState.Stopped && accepted)
            {
                Fail("record-after-stop", $"Record accepted an event after the host stopped (sequence number {sequence}).");
            }

            if (_state != HostState.Stopped && !accepted && mostWaiting < _settings.QueueCapacity)
            {
                Fail("record-refused", $"Record refused an event while at most {mostWaiting} events could be waiting (QueueCapacity {_settings.QueueCapacity}; " +
                    $"counts before the step: {before.Result}; dropped so far: {DroppedSummary()}).");
            }
        }
    }

    private async Task<TelemetryFlushResult> FlushPromptlyAsync(CancellationToken token, string what, TimeSpan extra = default)
    {
        var flushing = _recorder.FlushAsync(token);
        var bound = PromptBound + extra;
        if (await Task.WhenAny(flushing, Task.Delay(bound, CancellationToken.None)) != flushing)
        {
            Fail("flush-not-prompt", $"{what} did not return within {bound.TotalSeconds} s (host {_state}).");
        }

        return await flushing;
    }

    private async Task FlushWithoutTokenAsync()
    {
        var acceptedBefore = _accepted.ToHashSet();
        var flush = new PendingFlush(_stepNumber, _recorder, acceptedBefore, this);
        if (_state != HostState.Running)
        {
            // No worker will ever take the request: it must be answered at once.
            var bound = Task.Delay(PromptBound, CancellationToken.None);
            if (await Task.WhenAny(flush.Task, bound) != flush.Task)
            {
                Fail("flush-without-worker", $"FlushAsync() with the host {(_state == HostState.Built ? "built but not started" : "stopped")} did not return within {PromptBound.TotalSeconds} s.");
            }
        }

        _flushes.Add(flush);
    }

    private async Task AdvanceAsync(TimeSpan time)
    {
        // Small steps, so that timers fire in order and the worker sees time pass as it would.
        var parts = Math.Clamp((int)(time / FlushInterval), 1, 4);
        var part = time / parts;
        for (var i = 0; i < parts; i++)
        {
            _time.Inner.Advance(part);
            await QuiesceAsync();
        }

        // Timers that fired for the time passed read the clock as often as that time calls for: not a spin.
        RestartSpinWindow();
    }

    /// <summary>
    /// While the gateway answers every call and no export attempt fails, the worker keeps taking events: it sends a full
    /// batch without waiting for time to pass, so fewer than <c>MaxBatchSize</c> events wait in the queue once the system
    /// is quiet. More means the worker stopped taking events (and Record will refuse them as queue_full although the
    /// gateway is healthy). Checked with a bounded wait, since the worker runs on its own.
    /// </summary>
    private async Task CheckIntakeAsync()
    {
        if (_state != HostState.Running || _answeringSince is not { } since || _time.Inner.GetElapsedTime(since) < SteadyAfter)
        {
            return;
        }

        var depth = 0;
        var drained = await WhileProgressingAsync(() => (depth = QueueDepth() - HeldForResend()) < _settings.MaxBatchSize);
        if (!drained && ExportFailures() == _exportFailuresSeen)
        {
            Fail("intake-stopped", $"The gateway has answered every call, and no export attempt failed, for {_time.Inner.GetElapsedTime(since).TotalSeconds:0.###} s " +
                $"(fake time), yet {depth} events wait in the queue (MaxBatchSize {_settings.MaxBatchSize}, QueueCapacity {_settings.QueueCapacity}) " +
                $"and nothing moved for {PromptBound.TotalSeconds} s: the worker stopped taking events, and Record refuses them as queue_full once it is full. " +
                $"Counts: {Counts().Result}; FlushAsync() calls waiting: {_flushes.Count(f => !f.Task.IsCompleted)}; dropped: {DroppedSummary()}.");
        }
    }

    /// <summary>
    /// At most how many of the waiting events the gateway left out and have not arrived since: they wait for their resend
    /// (RetryDelay, by the fake clock), and the queue's depth counts them (its bound counts every event that waits, the
    /// worker's held ones too). Those given up meanwhile are counted here too, which only makes the rule looser.
    /// </summary>
    private int HeldForResend()
    {
        var arrived = _gateway.Events.Snapshot().Select(received => received.Id).ToHashSet(StringComparer.Ordinal);
        return _refusedBeforeReset.Concat(_gateway.Faults.RefusedEventIds).Where(id => !arrived.Contains(id)).Distinct(StringComparer.Ordinal).Count();
    }

    /// <summary>Clears the gateway's faults, keeping the ids it refused so far (their events may still wait for a resend).</summary>
    private void ResetFaults()
    {
        _refusedBeforeReset.AddRange(_gateway.Faults.RefusedEventIds);
        _gateway.Faults.Reset();
    }

    /// <summary>
    /// While the gateway has acknowledged everything (no fault of any kind, no failed attempt) for a while, time passing
    /// past <c>FlushInterval</c> sends every event: nothing stays pending. Batches wait by the monotonic clock, so a
    /// wall clock stepped back must not hold them.
    /// </summary>
    private async Task CheckPromptDeliveryAsync(TimeSpan advanced)
    {
        if (_state != HostState.Running || advanced < 2 * FlushInterval || _healthySince is not { } since
            || _time.Inner.GetElapsedTime(since) < SteadyAfter + advanced || ExportFailures() != _exportFailuresSeen)
        {
            return;
        }

        var counts = Counts().Result;
        var sent = await WhileProgressingAsync(() => (counts = Counts().Result).Pending == 0);
        if (!sent && ExportFailures() == _exportFailuresSeen)
        {
            Fail("not-sent", $"The gateway has acknowledged everything for {_time.Inner.GetElapsedTime(since).TotalSeconds:0.###} s (fake time) and " +
                $"{advanced.TotalMilliseconds} ms passed (FlushInterval {FlushInterval.TotalMilliseconds} ms), yet {counts.Pending} events are still pending " +
                $"while nothing moved for {PromptBound.TotalSeconds} s (wall clock stepped by {_time.WallClockOffset}): a batch waits for longer than FlushInterval. Counts: {counts}.");
        }
    }

    /// <summary>
    /// Nothing in the system busy-waits: over each stretch of at least <see cref="SpinWindow"/> of real time in which the
    /// fake clock stood still (steps other than <c>Advance</c> and the final drain), the clock is read fewer than
    /// <see cref="SpinReadsPerSecond"/> times a second. Each event, export and wake-up reads it a few times; a loop that
    /// never waits reads it hundreds of thousands of times a second.
    /// </summary>
    private void CheckNotSpinning()
    {
        var elapsed = Stopwatch.GetElapsedTime(_spinWindowStart);
        if (elapsed < SpinWindow)
        {
            return;
        }

        var perSecond = (_time.Reads - _spinWindowReads) / elapsed.TotalSeconds;
        if (perSecond > SpinReadsPerSecond)
        {
            Fail("spin", $"The clock was read {perSecond:N0} times a second over the last {elapsed.TotalMilliseconds:N0} ms of real time, while the fake clock " +
                $"stood still (host {_state}, persistence {(_settings.Persistence ? "on" : "off")}): something waits by looping. Counts: {Counts().Result}; dropped: {DroppedSummary()}.");
        }

        RestartSpinWindow();
    }

    private void RestartSpinWindow()
    {
        _spinWindowStart = Stopwatch.GetTimestamp();
        _spinWindowReads = _time.Reads;
    }

    /// <summary>
    /// Polls until <paramref name="done"/> holds, for as long as the system makes progress (the counts, the queue's depth
    /// or the gateway's store change) and at most <see cref="ProgressBound"/>: false once nothing moved for
    /// <see cref="PromptBound"/> without it holding. A busy machine slows the worker; only a worker that stopped fails.
    /// </summary>
    private async Task<bool> WhileProgressingAsync(Func<bool> done)
    {
        var total = Stopwatch.StartNew();
        var still = Stopwatch.StartNew();
        var last = (Counts().Result, QueueDepth(), _gateway.Events.Count);
        while (!done())
        {
            if (still.Elapsed >= PromptBound || total.Elapsed >= ProgressBound)
            {
                return false;
            }

            await Task.Delay(5, CancellationToken.None);
            var now = (Counts().Result, QueueDepth(), _gateway.Events.Count);
            if (now != last)
            {
                last = now;
                still.Restart();
            }
        }

        return true;
    }

    private int QueueDepth()
    {
        _queueDepth!.RecordObservableInstruments();
        return _queueDepth.LastMeasurement?.Value ?? 0;
    }

    private long ExportFailures() => _exportFailures!.GetMeasurementSnapshot().Sum(m => m.Value);

    /// <summary>Notes from when the gateway has answered every call: no failed, hung or refused calls announced.</summary>
    private void TrackGatewayAnswering()
    {
        var faults = _gateway.Faults;
        var failures = ExportFailures();
        if (faults.PendingCallFailures > 0 || faults.PendingNeverReadStreams > 0 || failures != _exportFailuresSeen)
        {
            _exportFailuresSeen = failures;
            _answeringSince = null;
            _healthySince = null;
        }
        else
        {
            _answeringSince ??= _time.Inner.GetTimestamp();
        }

        if (faults.RejectFraction > 0)
        {
            _healthySince = null;
        }
        else if (_answeringSince is not null)
        {
            _healthySince ??= _time.Inner.GetTimestamp();
        }
    }

    private async Task StopAsync()
    {
        if (_state == HostState.Stopped)
        {
            return;
        }

        if (_state == HostState.Built)
        {
            // A host that never started never stops its services either (Host.StopAsync stops only what it started), so
            // its events would stay pending for ever: start it first, as an application would.
            await _host!.StartAsync();
            _state = HostState.Running;
        }

        var failedBeforeStop = Counts().Result.Failed;
        await StopHostWithinBoundAsync();
        _state = HostState.Stopped;
        _mayHaveBeenFull = true;

        // An export the stop aborted may have reached the gateway before its acknowledgement was lost: those events are
        // counted dropped (shutdown) and may have arrived already. They are left out of the arrived-after-dropped rule.
        _failedAtStops += Counts().Result.Failed - failedBeforeStop;

        // Every flush is answered at stop, and nothing is left pending (it is delivered, counted failed, or on disk).
        foreach (var flush in _flushes)
        {
            if (await Task.WhenAny(flush.Task, Task.Delay(PromptBound, CancellationToken.None)) != flush.Task)
            {
                Fail("flush-after-stop", $"FlushAsync() started at step {flush.Step} was still waiting {PromptBound.TotalSeconds} s after StopAsync returned.");
            }
        }

        var counts = Counts();
        if (counts.Result.Pending != 0 && !_countsUncertain)
        {
            Fail("pending-after-stop", $"After StopAsync, {counts.Result.Pending} events are still pending, neither delivered, counted dropped nor on disk: {counts.Result}.");
        }
    }

    private async Task StopHostWithinBoundAsync()
    {
        using var timeout = new CancellationTokenSource(ShutdownTimeout);
        var stopping = _host!.StopAsync(timeout.Token);
        var bound = ShutdownTimeout + TimeSpan.FromSeconds(2) + TimeSpan.FromSeconds(3);
        if (await Task.WhenAny(stopping, Task.Delay(bound, CancellationToken.None)) != stopping)
        {
            _countsUncertain = true;
            Fail("stop-bound", $"StopAsync did not return within {bound.TotalSeconds} s (shutdown timeout {ShutdownTimeout.TotalSeconds} s + 2 s + 3 s slack).");
        }

        await stopping;
    }

    private async Task RestartAsync(bool diskFull)
    {
        await StopAsync();
        var last = Counts();
        _failedBefore += last.Result.Failed;
        _diskCopyDropsBefore += DiskCopyDrops();
        _carriedOnDisk = _settings.Persistence ? last.Result.Persisted : 0;
        _host!.Dispose();
        _dropped!.Dispose();
        _queueDepth!.Dispose();
        _exportFailures!.Dispose();
        _diskFull = diskFull;
        await StartHostAsync(start: true);
    }

    private async Task StartHostAsync(bool start)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = ShutdownTimeout);
        builder.Services.AddSingleton<TimeProvider>(_time);

        // The HTTP client factory keeps a timer per handler for its lifetime (2 minutes), and through it the whole host
        // after it is disposed: thousands of hosts a minute here. Handlers that never expire have no timer.
        builder.Services.ConfigureHttpClientDefaults(http => http.SetHandlerLifetime(Timeout.InfiniteTimeSpan));
        builder.Logging.AddFakeLogging(options => options.CollectRecordsForDisabledLogLevels = false).AddFilter("TelemetryHosting", LogLevel.Debug);
        builder.Services.AddTelemetryGateway(options =>
        {
            options.Endpoint = _gateway.Address;
            options.ServiceId = "model-service";
            options.ServiceVersion = "1.0.0-model";
            options.QueueCapacity = _settings.QueueCapacity;
            options.MaxBatchSize = _settings.MaxBatchSize;
            options.MaxEventAttempts = _settings.MaxEventAttempts;
            options.FlushInterval = FlushInterval;
            options.RetryDelay = _settings.RetryDelay;
            options.MaxRetryDelay = _settings.RetryDelay > TimeSpan.FromMilliseconds(200) ? _settings.RetryDelay : TimeSpan.FromMilliseconds(200);
            options.ExportTimeout = ExportTimeout;
            options.CircuitBreakerBreakDuration = TimeSpan.FromMilliseconds(500);
            options.Sams.Url = _gateway.WebAddress;
            options.Sams.ClientId = DevelopmentGatewayOptions.DefaultClientId;
            options.Sams.ClientSecret = DevelopmentGatewayOptions.DefaultClientSecret;
            if (_settings.Persistence)
            {
                options.Persistence.Directory = _directory;
                options.Persistence.SpillAfter = TimeSpan.FromSeconds(1);
                options.Persistence.MaxBytes = _diskFull ? 1024 : 64L * 1024 * 1024;
            }
        });

        _host = builder.Build();
        _logs = _host.Services.GetFakeLogCollector();
        _recorder = _host.Services.GetRequiredService<ITelemetryRecorder>();
        var meters = _host.Services.GetRequiredService<IMeterFactory>();
        _dropped = new MetricCollector<long>(meters, "TelemetryHosting", "telemetryhosting.events.dropped");
        _queueDepth = new MetricCollector<int>(meters, "TelemetryHosting", "telemetryhosting.queue.depth");
        _exportFailures = new MetricCollector<long>(meters, "TelemetryHosting", "telemetryhosting.export.failures");
        _exportFailuresSeen = 0;
        _answeringSince = _time.Inner.GetTimestamp();
        _healthySince = _gateway.Faults.RejectFraction == 0 ? _answeringSince : null;
        _acceptedHere = 0;
        _refusedHere = 0;
        _diskFullSeen = 0;
        _flushes.Clear();
        _state = HostState.Built;
        if (start)
        {
            await _host.StartAsync();
            _state = HostState.Running;
        }
    }

    /// <summary>
    /// The end of every sequence: a healthy gateway and a running host with room on disk. Everything accepted and not
    /// counted dropped must then arrive, persisted events included (after a restart, with their ids).
    /// </summary>
    private async Task DrainAsync()
    {
        ResetFaults();
        if (_state != HostState.Running || _diskFull)
        {
            await RestartAsync(diskFull: false);
        }

        var total = Stopwatch.StartNew();
        var still = Stopwatch.StartNew();
        (TelemetryFlushResult, int)? last = null;
        while (true)
        {
            var counts = Counts();
            var arrived = CheckArrivals();
            var expected = _accepted.Count - (_failedBefore + counts.Result.Failed);
            if (arrived.Count >= expected && counts.Result.Pending == 0 && counts.Result.Persisted == 0 && _flushes.TrueForAll(f => f.Task.IsCompleted))
            {
                break;
            }

            if (last != (counts.Result, arrived.Count))
            {
                last = (counts.Result, arrived.Count);
                still.Restart();
            }

            if (still.Elapsed > DrainBound || total.Elapsed > 2 * ProgressBound)
            {
                var missing = _accepted.Except(arrived).Order().Take(20);
                Fail("not-delivered", $"With a healthy gateway and a running host, not everything accepted and not counted dropped arrived: nothing moved for {DrainBound.TotalSeconds} s " +
                    $"(real time, {total.Elapsed.TotalSeconds:0.#} s in all; the fake clock was driven forward meanwhile): accepted {_accepted.Count}, counted failed {_failedBefore + counts.Result.Failed}, " +
                    $"arrived {arrived.Count}; counts now {counts.Result}; flushes still waiting: {_flushes.Count(f => !f.Task.IsCompleted)}; " +
                    $"first missing sequence numbers: {string.Join(", ", missing)}.");
            }

            _time.Inner.Advance(DrainTick);
            await Task.Delay(1, CancellationToken.None);
        }

        RestartSpinWindow();

        await CheckAsync();
    }

    /// <summary>Waits until the counts and the gateway's store stop changing for a moment (a bounded wait).</summary>
    private async Task QuiesceAsync()
    {
        var clock = Stopwatch.StartNew();
        var last = (Counts().Result, _gateway.Events.Count);
        if (last.Result.Pending == 0 && last.Result.Persisted == 0)
        {
            // Nothing left for the worker to do.
            return;
        }

        var stable = 0;
        while (stable < 2 && clock.Elapsed < TimeSpan.FromMilliseconds(300))
        {
            await Task.Delay(1, CancellationToken.None);
            var now = (Counts().Result, _gateway.Events.Count);
            stable = now == last ? stable + 1 : 0;
            last = now;
        }
    }

    /// <summary>
    /// Checks the model after a step. The worker is not waited for: the next step may race with what this one set off,
    /// which searches more interleavings. Rules about what time passing must achieve poll within their own bound.
    /// </summary>
    private async Task CheckAsync()
    {
        CheckNotSpinning();
        TrackGatewayAnswering();
        await CheckIntakeAsync();

        foreach (var flush in _flushes)
        {
            flush.ThrowIfViolated();
        }

        // Ids never change, and nothing the recorder did not accept arrives.
        var arrived = CheckArrivals();

        // Every accepted event has one outcome or is pending: delivered + failed + persisted + pending = accepted
        // (+ what a previous run left on disk). Every refused or given-up event is counted dropped with a reason.
        // Counters are updated one after another, so a mismatch must last a moment to count.
        var settle = Stopwatch.StartNew();
        (string Rule, string Message)? problem;
        while ((problem = CountsProblem(arrived)) is not null && settle.Elapsed < TimeSpan.FromMilliseconds(500))
        {
            await Task.Delay(2, CancellationToken.None);
            arrived = CheckArrivals();
        }

        if (problem is not null)
        {
            Fail(problem.Value.Rule, problem.Value.Message);
        }

        // An event is dropped as disk_full only when memory could not hold it: the queue may have been full, or the host stopped.
        var diskFull = DroppedWithReason("disk_full");
        if (diskFull > _diskFullSeen && !_mayHaveBeenFull)
        {
            Fail("disk-full-drop", $"{diskFull - _diskFullSeen} events were dropped as disk_full although fewer than QueueCapacity ({_settings.QueueCapacity}) " +
                $"events could have been waiting and the host was not stopping: memory could have held them. Counts: {Counts().Result}.");
        }

        _diskFullSeen = diskFull;
        _mayHaveBeenFull = Counts().Result.Pending >= _settings.QueueCapacity;
    }

    private (string Rule, string Message)? CountsProblem(HashSet<int> arrived)
    {
        var counts = Counts().Result;
        var total = counts.Delivered + counts.Failed + counts.Persisted + counts.Pending;
        if (!_countsUncertain && total != _acceptedHere + _carriedOnDisk)
        {
            return ("counts-add-up", $"Counts do not add up: delivered + failed + persisted + pending = {total} ({counts}), but this host accepted {_acceptedHere}" +
                $" and the previous one left {_carriedOnDisk} on disk.");
        }

        var dropped = _dropped!.GetMeasurementSnapshot().Sum(m => m.Value);
        if (dropped != _refusedHere + counts.Failed)
        {
            return ("dropped-metric", $"The dropped metric ({DroppedSummary()}) does not equal the refused events ({_refusedHere}) plus the failed ones ({counts.Failed}).");
        }

        if (DroppedWithReason("queue_full") + DroppedWithReason("shutdown") < _refusedHere)
        {
            return ("refusal-reason", $"{_refusedHere} events were refused by Record but only {DroppedSummary()} were counted dropped as queue_full or shutdown.");
        }

        // Nothing arrives that was counted dropped: what arrived is at most what was accepted less what was given up
        // (given up while running: at a stop, an aborted export's events may have arrived before they were counted).
        // Left out too: events dropped as expired or corrupt with their file. A file may still hold events the gateway
        // had acknowledged (delivery is at least once: a stop that lost the acknowledgement, a rewrite that failed).
        // And events the gateway refused at some point: such an event may have been stored on an earlier attempt whose
        // acknowledgement was lost (an attempt that timed out, a stream that broke), then given up when refused.
        var failed = _failedBefore + counts.Failed - _failedAtStops - _diskCopyDropsBefore - DiskCopyDrops();
        var refusedOnce = _refusedBeforeReset.Concat(_gateway.Faults.RefusedEventIds).ToHashSet(StringComparer.Ordinal);
        var arrivedNeverRefused = arrived.Count(sequence => !refusedOnce.Contains(_idBySequence[sequence]));
        if (arrivedNeverRefused > _accepted.Count - failed)
        {
            return ("arrived-after-dropped", $"{arrivedNeverRefused} distinct events the gateway never refused arrived, but of the {_accepted.Count} accepted {failed} were counted dropped: " +
                $"an event arrived after it was counted dropped. Counts: {counts}; dropped: {DroppedSummary()}.");
        }

        return null;
    }

    private HashSet<int> CheckArrivals()
    {
        var arrived = new HashSet<int>();
        foreach (var received in _gateway.Events.Snapshot())
        {
            if (!received.Metadata.TryGetValue(RunKey, out var run) || (int)run != _run)
            {
                continue;
            }

            var sequence = (int)received.Metadata[SequenceKey];
            if (!_accepted.Contains(sequence))
            {
                Fail("unaccepted-arrived", _refused.Contains(sequence)
                    ? $"Event {sequence} (id {received.Id}) arrived although Record refused it."
                    : $"Event {sequence} (id {received.Id}) arrived although the recorder never accepted it.");
            }

            if (_idBySequence.TryGetValue(sequence, out var id) && id != received.Id)
            {
                Fail("id-changed", $"Event {sequence} arrived with id {received.Id} after arriving with id {id}: ids must never change.");
            }

            if (_sequenceById.TryGetValue(received.Id, out var other) && other != sequence)
            {
                Fail("id-reused", $"Id {received.Id} arrived for events {other} and {sequence}.");
            }

            _idBySequence[sequence] = received.Id;
            _sequenceById[received.Id] = sequence;
            arrived.Add(sequence);
        }

        return arrived;
    }

    /// <summary>Checks what a flush reported against what the gateway holds: what it says was delivered has arrived.</summary>
    private void CheckFlushResult(TelemetryFlushResult result, HashSet<int>? acceptedBefore)
    {
        var arrived = CheckArrivals();
        var problem = FlushProblem(result, acceptedBefore, arrived, _failedBefore);
        if (problem is not null)
        {
            Fail("flush-truth", problem);
        }
    }

    internal static string? FlushProblem(TelemetryFlushResult result, HashSet<int>? acceptedBefore, HashSet<int> arrived, long failedBefore)
    {
        if (result.Delivered > arrived.Count)
        {
            return $"FlushAsync reported {result.Delivered} delivered, but only {arrived.Count} distinct events of this sequence have arrived at the gateway.";
        }

        if (acceptedBefore is not null && result.Failed == 0 && failedBefore == 0 && result.Pending == 0 && result.Persisted == 0)
        {
            var missing = acceptedBefore.Except(arrived).Order().Take(10).ToList();
            if (missing.Count > 0)
            {
                return $"FlushAsync() returned {result} (nothing failed, pending or on disk) but events {string.Join(", ", missing)} accepted before it have not arrived.";
            }
        }

        return null;
    }

    private (TelemetryFlushResult Result, long AcceptedHere) Counts()
    {
        var flushing = _recorder.FlushAsync(new CancellationToken(canceled: true));
        if (!flushing.Wait(PromptBound))
        {
            Fail("counts-not-prompt", $"FlushAsync(cancelled token) did not return within {PromptBound.TotalSeconds} s.");
        }

        return (flushing.Result, _acceptedHere);
    }

    private long DiskCopyDrops() => DroppedWithReason("expired") + DroppedWithReason("corrupt");

    private long DroppedWithReason(string reason) =>
        _dropped!.GetMeasurementSnapshot().Where(m => Equals(m.Tags["reason"], reason)).Sum(m => m.Value);

    private string DroppedSummary() =>
        string.Join(", ", _dropped!.GetMeasurementSnapshot().GroupBy(m => m.Tags["reason"]).Select(g => $"{g.Key}={g.Sum(m => m.Value)}"))
        is { Length: > 0 } summary ? summary : "none";

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void Fail(string rule, string message)
    {
        // The library's last log lines (this host's) say what the worker was doing.
        var logs = _logs?.GetSnapshot().TakeLast(LogLinesOnFailure).Select(log => $"    {log.Timestamp:HH:mm:ss.fff} {log.Level} {log.Id.Id} {log.Message}").ToList() ?? [];
        throw new ModelViolationException(rule, _stepNumber, logs.Count == 0 ? message : $"{message}{Environment.NewLine}  Last log lines:{Environment.NewLine}{string.Join(Environment.NewLine, logs)}");
    }

    private static async Task StopHostQuietlyAsync(IHost host)
    {
        using var timeout = new CancellationTokenSource(ShutdownTimeout);
        var stopping = host.StopAsync(timeout.Token);
        if (await Task.WhenAny(stopping, Task.Delay(ShutdownTimeout + TimeSpan.FromSeconds(5), CancellationToken.None)) == stopping)
        {
            await stopping;
            host.Dispose();
        }
    }

    /// <summary>A FlushAsync() with no token, left running; its result is checked against the gateway the moment it ends.</summary>
    private sealed class PendingFlush
    {
        private ModelViolationException? _violation;

        public PendingFlush(int step, ITelemetryRecorder recorder, HashSet<int> acceptedBefore, DeliveryModelRun run)
        {
            Step = step;
            var failedBefore = run._failedBefore;
            Task = recorder.FlushAsync().ContinueWith(
                flushing =>
                {
                    // Read the gateway the moment the flush ends: what it reports delivered must be there already.
                    var arrived = new HashSet<int>();
                    foreach (var received in run._gateway.Events.Snapshot())
                    {
                        if (received.Metadata.TryGetValue(RunKey, out var r) && (int)r == run._run)
                        {
                            arrived.Add((int)received.Metadata[SequenceKey]);
                        }
                    }

                    _violation = FlushProblem(flushing.Result, acceptedBefore, arrived, failedBefore) is { } problem
                        ? new ModelViolationException("flush-truth", run._stepNumber, $"FlushAsync() started at step {step}: {problem}")
                        : null;
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }

        public int Step { get; }

        public Task Task { get; }

        public void ThrowIfViolated()
        {
            if (_violation is not null)
            {
                throw _violation;
            }
        }
    }
}
