using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Options;
using TelemetryHosting.Export.Internal;
using TelemetryHosting.Recording.Internal;

namespace TelemetryHosting.Benchmarks;

/// <summary>
/// What each step of <see cref="ITelemetryRecorder.Record"/> costs on its own, single-threaded: the parts the
/// <see cref="RecordBenchmarks"/> rows are made of. For finding where the time goes, not for the targets.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(BenchmarkConfig))]
public class RecordBreakdownBenchmarks
{
    private const string Feature = "search.results";
    private const string Action = "view";

    private readonly Dictionary<string, double> _metadata = new() { ["resultCount"] = 12, ["cached"] = 1 };
    private readonly DateTimeOffset _now = DateTimeOffset.UtcNow;
    private TelemetryEventQueue _queue = null!;
    private PendingEvent _event = null!;
    private Activity _activity = null!;

    [GlobalSetup]
    public void Setup()
    {
        _queue = new TelemetryEventQueue(Options.Create(new TelemetryGatewayOptions { QueueCapacity = 1_000 }));
        _event = NewEvent();
        _activity = new Activity("request").SetIdFormat(ActivityIdFormat.W3C).Start();
    }

    [GlobalCleanup]
    public void Cleanup() => _activity.Dispose();

    /// <summary>The timestamp.</summary>
    [Benchmark]
    public DateTimeOffset Clock() => TimeProvider.System.GetUtcNow();

    /// <summary>The UUIDv7 id.</summary>
    [Benchmark]
    public Guid EventId() => EventIdGenerator.CreateVersion7(_now);

    private readonly byte[] _random = new byte[2560];

    /// <summary>Refilling the id generator's random buffer (once per 256 ids).</summary>
    [Benchmark]
    public void RandomRefill() => System.Security.Cryptography.RandomNumberGenerator.Fill(_random);

    /// <summary>The gateway's name rules, both names.</summary>
    [Benchmark]
    public void ValidateNames() => RecordedParameters.ThrowIfInvalidName(Feature, Action);

    /// <summary>The checked copy of two metadata values.</summary>
    [Benchmark]
    public object? CopyMetadata() => RecordedParameters.CopyMetadata(_metadata);

    /// <summary>The queued event object.</summary>
    [Benchmark]
    public object Allocate() => NewEvent();

    /// <summary>The current trace id, inside a trace.</summary>
    [Benchmark(OperationsPerInvoke = 1_000)]
    public ActivityTraceId TraceId()
    {
        Activity.Current = _activity;
        var id = default(ActivityTraceId);
        for (var i = 0; i < 1_000; i++)
        {
            id = Activity.Current?.TraceId ?? default;
        }

        Activity.Current = null;
        return id;
    }

    /// <summary>One enqueue and the reader's dequeue of it.</summary>
    [Benchmark]
    public bool EnqueueAndTake() => _queue.TryEnqueue(_event) && _queue.TryRead(out _);

    private PendingEvent NewEvent() => new() { Id = default, Timestamp = _now, Feature = Feature, Action = Action };
}
