using System.Collections.Concurrent;
using System.Globalization;
using TelemetryHosting.DevGateway;
using TelemetryHosting.Tests.TestSupport;

namespace TelemetryHosting.Tests.Chaos;

/// <summary>
/// Records a known set of events from several threads, each carrying its number in metadata, and checks at the
/// end that every accepted event reached the gateway (possibly more than once, but then always with the same id)
/// or is accounted for in the dropped-events counter.
/// </summary>
internal sealed class ChaosRun(RecorderHarness harness)
{
    private readonly ConcurrentDictionary<int, bool> _accepted = new();
    private int _refused;

    /// <summary>Records events <paramref name="from"/> to <paramref name="to"/> (exclusive) from <paramref name="threads"/> threads.</summary>
    public async Task RecordAsync(int from, int to, int threads = 4)
    {
        await Task.WhenAll(Enumerable.Range(0, threads).Select(thread => Task.Run(() =>
        {
            for (var n = from + thread; n < to; n += threads)
            {
                var parameters = new TelemetryEventParameters { Metadata = new Dictionary<string, double> { ["seq"] = n } };
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
        var parameters = new TelemetryEventParameters { Metadata = new Dictionary<string, double> { ["seq"] = n } };
        if (harness.Recorder.Record("chaos.run", "recorded", parameters))
        {
            _accepted[n] = true;
        }
        else
        {
            Interlocked.Increment(ref _refused);
        }
    }

    /// <summary>Waits until every accepted event is settled, then compares what the gateways received.</summary>
    public async Task<ChaosReport> VerifyAsync(params DevelopmentGateway[] gateways)
    {
        using (var timeout = new CancellationTokenSource(Eventually.Timeout))
        {
            var counts = await harness.Recorder.FlushAsync(timeout.Token);
            Assert.True(counts.Pending == 0, $"events still pending after the flush: {counts}");
        }

        var received = gateways.SelectMany(g => g.Events.Snapshot()).ToList();
        var idsBySeq = received
            .GroupBy(e => (int)e.Metadata["seq"])
            .ToDictionary(g => g.Key, g => g.Select(e => e.Id).Distinct(StringComparer.Ordinal).ToList());

        // A duplicate is only ever the same event again: one id per recorded number.
        Assert.All(idsBySeq, pair => Assert.Single(pair.Value));
        Assert.All(idsBySeq.Keys, seq => Assert.True(_accepted.ContainsKey(seq), $"received {seq}, which was never accepted"));

        var dropped = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var measurement in harness.Dropped.GetMeasurementSnapshot())
        {
            var reason = (string)measurement.Tags["reason"]!;
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
