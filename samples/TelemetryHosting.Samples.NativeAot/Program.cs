// The library in a native-AOT web service: a minimal API (ASP.NET Core MVC controllers are not AOT-compatible, which
// is why the controller sample is a separate, JIT-compiled app) that records an event per order and takes client events.
//
// It sends to the gateway configured under TelemetryGateway (appsettings.json points at a development gateway on its
// default ports: start one with `dotnet run --project src/TelemetryHosting.DevGateway`). The SAMS client in
// appsettings.json is the development gateway's own; a real one comes from a secret store, never from a file. Under
// the sample AppHost (samples/TelemetryHosting.Samples.AppHost), the AppHost's reference replaces the endpoint, SAMS URL
// and client with its own gateway's (TelemetryGateway:ConnectionName), and OpenTelemetry goes to the Aspire dashboard.
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using TelemetryHosting;
using TelemetryHosting.Samples.NativeAot;

var builder = WebApplication.CreateSlimBuilder(args);

var openTelemetry = builder.Services.AddOpenTelemetry()
    .WithTracing(tracing => tracing.AddAspNetCoreInstrumentation().AddTelemetryGatewayInstrumentation())
    .WithMetrics(metrics => metrics.AddTelemetryGatewayInstrumentation());
if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
{
    openTelemetry.UseOtlpExporter();
}

// Bound from configuration by the library's generated binder: no reflection the trimmer cannot see.
builder.Services.AddTelemetryGateway(builder.Configuration.GetSection("TelemetryGateway"))
    .AddAspNetCoreEnrichment(options => options.PropagateInteractionIdInBaggage = true)
    .AddClientEvents(options => options.AllowAnonymous = true);

var app = builder.Build();

app.MapPost("/api/orders", (int? items, ITelemetryRecorder recorder) =>
{
    // A generated event (OrderTelemetry.cs): "items" becomes metadata.
    var recorded = recorder.RecordOrderCreated(items ?? 1);
    return recorded ? Results.Accepted() : Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
});

// Browsers and editors post their events here (anonymous in this sample; rate limited per address).
app.MapTelemetryEvents("/api/telemetry");

await app.RunAsync();
