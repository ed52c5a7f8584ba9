using Microsoft.Extensions.Options;
using TelemetryHosting.Export.Internal;
using TelemetryHosting.Recording.Internal;

namespace TelemetryHosting.Tests.Export;

/// <summary>
/// Found by review (a defect of the first channel-based core, fixed): <see cref="TelemetryEventQueue.EnqueueFlush"/> shares the last untaken flush request when
/// <c>Counts.Accepted</c> has not changed since it was queued. But <c>TryEnqueue</c> counts an event as accepted
/// before writing it to the channel, so a request queued by another thread in that window sees the new count while
/// standing AHEAD of the event. A flush called after <c>Record</c> returned then shares that request and can complete
/// before the recorded event is settled.
/// </summary>
public sealed class FlushSharingTests
{
    [Fact]
    public async Task FlushAfterRecord_NeverSharesARequestQueuedAheadOfTheRecordedEvent()
    {
        var queue = new TelemetryEventQueue(Options.Create(new TelemetryGatewayOptions { QueueCapacity = 10_000_000 }));
        using var stop = new CancellationTokenSource();

        // Another caller flushing all the time (say, a health endpoint or another request's FlushAsync).
        var otherFlusher = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                queue.EnqueueFlush();
            }
        });

        var pairs = new List<(PendingEvent Event, FlushRequest Flush)>();
        var total = 0;
        var aheadOfTheirEvent = 0;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(8);

        // Rounds of 100,000 records, each followed by this thread's own flush, until a misordering shows or time is up.
        while (aheadOfTheirEvent == 0 && DateTime.UtcNow < deadline)
        {
            pairs.Clear();
            for (var i = 0; i < 100_000; i++)
            {
                var pending = new PendingEvent { Id = Guid.NewGuid(), Timestamp = DateTimeOffset.UtcNow, Feature = "f", Action = "a" };
                Assert.True(queue.TryEnqueue(pending));

                // This thread's Record returned: its flush must stand behind its event.
                var flush = queue.EnqueueFlush();
                Assert.NotNull(flush);
                pairs.Add((pending, flush));
            }

            var position = new Dictionary<QueueEntry, int>(ReferenceEqualityComparer.Instance);
            var index = 0;
            while (queue.TryRead(out var entry))
            {
                position[entry] = index++;
            }

            total += pairs.Count;
            aheadOfTheirEvent += pairs.Count(p => position[p.Flush] < position[p.Event]);
        }

        await stop.CancelAsync();
        await otherFlusher;

        Assert.True(
            aheadOfTheirEvent == 0,
            $"{aheadOfTheirEvent} of {total} flushes called after Record returned got a request queued ahead of the recorded event");
    }
}
