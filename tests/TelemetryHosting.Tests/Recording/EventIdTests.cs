using System.Globalization;
using TelemetryHosting.Tests.TestSupport;

namespace TelemetryHosting.Tests.Recording;

public sealed class EventIdTests
{
    [Fact]
    public async Task Record_MoreEventsThanOneRandomBuffer_IdsAreUniqueVersion7WithTheEventTimestamp()
    {
        // The recorder takes random bytes a buffer at a time (256 ids); 1,000 events cross several refills.
        await using var harness = await RecorderHarness.StartAsync(options => options.QueueCapacity = 2_000);
        await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 500; i++)
            {
                harness.Recorder.Record("search", "view");
            }
        })));

        var result = await harness.Recorder.FlushWithinLimitAsync();

        Assert.Equal(new TelemetryFlushResult(1_000, 0, 0), result);
        var events = harness.ReceivedEvents();
        Assert.Equal(1_000, events.Select(e => e.Id).Distinct().Count());
        Assert.All(events, e =>
        {
            var id = Guid.Parse(e.Id);
            Assert.Equal(7, id.Version);
            Assert.Equal(0b10, id.Variant >> 2);
            var milliseconds = long.Parse(e.Id.Replace("-", string.Empty, StringComparison.Ordinal)[..12], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            Assert.Equal(e.Timestamp.ToDateTimeOffset().ToUnixTimeMilliseconds(), milliseconds);
        });
    }
}
