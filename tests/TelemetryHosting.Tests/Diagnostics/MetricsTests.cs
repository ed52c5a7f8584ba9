using System.Diagnostics.Metrics;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using TelemetryHosting.Shared;
using TelemetryHosting.Tests.TestSupport;

namespace TelemetryHosting.Tests.Diagnostics;

public sealed class MetricsTests
{
    [Fact]
    public async Task Instruments_AreNamedWithUnitsAndDescriptions()
    {
        var instruments = new List<Instrument>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == TelemetryHostingInstruments.MeterName)
                {
                    lock (instruments)
                    {
                        instruments.Add(instrument);
                    }
                }
            },
        };
        listener.Start();
        await using var harness = await RecorderHarness.StartAsync();
        var scope = harness.Host.Services.GetRequiredService<IMeterFactory>();

        var expected = new Dictionary<string, string>
        {
            [TelemetryHostingInstruments.EventsRecorded] = "{event}",
            [TelemetryHostingInstruments.EventsExported] = "{event}",
            [TelemetryHostingInstruments.EventsDropped] = "{event}",
            [TelemetryHostingInstruments.ExportFailures] = "{attempt}",
            [TelemetryHostingInstruments.ExportDuration] = "s",
            [TelemetryHostingInstruments.ExportBatchSize] = "{event}",
            [TelemetryHostingInstruments.QueueDepth] = "{event}",
            [TelemetryHostingInstruments.SpillEventsWritten] = "{event}",
            [TelemetryHostingInstruments.SpillEventsReplayed] = "{event}",
            [TelemetryHostingInstruments.SpillFilesCorrupt] = "{file}",
        };
        lock (instruments)
        {
            foreach (var (name, unit) in expected)
            {
                var instrument = Assert.Single(instruments, i => i.Name == name && ReferenceEquals(i.Meter.Scope, scope));
                Assert.Equal(unit, instrument.Unit);
                Assert.False(string.IsNullOrWhiteSpace(instrument.Description), name);
            }
        }
    }

    [Fact]
    public async Task Export_RecordsCountsDurationBatchSizeAndFailuresByStatus()
    {
        await using var harness = await RecorderHarness.StartAsync(options => options.MaxBatchSize = 10);
        var meterFactory = harness.Host.Services.GetRequiredService<IMeterFactory>();
        using var recorded = new MetricCollector<long>(meterFactory, TelemetryHostingInstruments.MeterName, TelemetryHostingInstruments.EventsRecorded);
        using var duration = new MetricCollector<double>(meterFactory, TelemetryHostingInstruments.MeterName, TelemetryHostingInstruments.ExportDuration);
        using var batchSize = new MetricCollector<int>(meterFactory, TelemetryHostingInstruments.MeterName, TelemetryHostingInstruments.ExportBatchSize);
        harness.Gateway.Faults.FailNextCalls(1, StatusCode.ResourceExhausted);

        for (var i = 0; i < 25; i++)
        {
            harness.Recorder.Record("search", "view");
        }

        await harness.Recorder.FlushWithinLimitAsync();

        recorded.RecordObservableInstruments();
        Assert.Equal(25, recorded.LastMeasurement?.Value);
        Assert.Equal(25, harness.Exported.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.Equal(25, batchSize.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.All(batchSize.GetMeasurementSnapshot(), m => Assert.InRange(m.Value, 1, 10));
        Assert.All(duration.GetMeasurementSnapshot(), m => Assert.True(m.Value > 0));
        Assert.Equal(batchSize.GetMeasurementSnapshot().Count, duration.GetMeasurementSnapshot().Count);
        var failure = Assert.Single(harness.ExportFailures.GetMeasurementSnapshot());
        Assert.Equal((int)StatusCode.ResourceExhausted, failure.Tags[TelemetryHostingInstruments.StatusTag]);
        Assert.Equal(0, harness.QueueDepth());
    }
}
