using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using TelemetryHosting.AspNetCore.Tests.TestSupport;

namespace TelemetryHosting.AspNetCore.Tests.ClientEvents;

/// <summary>
/// A client's interaction id comes from the interaction id header or the event's own <c>interactionID</c>, never from the
/// caller's W3C <c>baggage</c> header, which OpenTelemetry's ASP.NET Core instrumentation puts in <c>Baggage.Current</c>
/// (where the recorder looks when it is given none). Real recorder, real gateway.
/// </summary>
public sealed class ClientEventBaggageTests
{
    private const string Event = """{ "events": [ { "feature": "web.page", "action": "view" } ] }""";

    [Fact]
    public async Task Post_CallerBaggageNamesAnInteractionId_TheEventHasNone()
    {
        await using var app = await StartAsync();

        using var response = await PostAsync(app, ("baggage", TelemetryEventParameters.InteractionIdBaggageKey + "=forged-by-caller"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var delivered = Assert.Single(await app.DeliveredEventsAsync(expected: 1));
        Assert.Null(InteractionId(delivered));
    }

    [Fact]
    public async Task Post_CallerBaggageAndTheHeader_TheEventHasTheHeaders()
    {
        await using var app = await StartAsync();

        using var response = await PostAsync(
            app,
            ("baggage", TelemetryEventParameters.InteractionIdBaggageKey + "=forged-by-caller"),
            ("X-Sourcegraph-Interaction-ID", "from-header"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("from-header", InteractionId(Assert.Single(await app.DeliveredEventsAsync(expected: 1))));
    }

    private static Task<GatewayBackedApp> StartAsync() => GatewayBackedApp.StartAsync(
        "client-baggage-test",
        (services, telemetry) =>
        {
            services.AddOpenTelemetry().WithTracing(tracing => tracing.AddAspNetCoreInstrumentation());
            telemetry.AddClientEvents(options =>
            {
                options.AllowAnonymous = true;
                options.RateLimit = null;
                options.AnonymousRateLimit = null;
            });
        },
        app => app.MapTelemetryEvents("/api/telemetry"));

    private static async Task<HttpResponseMessage> PostAsync(GatewayBackedApp app, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/telemetry") { Content = new StringContent(Event, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }

        return await app.Client.SendAsync(request);
    }

    private static string? InteractionId(JsonElement ev) =>
        ev.TryGetProperty("interaction", out var interaction) && interaction.TryGetProperty("interactionId", out var id) ? id.GetString() : null;
}
