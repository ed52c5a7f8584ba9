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
using TelemetryHosting.AspNetCore.Tests.TestSupport;

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
        private readonly GatewayBackedApp _app;

        private BaggageApp(GatewayBackedApp app) => _app = app;

        /// <param name="propagate">The option's value; <see langword="null"/> leaves it at its default.</param>
        public static async Task<BaggageApp> StartAsync(bool? propagate) => new(await GatewayBackedApp.StartAsync(
            "baggage-test",
            (services, telemetry) =>
            {
                services.AddOpenTelemetry().WithTracing(tracing => tracing.AddAspNetCoreInstrumentation().AddHttpClientInstrumentation());
                services.AddHttpClient("downstream");
                telemetry.AddAspNetCoreEnrichment(options =>
                {
                    if (propagate is { } value)
                    {
                        options.PropagateInteractionIdInBaggage = value;
                    }
                });
            },
            app =>
            {
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
            }));

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

            using var response = await _app.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return document.RootElement.Clone();
        }

        public Task<JsonElement[]> EventsAsync(int expected) => _app.DeliveredEventsAsync(expected);

        public ValueTask DisposeAsync() => _app.DisposeAsync();
    }

    private sealed record BaggageSeen(string? OpenTelemetry, string? Activity, string? Baggage);
}
