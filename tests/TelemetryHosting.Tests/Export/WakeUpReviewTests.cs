using Microsoft.Extensions.Time.Testing;
using TelemetryHosting.Export.Internal;
using TelemetryHosting.Recording.Internal;
using TelemetryHosting.Tests.TestSupport;

namespace TelemetryHosting.Tests.Export;

/// <summary>Review of the count/bytes wake-up of the worker (TelemetryEventQueue.WaitForEventsAsync).</summary>
public sealed class WakeUpReviewTests
{
    private const string ServiceVersion = "1.2.3-test";
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    // Feature flags named in a script of 3-byte UTF-8 characters: each flag entry is framed by 11 bytes (entry tag and
    // length, name tag and length, value "false" as a string field), the bound allows 8.
    private static Dictionary<string, bool> CjkFlags(int count) =>
        Enumerable.Range(0, count).ToDictionary(i => ((char)(0x4E00 + i)).ToString(), _ => false);

    private static PendingEvent NewEvent(Dictionary<string, bool> flags) => new()
    {
        Id = Guid.CreateVersion7(),
        Timestamp = Start,
        Feature = "search",
        Action = "view",
        FeatureFlags = [.. flags],
    };

    [Fact]
    public void VariableBytesBound_WithTheQueuesFixedAllowance_IsAnUpperBoundOfTheEncodedSize()
    {
        var pending = NewEvent(CjkFlags(300));

        var encoded = EventEncoder.Encode(pending, ServiceVersion).Length;

        // The queue's fixed allowance (TelemetryEventQueue: 256 + 3 bytes a character of the service version).
        var bound = pending.VariableBytesBound() + 256 + (3 * ServiceVersion.Length);
        Assert.True(encoded <= bound, $"encoded {encoded} bytes, bound {bound}");
    }

    [Fact]
    public async Task Worker_BatchFullByBytesOfEventsTakenAsLight_SentWithoutWaitingForTheInterval()
    {
        const int maxBatchSize = 20;
        var flags = CjkFlags(500);
        var probe = NewEvent(flags);
        var eventBytes = EventEncoder.Encode(probe, ServiceVersion).Length;

        // The largest light event size under which this event still counts as light (no urgent wake-up).
        var light = (int)probe.VariableBytesBound() + 256 + (3 * ServiceVersion.Length);
        var maxBatchBytes = maxBatchSize * light;
        var toFill = (maxBatchBytes + eventBytes - 1) / eventBytes;
        Assert.True(toFill < maxBatchSize, $"premise: {toFill} events of {eventBytes} bytes fill the batch by bytes");

        await using var harness = await RecorderHarness.StartAsync(
            options =>
            {
                options.MaxBatchSize = maxBatchSize;
                options.MaxBatchBytes = maxBatchBytes;
                options.MaxPayloadBytes = maxBatchBytes;
                options.FlushInterval = TimeSpan.FromMinutes(10);
            },
            timeProvider: new FakeTimeProvider(Start));
        var parameters = new TelemetryEventParameters { FeatureFlags = flags };

        // The first event opens the batch; the worker then waits for the events that could fill it.
        harness.Recorder.Record("search", "view", parameters);
        await Eventually.HoldsAsync(() => harness.QueueDepth() == 0, "the first event is taken into the batch");
        for (var i = 1; i < toFill; i++)
        {
            harness.Recorder.Record("search", "view", parameters);
        }

        // The batch is full by bytes: it must go without waiting for the interval (fake time stands still).
        await Eventually.HoldsAsync(
            () => harness.Gateway.Events.DistinctCount == toFill,
            $"the batch of {toFill} events, full by bytes, is sent",
            timeout: TimeSpan.FromSeconds(10));
    }
}
