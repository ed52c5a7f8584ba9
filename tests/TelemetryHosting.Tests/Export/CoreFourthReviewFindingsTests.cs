using System.Diagnostics;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using TelemetryHosting.DevGateway;
using TelemetryHosting.Export.Internal;
using TelemetryHosting.Recording.Internal;
using TelemetryHosting.Tests.TestSupport;

namespace TelemetryHosting.Tests.Export;

/// <summary>
/// Findings of the fourth review (of the third review's no-spin fix), each failing before its fix: during an outage, live
/// events behind a batch filled by a segment read back from disk were neither read nor written; and a spill write that
/// failed in an earlier outage kept a later one from writing the events of an export in flight. And the one-walk encoder
/// checked against the generated message on random events.
/// </summary>
public sealed class CoreFourthReviewFindingsTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private readonly TemporaryDirectory _spill = new("fourth-review-spill");

    public void Dispose() => _spill.Dispose();

    /// <summary>
    /// Finding A. An outage's only export holds events read back from disk, and the batch is full of the rest of that
    /// segment (a segment larger than the batch: MaxBatchSize lowered since it was written, or a small QueueCapacity).
    /// Live events recorded after SpillAfter stay in the channel: the outage spill's trigger now needs in-memory events
    /// in the batch (which cannot take them: it is full), so they are neither read nor written, and a flush waits for
    /// the end of the outage. At e086406 a due batch triggered the spill, which read the channel and wrote them.
    /// </summary>
    [Fact]
    public async Task Outage_BatchFullOfDiskEvents_LiveEventsAreStillSpilled()
    {
        await using var gateway = await DevelopmentGateway.StartAsync(new DevelopmentGatewayOptions { RequireAuthentication = false });
        await RecorderHarness.LeaveOnDiskAsync(
            gateway,
            options =>
            {
                options.Persistence.Directory = _spill.Path;
                options.Persistence.SpillAfter = TimeSpan.FromMinutes(1);
                options.MaxBatchSize = 20;
            },
            20,
            "spilled");
        Assert.Single(Directory.GetFiles(_spill.Path, "*.tseg"));

        gateway.Faults.FailNextCalls(int.MaxValue);
        await using var harness = await RecorderHarness.StartAsync(
            options =>
            {
                options.Persistence.Directory = _spill.Path;
                options.Persistence.SpillAfter = TimeSpan.FromMilliseconds(100);
                options.MaxBatchSize = 5;
            },
            gateway: gateway,
            requireAuthentication: false,
            shutdownTimeout: TimeSpan.FromSeconds(1));

        // The segment is replayed (5 go in the outage's only export, 15 stay in the full batch); the outage passes SpillAfter.
        await Eventually.HoldsAsync(() => harness.ExportFailures.GetMeasurementSnapshot().Count >= 2, "the replay export fails", timeout: Bound);
        await Task.Delay(TimeSpan.FromMilliseconds(300));

        for (var i = 0; i < 10; i++)
        {
            Assert.True(harness.Recorder.Record("live", "view"));
        }

        using var flushTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        await harness.Recorder.FlushAsync(flushTimeout.Token);
        var flushed = !flushTimeout.IsCancellationRequested;
        var counts = harness.Counts();
        Assert.True(
            flushed && counts.Persisted == 30,
            $"10 events recorded 300 ms into an outage with SpillAfter 100 ms: flush completed = {flushed}, persisted = {counts.Persisted} (20 recovered + 10 expected), pending = {counts.Pending}, events read by the worker = {harness.EventsRead()}.");
    }

    /// <summary>
    /// Finding B. A spill write failed once (MaxBytes) in an earlier outage; nothing has been written since. In the next
    /// outage the events in the one export in flight are never written to disk while no new event arrives:
    /// LastWriteFailed stays set until a write succeeds, and a write of nothing no longer stops the export.
    /// </summary>
    [Fact]
    public async Task SecondOutage_AfterAFailedWriteLongAgo_InFlightEventsAreSpilled()
    {
        await using var harness = await RecorderHarness.StartAsync(
            options =>
            {
                options.Persistence.Directory = _spill.Path;
                options.Persistence.SpillAfter = TimeSpan.FromMilliseconds(100);
                options.Persistence.MaxBytes = 1_024;
            },
            requireAuthentication: false,
            shutdownTimeout: TimeSpan.FromSeconds(1));

        // Outage 1: the spill write fails (20 large events do not fit in 1 KiB), then the gateway recovers and takes them.
        harness.Gateway.Faults.FailNextCalls(int.MaxValue);
        var large = new TelemetryEventParameters { PrivateMetadata = new Dictionary<string, object?> { ["text"] = new string('x', 100) } };
        for (var i = 0; i < 20; i++)
        {
            Assert.True(harness.Recorder.Record("search", "large", large));
        }

        await Eventually.HoldsAsync(() => harness.LibraryLogs().Any(log => log.Id.Id == 17), "a spill write fails", timeout: Bound);
        harness.Gateway.Faults.Reset();
        await Eventually.HoldsAsync(() => harness.Counts().Delivered == 20, "outage 1's events are delivered", timeout: Bound);
        Assert.Empty(Directory.GetFiles(_spill.Path, "*.tseg"));

        // Outage 2, a quiet service: three small events (they fit in MaxBytes), then nothing.
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        harness.Gateway.Faults.FailNextCalls(int.MaxValue);
        for (var i = 0; i < 3; i++)
        {
            Assert.True(harness.Recorder.Record("search", "small"));
        }

        var spilled = await Eventually.HoldsWithinAsync(() => harness.Counts().Persisted == 3, TimeSpan.FromSeconds(3));
        var counts = harness.Counts();
        Assert.True(
            spilled,
            $"Outage 2 (SpillAfter 100 ms) has lasted about 3 s: persisted = {counts.Persisted}, pending = {counts.Pending}; the export's events are still only in memory (a crash loses them).");
    }

    /// <summary>
    /// The encoder's one walk against the generated message, for random events (nested lengths of 1 to 3 bytes, empty and
    /// null parts, marketing tracking with none, some or all of its fields).
    /// </summary>
    [Fact]
    public void Encode_RandomEvents_SameBytesAsTheGeneratedMessage()
    {
        var random = new Random(4);
        for (var i = 0; i < 3_000; i++)
        {
            var pending = RandomEvent(random);
            var serviceVersion = random.Next(4) == 0 ? string.Empty : Text(random, 40);
            var encoded = EventEncoder.Encode(pending, serviceVersion);
            var reference = ReferenceEventMessage.Build(pending, serviceVersion).ToByteArray();
            Assert.True(reference.AsSpan().SequenceEqual(encoded), $"case {i}: {encoded.Length} bytes against {reference.Length}");
        }
    }

    private static PendingEvent RandomEvent(Random random)
    {
        string? Maybe(int max) => random.Next(3) switch { 0 => null, 1 => string.Empty, _ => Text(random, max) };
        var big = random.Next(10) == 0;
        return new PendingEvent
        {
            Id = Guid.NewGuid(),
            Timestamp = DateTimeOffset.UnixEpoch.AddTicks(random.NextInt64(-20_000_000_000_000_000, 20_000_000_000_000_000)),
            Feature = Text(random, 30) is { Length: > 0 } feature ? feature : "f",
            Action = Text(random, 30) is { Length: > 0 } action ? action : "a",
            Version = random.Next(4) switch { 0 => 0, 1 => -random.Next(), _ => random.Next() },
            Metadata = random.Next(3) == 0 ? null
                : [.. Enumerable.Range(0, random.Next(big ? 400 : 20)).Select(k => new KeyValuePair<string, double>(
                    $"{k}:{Text(random, big ? 200 : 10)}",
                    random.Next(4) switch { 0 => 0.0, 1 => -0.0, 2 => double.NaN, _ => random.NextDouble() * 1e6 }))],
            PrivateMetadata = random.Next(3) == 0 ? null
                : new Struct { Fields = { ["q"] = Value.ForString(new string('q', random.Next(big ? 40_000 : 300))), ["n"] = Value.ForNumber(random.Next()) } },
            Billing = random.Next(3) == 0 ? new TelemetryBillingMetadata { Product = Maybe(20) ?? string.Empty, Category = Maybe(20) ?? string.Empty } : null,
            User = random.Next(2) == 0 ? null : new TelemetryEventUser
            {
                UserId = random.Next(3) switch { 0 => null, 1 => 0, _ => random.NextInt64(long.MinValue, long.MaxValue) },
                AnonymousUserId = Maybe(40),
                SamsExternalId = Maybe(40),
            },
            Client = random.Next(3) == 0 ? new TelemetryEventClient { Name = Maybe(20) ?? string.Empty, Version = Maybe(20) } : null,
            FeatureFlags = random.Next(3) == 0 ? null
                : [.. Enumerable.Range(0, random.Next(big ? 300 : 5)).Select(k => new KeyValuePair<string, bool>($"{k}:{Text(random, big ? 100 : 10)}", random.Next(2) == 0))],
            InteractionId = Maybe(60),
            TraceId = random.Next(2) == 0 ? default : ActivityTraceId.CreateRandom(),
            MarketingTracking = random.Next(3) == 0 ? null : new TelemetryMarketingTracking
            {
                // Up to 2,048 characters, the recorder's limit: lengths of 1 and 2 bytes, nested lengths of up to 3.
                Url = Maybe(big ? 2_048 : 60),
                FirstSourceUrl = Maybe(big ? 2_048 : 60),
                CohortId = Maybe(20),
                Referrer = Maybe(big ? 2_048 : 60),
                LastSourceUrl = Maybe(big ? 2_048 : 60),
                DeviceSessionId = Maybe(40),
                SessionReferrer = Maybe(big ? 2_048 : 60),
                SessionFirstUrl = Maybe(big ? 2_048 : 60),
            },
        };
    }

    private static string Text(Random random, int max)
    {
        const string alphabet = "abcXYZ09 -_.é€ключ🎉";
        var length = random.Next(max + 1);
        var text = new System.Text.StringBuilder();
        while (text.Length < length)
        {
            var at = random.Next(alphabet.Length);
            text.Append(char.IsHighSurrogate(alphabet[at]) ? alphabet.Substring(at, 2) : char.IsLowSurrogate(alphabet[at]) ? "x" : alphabet[at].ToString());
        }

        return text.ToString();
    }
}
