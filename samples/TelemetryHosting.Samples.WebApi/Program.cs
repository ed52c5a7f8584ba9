// The sample service: a web API whose controllers record telemetry events.
//
// With no TelemetryGateway:Endpoint configured, the sample starts the development gateway in-process and
// sends its events there, so that it runs end to end on one machine without a Sourcegraph account. Configure
// an endpoint (appsettings, environment variable TelemetryGateway__Endpoint, or --TelemetryGateway:Endpoint)
// and it talks to that gateway instead. Under the sample AppHost (samples/TelemetryHosting.Samples.AppHost), the
// AppHost's reference sets TelemetryGateway:ConnectionName and the AppHost's gateway is used.
using Microsoft.AspNetCore.Authentication;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using TelemetryHosting.DevGateway;
using TelemetryHosting.Samples.WebApi;

var builder = WebApplication.CreateBuilder(args);

DevelopmentGateway? developmentGateway = null;
if (string.IsNullOrEmpty(builder.Configuration["TelemetryGateway:Endpoint"])
    && string.IsNullOrEmpty(builder.Configuration["TelemetryGateway:ConnectionName"]))
{
    developmentGateway = await DevelopmentGateway.StartAsync(new DevelopmentGatewayOptions
    {
        Port = builder.Configuration.GetValue("DevGateway:Port", DevelopmentGateway.DefaultPort),
        WebPort = builder.Configuration.GetValue("DevGateway:WebPort", DevelopmentGateway.DefaultWebPort),
        RequireAuthentication = true,
    });
    builder.Configuration["TelemetryGateway:Endpoint"] = developmentGateway.Address.ToString();

    // Like the real gateway, the development one requires a SAMS token: the sample uses its development client.
    // In production these come from configuration (TelemetryGateway:Sams, or SAMS_URL for the URL).
    builder.Configuration["TelemetryGateway:Sams:Url"] = developmentGateway.WebAddress.ToString();
    builder.Configuration["TelemetryGateway:Sams:ClientId"] = DevelopmentGatewayOptions.DefaultClientId;
    builder.Configuration["TelemetryGateway:Sams:ClientSecret"] = DevelopmentGatewayOptions.DefaultClientSecret;
}

// Tracing on, so that every event recorded during a request carries the request's trace id.
// AddTelemetryGatewayInstrumentation: the library's export spans (each the root of its own trace, never a child of a
// request) and its metrics (events exported and dropped, queue depth, failures; Polly's retries of the export).
// Under an Aspire AppHost, OTEL_EXPORTER_OTLP_ENDPOINT is set and they are exported to the Aspire dashboard; without
// an exporter they are collected and discarded.
var openTelemetry = builder.Services.AddOpenTelemetry()
    .WithTracing(tracing => tracing
        .AddAspNetCoreInstrumentation()
        .AddTelemetryGatewayInstrumentation())
    .WithMetrics(metrics => metrics.AddTelemetryGatewayInstrumentation());
if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
{
    openTelemetry.UseOtlpExporter();
}

// Events recorded during a request carry its X-Sourcegraph-Interaction-ID header and its user's SAMS id.
// AddClientEvents: the services of the client event endpoint mapped below (limits in TelemetryClientEvents).
builder.Services.AddTelemetryGateway()
    .AddAspNetCoreEnrichment()
    .AddClientEvents(builder.Configuration.GetSection("TelemetryClientEvents"));

// SAMPLE ONLY: a stand-in for SAMS login that trusts the X-Sample-User header (see SampleUserAuthenticationHandler).
builder.Services.AddAuthentication(SampleUserAuthenticationHandler.SchemeName)
    .AddScheme<AuthenticationSchemeOptions, SampleUserAuthenticationHandler>(SampleUserAuthenticationHandler.SchemeName, null);
builder.Services.AddAuthorization();
builder.Services.AddControllers();
builder.Services.AddHostedService<NightlyReportJob>();

var app = builder.Build();

// The sample page (wwwroot/index.html and app.js, at /): it records a page view and each click in the browser, with
// Sourcegraph's recorder API, through the browser exporter mapped below, to /api/telemetry.
app.UseDefaultFiles();
app.UseStaticFiles();
app.UseAuthentication();
app.UseAuthorization();
app.MapControllers();

// Clients (the web app, editors) post their events here; the service adds the user, trace id, interaction id and
// its own version, and records them. Try it: the curl in docs/client-events.md.
app.MapTelemetryEvents("/api/telemetry").RequireAuthorization();

// The browser exporter (an ES module), which the sample page imports.
app.MapTelemetryExporterScript("/telemetry/exporter.js");

// SAMPLE ONLY: a bundle of the real @sourcegraph/telemetry, when one is given (the browser tests build one with esbuild);
// without it the page uses a minimal stand-in recorder. The repository holds no copy of the library.
if (builder.Configuration["Sample:SourcegraphTelemetryBundle"] is { Length: > 0 } bundle)
{
    app.MapGet("/vendor/sourcegraph-telemetry.js", () => Results.File(Path.GetFullPath(bundle), "text/javascript; charset=utf-8"));
}

if (developmentGateway is not null)
{
    var gateway = developmentGateway;
    app.Lifetime.ApplicationStarted.Register(() => app.Logger.LogInformation(
        "No TelemetryGateway:Endpoint configured: sending events to the in-process development gateway. See them at {EventsPage}",
        gateway.WebAddress));
    app.Lifetime.ApplicationStopped.Register(() => gateway.DisposeAsync().AsTask().GetAwaiter().GetResult());
}

await app.RunAsync();

/// <summary>The sample's entry point, public so that its tests can start it with <c>WebApplicationFactory&lt;Program&gt;</c>.</summary>
public partial class Program;
