using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using TelemetryHosting.Shared;
using TelemetryHosting.Tests.TestSupport;

namespace TelemetryHosting.Tests.Diagnostics;

public sealed class OpenTelemetryInstrumentationTests
{
    [Fact]
    public async Task AddTelemetryGatewayInstrumentation_Tracing_ExportSpansReachTheExporter()
    {
        var spans = new List<Activity>();
        using var tracerProvider = Sdk.CreateTracerProviderBuilder()
            .AddTelemetryGatewayInstrumentation()
            .AddInMemoryExporter(spans)
            .Build();
        await using var harness = await RecorderHarness.StartAsync();

        harness.Recorder.Record("search", "view");
        await harness.Recorder.FlushWithinLimitAsync();
        tracerProvider.ForceFlush();

        var received = Assert.Single(harness.Gateway.Events.Snapshot());
        Activity[] exported;
        lock (spans)
        {
            exported = [.. spans];
        }

        var export = Assert.Single(exported, span => span.TraceId.ToHexString() == received.RequestId);
        Assert.Equal("TelemetryHosting", export.Source.Name);
        Assert.Equal("TelemetryHosting.Export", export.OperationName);
    }

    [Fact]
    public async Task AddTelemetryGatewayInstrumentation_Metrics_LibraryAndPollyMetricsReachTheExporter()
    {
        var names = await ExportOneEventAsync(metrics => metrics.Select(metric => metric.MeterName + "/" + metric.Name).ToArray());

        Assert.Contains($"{TelemetryHostingInstruments.MeterName}/{TelemetryHostingInstruments.EventsExported}", names);
        Assert.Contains(names, name => name.StartsWith("Polly/resilience.polly.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AddTelemetryGatewayInstrumentation_ExportDuration_BucketsInSeconds()
    {
        // The SDK's default buckets (0, 5, 10, 25 ... 10000) suit milliseconds; exports are measured in seconds.
        var bounds = await ExportOneEventAsync(metrics =>
        {
            List<double> found = [];
            var duration = Assert.Single(metrics, metric => metric.Name == TelemetryHostingInstruments.ExportDuration);
            foreach (ref readonly var point in duration.GetMetricPoints())
            {
                foreach (var bucket in point.GetHistogramBuckets())
                {
                    found.Add(bucket.ExplicitBound);
                }

                break;
            }

            return found;
        });

        Assert.Equal([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, double.PositiveInfinity], bounds);
    }

    /// <summary>
    /// Records and delivers one event with the instrumentation's meter provider listening, then reads what it exported
    /// (under the exporter's lock).
    /// </summary>
    private static async Task<T> ExportOneEventAsync<T>(Func<List<Metric>, T> read)
    {
        var metrics = new List<Metric>();
        using var meterProvider = Sdk.CreateMeterProviderBuilder()
            .AddTelemetryGatewayInstrumentation()
            .AddInMemoryExporter(metrics)
            .Build();
        await using var harness = await RecorderHarness.StartAsync();

        harness.Recorder.Record("search", "view");
        await harness.Recorder.FlushWithinLimitAsync();
        meterProvider.ForceFlush();

        lock (metrics)
        {
            return read(metrics);
        }
    }
}
