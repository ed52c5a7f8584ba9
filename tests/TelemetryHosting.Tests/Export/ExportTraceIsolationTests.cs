using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Trace;
using TelemetryHosting.Tests.TestSupport;

namespace TelemetryHosting.Tests.Export;

public sealed class ExportTraceIsolationTests
{
    private static readonly ActivitySource App = new("TelemetryHosting.Tests.App");

    [Fact]
    public async Task Export_StartedAndRecordedInsideAnAppSpan_LeavesNoSpanInTheAppsTrace()
    {
        var spans = new List<Activity>();
        using var tracerProvider = Sdk.CreateTracerProviderBuilder()
            .AddSource(App.Name)
            .AddTelemetryGatewayInstrumentation()
            .AddSource("System.Net.Http")
            .AddSource("Grpc.Net.Client")
            .AddLegacySource("Grpc.Net.Client.GrpcOut")
            .AddLegacySource("System.Net.Http.HttpRequestOut")
            .AddInMemoryExporter(spans)
            .Build();

        // The host starts inside the app's span too: the worker, the SAMS token request and the gRPC stream must all
        // leave it (the development gateway requires a SAMS token, so the token request is made).
        await using var harness = await RecorderHarness.StartAsync(startHost: false);
        ActivityTraceId appTrace;
        using (var request = App.StartActivity("GET /search", ActivityKind.Server))
        {
            Assert.NotNull(request);
            appTrace = request.TraceId;
            await harness.Host.StartAsync();
            harness.Recorder.Record("search", "view");
            await harness.Recorder.FlushWithinLimitAsync();
        }

        tracerProvider.ForceFlush();
        var received = Assert.Single(harness.Gateway.Events.Snapshot());
        Assert.Equal(appTrace.ToHexString(), received.TraceId);
        Activity[] exported;
        lock (spans)
        {
            exported = [.. spans];
        }

        var inAppTrace = exported.Where(span => span.TraceId == appTrace).ToList();
        Assert.Equal([App.Name], inAppTrace.Select(span => span.Source.Name).Distinct());

        // The export's own spans were captured, in its own trace: the listener did see HttpClient and gRPC.
        var inExportTrace = exported.Where(span => span.TraceId.ToHexString() == received.RequestId).ToList();
        Assert.Contains(inExportTrace, span => span.Source.Name == "TelemetryHosting");
        Assert.Contains(inExportTrace, span => span.Source.Name == "System.Net.Http" || span.OperationName == "System.Net.Http.HttpRequestOut");
    }
}
