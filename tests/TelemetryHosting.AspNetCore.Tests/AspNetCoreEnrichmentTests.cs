using System.Net;
using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TelemetryHosting.AspNetCore.Tests.TestSupport;

namespace TelemetryHosting.AspNetCore.Tests;

/// <summary>A real web application on a loopback port, recording events during requests, delivered to the development gateway.</summary>
public sealed class AspNetCoreEnrichmentTests
{
    private const string InteractionHeader = "X-Sourcegraph-Interaction-ID";

    [Fact]
    public async Task Request_WithHeaderAndAuthenticatedUser_EventCarriesBoth()
    {
        await using var app = await TestApp.StartAsync();

        await app.GetAsync("/record", ("X-Test-User", "sams-user-123"), (InteractionHeader, "interaction-abc"));

        var received = await app.SingleEventAsync();
        Assert.Equal("interaction-abc", received.GetProperty("interaction").GetProperty("interactionId").GetString());
        Assert.Equal("sams-user-123", received.GetProperty("user").GetProperty("samsExternalId").GetString());
    }

    [Fact]
    public async Task Request_WithoutHeaderOrUser_EventCarriesNeither()
    {
        await using var app = await TestApp.StartAsync();

        await app.GetAsync("/record");

        var received = await app.SingleEventAsync();
        Assert.False(received.TryGetProperty("user", out _));
        Assert.False(received.TryGetProperty("interaction", out var interaction) && interaction.TryGetProperty("interactionId", out _));
    }

    [Fact]
    public async Task Request_HeaderTooLong_EventCarriesNoInteractionId()
    {
        await using var app = await TestApp.StartAsync();

        await app.GetAsync("/record", (InteractionHeader, new string('a', 8_000)));

        var received = await app.SingleEventAsync();
        Assert.False(received.TryGetProperty("interaction", out var interaction) && interaction.TryGetProperty("interactionId", out _));
    }

    [Fact]
    public async Task Request_ExplicitParameters_WinOverEnrichment()
    {
        await using var app = await TestApp.StartAsync();

        await app.GetAsync("/record-explicit", ("X-Test-User", "sams-user-123"), (InteractionHeader, "interaction-abc"));

        var received = await app.SingleEventAsync();
        Assert.Equal("explicit-interaction", received.GetProperty("interaction").GetProperty("interactionId").GetString());
        Assert.Equal("explicit-user", received.GetProperty("user").GetProperty("samsExternalId").GetString());
    }

    [Fact]
    public async Task Request_ConfiguredClaimType_IsUsed()
    {
        await using var app = await TestApp.StartAsync(options => options.SamsExternalIdClaimType = "sams_id");

        await app.GetAsync("/record", ("X-Test-User", "sams-user-123"));

        var received = await app.SingleEventAsync();
        Assert.Equal("sams-user-123-via-sams_id", received.GetProperty("user").GetProperty("samsExternalId").GetString());
    }

    private sealed class TestApp : IAsyncDisposable
    {
        private readonly GatewayBackedApp _app;

        private TestApp(GatewayBackedApp app) => _app = app;

        public static async Task<TestApp> StartAsync(Action<TelemetryAspNetCoreOptions>? configure = null) => new(await GatewayBackedApp.StartAsync(
            "aspnetcore-test",
            (services, telemetry) =>
            {
                services.AddAuthentication(TestUserHandler.SchemeName).AddScheme<AuthenticationSchemeOptions, TestUserHandler>(TestUserHandler.SchemeName, null);
                services.AddAuthorization();
                telemetry.AddAspNetCoreEnrichment(configure);
            },
            app =>
            {
                app.UseAuthentication();
                app.MapGet("/record", (ITelemetryRecorder recorder) => recorder.Record("test", "view"));
                app.MapGet("/record-explicit", (ITelemetryRecorder recorder) => recorder.Record("test", "view", new TelemetryEventParameters
                {
                    InteractionId = "explicit-interaction",
                    User = new TelemetryEventUser { SamsExternalId = "explicit-user" },
                }));
            }));

        public async Task GetAsync(string path, params (string Name, string Value)[] headers)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            foreach (var (name, value) in headers)
            {
                request.Headers.Add(name, value);
            }

            using var response = await _app.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        public async Task<JsonElement> SingleEventAsync() => Assert.Single(await _app.DeliveredEventsAsync(1));

        public ValueTask DisposeAsync() => _app.DisposeAsync();
    }

    /// <summary>Authenticates the user named in the X-Test-User header, with both a sub and a custom claim.</summary>
    private sealed class TestUserHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        public const string SchemeName = "TestUser";

        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            if (!Request.Headers.TryGetValue("X-Test-User", out var user))
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }

            var identity = new ClaimsIdentity([new Claim("sub", user!), new Claim("sams_id", user + "-via-sams_id")], SchemeName);
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
        }
    }
}
