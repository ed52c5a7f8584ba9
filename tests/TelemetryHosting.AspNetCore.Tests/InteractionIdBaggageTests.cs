using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Trace;
using TelemetryHosting.DevGateway;

namespace TelemetryHosting.AspNetCore.Tests;

/// <summary>
/// <see cref="TelemetryAspNetCoreOptions.PropagateInteractionIdInBaggage"/>, end to end: a real web application with the
/// OpenTelemetry SDK (ASP.NET Core and HttpClient instrumentation) calls itself over loopback; the downstream request has
/// no interaction id header, so its event's interaction id can only come from the baggage the upstream request sent.
/// </summary>
public sealed class InteractionIdBaggageTests
{
    private const string InteractionHeader = "X-Sourcegraph-Interaction-ID";

    [Fact]
    public async Task OptionOn_RequestWithHeader_BaggageSetDuringRequest()
    {
        await using var app = await BaggageApp.StartAsync(propagate: true);

        var seen = await app.GetJsonAsync("/baggage", "interaction-42");

        Assert.Equal("interaction-42", seen.GetProperty("openTelemetry").GetString());
        Assert.Equal("interaction-42", seen.GetProperty("activity").GetString());
    }

    [Fact]
    public async Task OptionOn_OutgoingCall_DownstreamEventCarriesInteractionIdFromBaggage()
    {
        await using var app = await BaggageApp.StartAsync(propagate: true);

        var downstream = await app.GetJsonAsync("/upstream", "interaction-42");

        Assert.Contains(TelemetryEventParameters.InteractionIdBaggageKey + "=interaction-42", downstream.GetProperty("baggage").GetString(), StringComparison.Ordinal);
        var events = await app.EventsAsync(2);
        Assert.All(events, e => Assert.Equal("interaction-42", InteractionId(e)));
    }

    [Fact]
    public async Task OptionOn_HeaderAndCallerBaggageDiffer_HeaderWins()
    {
        await using var app = await BaggageApp.StartAsync(propagate: true);

        var seen = await app.GetJsonAsync("/baggage", "interaction-42", baggage: TelemetryEventParameters.InteractionIdBaggageKey + "=from-caller");

        Assert.Equal("interaction-42", seen.GetProperty("openTelemetry").GetString());
        Assert.Equal("interaction-42", seen.GetProperty("activity").GetString());
    }

    [Fact]
    public async Task OptionNotSet_OutgoingCall_CarriesNoInteractionId()
    {
        await using var app = await BaggageApp.StartAsync(propagate: null);

        var downstream = await app.GetJsonAsync("/upstream", "interaction-42");

        Assert.DoesNotContain(TelemetryEventParameters.InteractionIdBaggageKey, downstream.GetProperty("baggage").GetString() ?? string.Empty, StringComparison.Ordinal);
        var events = await app.EventsAsync(2);
        Assert.Equal(["interaction-42", null], events.Select(InteractionId).OrderBy(id => id is null));
    }

    [Fact]
    public async Task OptionOn_HeaderFailingTheRule_NothingPutInBaggage()
    {
        await using var app = await BaggageApp.StartAsync(propagate: true);

        var seen = await app.GetJsonAsync("/baggage", "has spaces; and=more");

        Assert.Equal(JsonValueKind.Null, seen.GetProperty("openTelemetry").ValueKind);
        Assert.Equal(JsonValueKind.Null, seen.GetProperty("activity").ValueKind);
    }

    [Fact]
    public async Task OptionOn_HeaderFailingTheRule_CallerBaggageNotOverwritten()
    {
        await using var app = await BaggageApp.StartAsync(propagate: true);

        var seen = await app.GetJsonAsync("/baggage", "has spaces; and=more", baggage: TelemetryEventParameters.InteractionIdBaggageKey + "=from-caller");

        Assert.Equal("from-caller", seen.GetProperty("openTelemetry").GetString());
    }

