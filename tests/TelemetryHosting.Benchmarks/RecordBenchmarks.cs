using System.Diagnostics;
using System.Threading.Channels;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using TelemetryHosting.Benchmarks.Support;

namespace TelemetryHosting.Benchmarks;

/// <summary>
/// The cost of <see cref="ITelemetryRecorder.Record"/> to the calling thread, beside a bare
/// <c>Channel&lt;T&gt;.TryWrite</c> (the floor) and an <see cref="ILogger"/> log record through OpenTelemetry's SDK with
/// its batch processor and a no-op exporter (the closest mature peer, the Ratio baseline).
/// </summary>
/// <remarks>
/// Each invocation makes <see cref="OperationsPerThread"/> calls on each of <see cref="Threads"/> threads, so every
/// row is the time one call costs its caller: with 2 threads both call at once and contend. Each queue has a
/// consumer that empties it as the real one would, exporting nothing; the recorder's delivery worker is not started.
/// </remarks>
[MemoryDiagnoser]
[Config(typeof(BenchmarkConfig))]
public class RecordBenchmarks
{
    public const int OperationsPerThread = 10_000;

    private const string Feature = "search.results";
    private const string Action = "view";

    private readonly TelemetryEventParameters _metadata = new()
    {
        Version = 1,
        Metadata = new Dictionary<string, double> { ["resultCount"] = 12, ["cached"] = 1 },
    };

    private readonly TelemetryEventParameters _privateMetadata = new()
    {
        Version = 1,
        PrivateMetadata = new Dictionary<string, object?> { ["query"] = "repo:sourcegraph grpc", ["resultCount"] = 12 },
    };

    private ServiceProvider _services = null!;
    private ITelemetryRecorder _recorder = null!;
    private QueueDrain _recorderDrain = null!;
    private Channel<ComparableEvent> _channel = null!;
    private QueueDrain _channelDrain = null!;
    private ILoggerFactory _loggerFactory = null!;
    private NoopLogExporter _logExporter = null!;
    private long _logCalls;
    private ILogger _logger = null!;
    private ActivitySource _activitySource = null!;
    private ActivityListener _activityListener = null!;
    private Activity _activity = null!;
    private long _notQueued;

    private Action _channelLoop = null!;
    private Action _recordLoop = null!;
    private Action _recordMetadataLoop = null!;
    private Action _recordPrivateMetadataLoop = null!;
    private Action _recordMetadataInTraceLoop = null!;
    private Action _logInTraceLoop = null!;

    /// <summary>Gets or sets how many threads call at once.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var services = new ServiceCollection();
        services.AddTelemetryGateway(options =>
        {
            // Never contacted: the delivery worker is not started.
            options.Endpoint = new Uri("http://127.0.0.1:9/");
            options.ServiceId = "benchmark-service";
            options.QueueCapacity = 1_000_000;
        });
        _services = services.BuildServiceProvider();
        _recorder = _services.GetRequiredService<ITelemetryRecorder>();
        _recorderDrain = QueueDrain.ForRecorderQueue(_services);

        // A bounded channel as the library used before its own lock-free queue: the floor a user's hand-written queue
        // would pay.
        _channel = Channel.CreateBounded<ComparableEvent>(new BoundedChannelOptions(1_000_000)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
            AllowSynchronousContinuations = false,
        });
        _channelDrain = QueueDrain.ForChannel(_channel.Reader);

        _logExporter = new NoopLogExporter();
        _loggerFactory = LoggerFactory.Create(logging => logging.AddOpenTelemetry(options =>
            options.AddProcessor(new BatchLogRecordExportProcessor(_logExporter, maxQueueSize: 65_536))));
        _logger = _loggerFactory.CreateLogger("TelemetryHosting.Benchmarks");

        _activitySource = new ActivitySource("TelemetryHosting.Benchmarks");
        _activityListener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == _activitySource.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(_activityListener);
        _activity = _activitySource.StartActivity("request")!;
        Activity.Current = null;

        _channelLoop = ChannelLoop;
        _recordLoop = () => RecordLoop(null);
        _recordMetadataLoop = () => RecordLoop(_metadata);
        _recordPrivateMetadataLoop = () => RecordLoop(_privateMetadata);
        _recordMetadataInTraceLoop = () => InTrace(() => RecordLoop(_metadata));
        _logInTraceLoop = () => InTrace(LogLoop);
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        if (Interlocked.Read(ref _notQueued) > 0)
        {
            Console.WriteLine($"// !! {_notQueued} events were not queued (queue full): the numbers include the drop path.");
        }

        await _recorderDrain.DisposeAsync();
        await _channelDrain.DisposeAsync();
        await _services.DisposeAsync();
        // Disposing flushes the batch processor: every log call not exported by then was dropped by its full queue.
        _loggerFactory.Dispose();
        var logsDropped = Interlocked.Read(ref _logCalls) - _logExporter.Exported;
        if (logsDropped > 0)
        {
            Console.WriteLine($"// !! {logsDropped} log records were dropped by OpenTelemetry's full queue: the baseline includes its drop path.");
        }

        _activity.Dispose();
        _activityListener.Dispose();
        _activitySource.Dispose();
    }

    /// <summary>The floor: allocate an object shaped like the queued event and write it to a bounded channel.</summary>
    [Benchmark(OperationsPerInvoke = OperationsPerThread)]
    public void ChannelTryWrite() => Run(_channelLoop);

    /// <summary>The closest mature peer: a source-generated log call with two numbers, inside a trace, through OpenTelemetry.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = OperationsPerThread)]
    public void OpenTelemetryLog_InTrace() => Run(_logInTraceLoop);

    [Benchmark(OperationsPerInvoke = OperationsPerThread)]
    public void Record_NoParameters() => Run(_recordLoop);

    [Benchmark(OperationsPerInvoke = OperationsPerThread)]
    public void Record_Metadata() => Run(_recordMetadataLoop);

    [Benchmark(OperationsPerInvoke = OperationsPerThread)]
    public void Record_PrivateMetadata() => Run(_recordPrivateMetadataLoop);

    [Benchmark(OperationsPerInvoke = OperationsPerThread)]
    public void Record_Metadata_InTrace() => Run(_recordMetadataInTraceLoop);

    private void Run(Action loop)
    {
        if (Threads == 1)
        {
            loop();
        }
        else
        {
            Parallel.Invoke(loop, loop);
        }
    }

    private void InTrace(Action loop)
    {
        Activity.Current = _activity;
        try
        {
            loop();
        }
        finally
        {
            Activity.Current = null;
        }
    }

    private void ChannelLoop()
    {
        var writer = _channel.Writer;
        for (var i = 0; i < OperationsPerThread; i++)
        {
            writer.TryWrite(new ComparableEvent { Feature = Feature, Action = Action });
        }
    }

    private void RecordLoop(TelemetryEventParameters? parameters)
    {
        var notQueued = 0;
        for (var i = 0; i < OperationsPerThread; i++)
        {
            if (!_recorder.Record(Feature, Action, parameters))
            {
                notQueued++;
            }
        }

        if (notQueued > 0)
        {
            Interlocked.Add(ref _notQueued, notQueued);
        }
    }

    private void LogLoop()
    {
        for (var i = 0; i < OperationsPerThread; i++)
        {
            BenchmarkLog.SearchResults(_logger, 12, 1);
        }

        Interlocked.Add(ref _logCalls, OperationsPerThread);
    }
}
