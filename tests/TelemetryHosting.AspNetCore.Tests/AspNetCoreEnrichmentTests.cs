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
using TelemetryHosting.DevGateway;

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
        private readonly WebApplication _app;
        private readonly DevelopmentGateway _gateway;
        private readonly HttpClient _client;

        private TestApp(WebApplication app, DevelopmentGateway gateway)
        {
            _app = app;
            _gateway = gateway;
            _client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        }

        public static async Task<TestApp> StartAsync(Action<TelemetryAspNetCoreOptions>? configure = null)
        {
            var gateway = await DevelopmentGateway.StartAsync();
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Services.AddAuthentication(TestUserHandler.SchemeName).AddScheme<AuthenticationSchemeOptions, TestUserHandler>(TestUserHandler.SchemeName, null);
            builder.Services.AddAuthorization();
            builder.Services
                .AddTelemetryGateway(options =>
                {
                    options.ServiceId = "aspnetcore-test";
                    options.Endpoint = gateway.Address;
                    options.FlushInterval = TimeSpan.FromMilliseconds(50);
                    options.Sams.Url = gateway.WebAddress;
                    options.Sams.ClientId = DevelopmentGatewayOptions.DefaultClientId;
                    options.Sams.ClientSecret = DevelopmentGatewayOptions.DefaultClientSecret;
                })
                .AddAspNetCoreEnrichment(configure);

            var app = builder.Build();
            app.UseAuthentication();
            app.MapGet("/record", (ITelemetryRecorder recorder) => recorder.Record("test", "view"));
            app.MapGet("/record-explicit", (ITelemetryRecorder recorder) => recorder.Record("test", "view", new TelemetryEventParameters
            {
                InteractionId = "explicit-interaction",
                User = new TelemetryEventUser { SamsExternalId = "explicit-user" },
            }));
            await app.StartAsync();
            return new TestApp(app, gateway);
        }

        public async Task GetAsync(string path, params (string Name, string Value)[] headers)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            foreach (var (name, value) in headers)
            {
                request.Headers.Add(name, value);
            }

            using var response = await _client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        public async Task<JsonElement> SingleEventAsync()
        {
            var result = await _app.Services.GetRequiredService<ITelemetryRecorder>().FlushWithinLimitAsync();
            Assert.Equal(1, result.Delivered);
            using var document = JsonDocument.Parse(Assert.Single(_gateway.Events.Snapshot()).Json);
            return document.RootElement.GetProperty("event").Clone();
        }

        public async ValueTask DisposeAsync()
        {
            _client.Dispose();
            await _app.StopAsync();
            await _app.DisposeAsync();
            await _gateway.DisposeAsync();
        }
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
