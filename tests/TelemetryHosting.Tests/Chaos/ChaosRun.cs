using System.Collections.Concurrent;
using System.Globalization;
using TelemetryHosting.DevGateway;
using TelemetryHosting.Shared;
using TelemetryHosting.Tests.TestSupport;

namespace TelemetryHosting.Tests.Chaos;

/// <summary>
/// Records a known set of events from several threads, each carrying its number in metadata, and checks at the
/// end that every accepted event reached the gateway (possibly more than once, but then always with the same id)
/// or is accounted for in the dropped-events counter.
/// </summary>
internal sealed class ChaosRun(RecorderHarness harness, int padding = 0)
{
    private readonly ConcurrentDictionary<int, bool> _accepted = new();
    private int _refused;

    /// <summary>Gets the harness the events are recorded with.</summary>
    public RecorderHarness Harness => harness;

    /// <summary>Records events <paramref name="from"/> to <paramref name="to"/> (exclusive) from <paramref name="threads"/> threads.</summary>
    public async Task RecordAsync(int from, int to, int threads = 4)
    {
        await Task.WhenAll(Enumerable.Range(0, threads).Select(thread => Task.Run(() =>
        {
            for (var n = from + thread; n < to; n += threads)
            {
                var parameters = Parameters(n);
                if (harness.Recorder.Record("chaos.run", "recorded", parameters))
                {
                    _accepted[n] = true;
                }
                else
                {
                    Interlocked.Increment(ref _refused);
                }
            }
        })));
    }

    /// <summary>Records the single event <paramref name="n"/> on the calling thread.</summary>
    public void RecordOne(int n)
    {
        if (harness.Recorder.Record("chaos.run", "recorded", Parameters(n)))
        {
            _accepted[n] = true;
        }
        else
        {
            Interlocked.Increment(ref _refused);
        }
    }

    /// <summary>
    /// The event's parameters: its number, and <c>padding</c> more metadata entries (about 20 bytes each on the wire),
    /// so that tests can make a batch outgrow an HTTP/2 flow-control window (64 KiB) without recording more events.
    /// </summary>
    private TelemetryEventParameters Parameters(int n)
    {
        var metadata = new Dictionary<string, double>(padding + 1) { ["seq"] = n };
        for (var i = 0; i < padding; i++)
        {
            metadata[string.Create(CultureInfo.InvariantCulture, $"padding{i:D3}")] = n + i;
        }

        return new TelemetryEventParameters { Metadata = metadata };
    }

    /// <summary>Waits until every accepted event is settled, then compares what the development gateways received.</summary>
    public Task<ChaosReport> VerifyAsync(params DevelopmentGateway[] gateways) =>
        VerifyAsync(() => Task.FromResult<IReadOnlyList<GatewayReceipt>>(
            [.. gateways.SelectMany(g => g.Events.Snapshot()).Select(e => new GatewayReceipt(e.Id, (int)e.Metadata["seq"]))]));

    /// <summary>Waits until every accepted event is settled, then compares what the gateway under test received.</summary>
    public Task<ChaosReport> VerifyAsync(IGatewayUnderTest gateway) => VerifyAsync(gateway.ReceivedAsync);

    /// <summary>
    /// Waits (at most <see cref="Eventually.Timeout"/>: a flush that cannot finish fails the test, it does not hang it)
    /// until every accepted event is settled, then compares what was received.
    /// </summary>
    private async Task<ChaosReport> VerifyAsync(Func<Task<IReadOnlyList<GatewayReceipt>>> receipts)
    {
        using (var timeout = new CancellationTokenSource(Eventually.Timeout))
        {
            var flushing = harness.Recorder.FlushAsync(timeout.Token);
            var finished = await Task.WhenAny(flushing, Task.Delay(Eventually.Timeout + TimeSpan.FromSeconds(5), CancellationToken.None));
            Assert.True(finished == flushing, $"FlushAsync did not return within {Eventually.Timeout} + 5 s although its token was cancelled: {harness.Counts()}");
            var counts = await flushing;
            Assert.True(counts.Pending == 0, $"events still pending after the flush: {counts}");
        }

        var received = await receipts();
        var idsBySeq = received
            .GroupBy(e => e.Seq)
            .ToDictionary(g => g.Key, g => g.Select(e => e.Id).Distinct(StringComparer.Ordinal).ToList());

        // A duplicate is only ever the same event again: one id per recorded number.
        Assert.All(idsBySeq, pair => Assert.Single(pair.Value));
        Assert.All(idsBySeq.Keys, seq => Assert.True(_accepted.ContainsKey(seq), $"received {seq}, which was never accepted"));

        var dropped = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var measurement in harness.Dropped.GetMeasurementSnapshot())
        {
            var reason = (string)measurement.Tags[TelemetryHostingInstruments.ReasonTag]!;
            dropped[reason] = dropped.GetValueOrDefault(reason) + measurement.Value;
        }

        var report = new ChaosReport(
            Recorded: _accepted.Count,
            Refused: _refused,
            Received: idsBySeq.Count,
            Duplicates: received.Count - idsBySeq.Count,
            Dropped: dropped);

        // Every accepted event was received, or counted as given up with a reason.
        var givenUp = dropped.Where(d => d.Key != "queue_full").Sum(d => d.Value);
        Assert.True(report.Received + givenUp == report.Recorded, $"unaccounted events: {report}");

        // Every refused event was counted as refused.
        Assert.Equal(report.Refused, dropped.GetValueOrDefault("queue_full") + dropped.GetValueOrDefault("shutdown"));
        return report;
    }
}

/// <summary>What one chaos scenario recorded, received and dropped.</summary>
internal sealed record ChaosReport(int Recorded, int Refused, int Received, int Duplicates, IReadOnlyDictionary<string, long> Dropped)
{
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"recorded {Recorded}, refused {Refused}, received {Received}, duplicates {Duplicates}, dropped {{{string.Join(", ", Dropped.Select(d => $"{d.Key}: {d.Value}"))}}}");
}
