using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
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
        var metrics = new List<Metric>();
        using var meterProvider = Sdk.CreateMeterProviderBuilder()
            .AddTelemetryGatewayInstrumentation()
            .AddInMemoryExporter(metrics)
            .Build();
        await using var harness = await RecorderHarness.StartAsync();

        harness.Recorder.Record("search", "view");
        await harness.Recorder.FlushWithinLimitAsync();
        meterProvider.ForceFlush();

        string[] names;
        lock (metrics)
        {
            names = [.. metrics.Select(metric => metric.MeterName + "/" + metric.Name)];
        }

        Assert.Contains("TelemetryHosting/telemetryhosting.events.exported", names);
        Assert.Contains(names, name => name.StartsWith("Polly/resilience.polly.", StringComparison.Ordinal));
    }
}