    [Fact]
    public async Task OptionOn_RequestWithoutHeader_BaggageFromCallerKept()
    {
        await using var app = await BaggageApp.StartAsync(propagate: true);

        var seen = await app.GetJsonAsync("/baggage", interactionId: null, baggage: TelemetryEventParameters.InteractionIdBaggageKey + "=from-caller");

        Assert.Equal("from-caller", seen.GetProperty("openTelemetry").GetString());
    }

    private static string? InteractionId(JsonElement ev) =>
        ev.TryGetProperty("interaction", out var interaction) && interaction.TryGetProperty("interactionId", out var id) ? id.GetString() : null;

    private sealed class BaggageApp : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly DevelopmentGateway _gateway;
        private readonly HttpClient _client;

        private BaggageApp(WebApplication app, DevelopmentGateway gateway)
        {
            _app = app;
            _gateway = gateway;
            _client = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromSeconds(30) };
        }

        /// <param name="propagate">The option's value; <see langword="null"/> leaves it at its default.</param>
        public static async Task<BaggageApp> StartAsync(bool? propagate)
        {
            var gateway = await DevelopmentGateway.StartAsync();
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing.AddAspNetCoreInstrumentation().AddHttpClientInstrumentation());
            builder.Services.AddHttpClient("downstream");
            builder.Services
                .AddTelemetryGateway(options =>
                {
                    options.ServiceId = "baggage-test";
                    options.Endpoint = gateway.Address;
                    options.Sams.Url = gateway.WebAddress;
                    options.Sams.ClientId = DevelopmentGatewayOptions.DefaultClientId;
                    options.Sams.ClientSecret = DevelopmentGatewayOptions.DefaultClientSecret;
                })
                .AddAspNetCoreEnrichment(options =>
                {
                    if (propagate is { } value)
                    {
                        options.PropagateInteractionIdInBaggage = value;
                    }
                });

            var app = builder.Build();
            app.MapGet("/baggage", () => Results.Json(new BaggageSeen(
                Baggage.GetBaggage(TelemetryEventParameters.InteractionIdBaggageKey),
                Activity.Current?.GetBaggageItem(TelemetryEventParameters.InteractionIdBaggageKey),
                null)));
            app.MapGet("/upstream", async (HttpContext context, ITelemetryRecorder recorder, IHttpClientFactory factory) =>
            {
                recorder.Record("upstream", "called");
                using var client = factory.CreateClient("downstream");
                var self = new Uri(context.Request.Scheme + "://" + context.Request.Host + "/downstream");
                return Results.Text(await client.GetStringAsync(self), "application/json");
            });
            app.MapGet("/downstream", (HttpContext context, ITelemetryRecorder recorder) =>
            {
                recorder.Record("downstream", "called");
                return Results.Json(new BaggageSeen(null, null, context.Request.Headers["baggage"].ToString()));
            });
            await app.StartAsync();
            return new BaggageApp(app, gateway);
        }

        public async Task<JsonElement> GetJsonAsync(string path, string? interactionId, string? baggage = null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (interactionId is not null)
            {
                request.Headers.Add(InteractionHeader, interactionId);
            }

            if (baggage is not null)
            {
                request.Headers.Add("baggage", baggage);
            }

            using var response = await _client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return document.RootElement.Clone();
        }

        public async Task<JsonElement[]> EventsAsync(int expected)
        {
            var result = await _app.Services.GetRequiredService<ITelemetryRecorder>().FlushWithinLimitAsync();
            Assert.Equal(expected, result.Delivered);
            return [.. _gateway.Events.Snapshot().Select(received =>
            {
                using var document = JsonDocument.Parse(received.Json);
                return document.RootElement.GetProperty("event").Clone();
            })];
        }

        public async ValueTask DisposeAsync()
        {
            _client.Dispose();
            await _app.StopAsync();
            await _app.DisposeAsync();
            await _gateway.DisposeAsync();
        }
    }

    private sealed record BaggageSeen(string? OpenTelemetry, string? Activity, string? Baggage);
}
