using System.Diagnostics.Metrics;
using TelemetryHosting.Export.Internal;
using TelemetryHosting.Shared;

namespace TelemetryHosting.Diagnostics.Internal;

/// <summary>The library's own instruments, created from the application's <see cref="IMeterFactory"/>.</summary>
internal sealed class TelemetryHostingMetrics
{
    /// <summary>
    /// Buckets for export durations in seconds, as OpenTelemetry's semantic conventions give for request durations,
    /// extended to two minutes because an export's duration includes its retries. Collectors that honour advice (the
    /// OpenTelemetry SDK does) use them instead of their defaults, which suit milliseconds.
    /// </summary>
    private static readonly InstrumentAdvice<double> ExportDurationAdvice = new()
    {
        HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    };

    private readonly Counter<long> _exported;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _exportFailures;
    private readonly Histogram<double> _exportDuration;
    private readonly Histogram<int> _batchSize;
    private readonly Counter<long> _spilled;
    private readonly Counter<long> _replayed;
    private readonly Counter<long> _corruptFiles;
    private readonly Meter _meter;

    private readonly DropHistory _drops;

    public TelemetryHostingMetrics(IMeterFactory meterFactory, TelemetryEventQueue queue, DropHistory drops)
    {
        _drops = drops;
        var meter = _meter = meterFactory.Create(TelemetryHostingInstruments.MeterName);
        // Observed from the queue's counts rather than added to per event: Record stays free of a second shared
        // counter when metrics are collected.
        meter.CreateObservableCounter(
            TelemetryHostingInstruments.EventsRecorded, () => queue.Counts.Accepted, "{event}", "Events accepted for delivery by the telemetry recorder.");
        _exported = meter.CreateCounter<long>(
            TelemetryHostingInstruments.EventsExported, "{event}", "Events acknowledged by the Telemetry Gateway.");
        _dropped = meter.CreateCounter<long>(
            TelemetryHostingInstruments.EventsDropped, "{event}", "Events that will not be delivered, by reason.");
        _exportFailures = meter.CreateCounter<long>(
            TelemetryHostingInstruments.ExportFailures, "{attempt}", "Export attempts that failed and were retried, by gRPC status code.");
        _exportDuration = meter.CreateHistogram<double>(
            TelemetryHostingInstruments.ExportDuration, "s", "Duration of exports: one batch, from its first attempt to its outcome.", tags: null, ExportDurationAdvice);
        _batchSize = meter.CreateHistogram<int>(
            TelemetryHostingInstruments.ExportBatchSize, "{event}", "Events in each exported batch.");
        meter.CreateObservableGauge(
            TelemetryHostingInstruments.QueueDepth, () => queue.Depth, "{event}", "Events waiting for delivery: queued, or held by the worker and not sent yet.");
        _spilled = meter.CreateCounter<long>(
            TelemetryHostingInstruments.SpillEventsWritten, "{event}", "Events written to disk by durable spill.");
        _replayed = meter.CreateCounter<long>(
            TelemetryHostingInstruments.SpillEventsReplayed, "{event}", "Spilled events read back from disk for delivery.");
        _corruptFiles = meter.CreateCounter<long>(
            TelemetryHostingInstruments.SpillFilesCorrupt, "{file}", "Spill files that failed their checks and were moved aside.");
    }

    /// <summary>Adds the gauges of the spill directory; called once persistence is set up.</summary>
    public void ObserveSpill(Func<int> files, Func<long> bytes)
    {
        _meter.CreateObservableGauge(TelemetryHostingInstruments.SpillFiles, files, "{file}", "Spill files waiting to be replayed.");
        _meter.CreateObservableGauge(TelemetryHostingInstruments.SpillSize, bytes, "By", "Bytes of spill files waiting to be replayed.");
    }

    public void Spilled(int count) => _spilled.Add(count);

    public void Replayed(int count) => _replayed.Add(count);

    public void SpillFileCorrupt() => _corruptFiles.Add(1);

    public void Exported(int count) => _exported.Add(count);

    public void Dropped(string reason, long count = 1)
    {
        _dropped.Add(count, new KeyValuePair<string, object?>(TelemetryHostingInstruments.ReasonTag, reason));
        _drops.Record(reason, count);
    }

    /// <summary>Counts a failed attempt, tagged with the status's number as OpenTelemetry's RPC conventions give it (14 = Unavailable).</summary>
    public void ExportFailed(Grpc.Core.StatusCode status) =>
        _exportFailures.Add(1, new KeyValuePair<string, object?>(TelemetryHostingInstruments.StatusTag, (int)status));

    public void ExportCompleted(TimeSpan duration, int batchSize)
    {
        _exportDuration.Record(duration.TotalSeconds);
        _batchSize.Record(batchSize);
    }
}
