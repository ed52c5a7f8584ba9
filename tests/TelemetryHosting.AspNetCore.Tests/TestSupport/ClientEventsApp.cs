using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using TelemetryHosting.Testing;

namespace TelemetryHosting.AspNetCore.Tests.TestSupport;

/// <summary>
/// A web application on a loopback port exposing the client event endpoint at <c>/api/telemetry</c>, recording into a
/// <see cref="FakeTelemetryRecorder"/> on a <see cref="FakeTimeProvider"/> clock set to <see cref="Now"/>.
/// </summary>
public sealed class ClientEventsApp : IAsyncDisposable
{
    public const string Path = "/api/telemetry";
    public static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly WebApplication _app;

    private ClientEventsApp(WebApplication app, FakeTelemetryRecorder recorder)
    {
        _app = app;
        Recorder = recorder;
        Client = BrowserLikeClient.Create(new Uri(app.Urls.First()));
    }

    public FakeTelemetryRecorder Recorder { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>
    /// Starts the app; by default the endpoint requires authorization, the rate limit is off and request bodies are
    /// not decompressed. With <paramref name="forwardedHeaders"/>, the app runs as behind a proxy on loopback:
    /// <c>X-Forwarded-For</c> sets the remote address.
    /// </summary>
    public static async Task<ClientEventsApp> StartAsync(
        Action<TelemetryClientEventsOptions>? configure = null,
        bool requireAuthorization = true,
        bool rateLimited = false,
        bool forwardedHeaders = false,
        bool decompressRequests = false,
        Action<WebApplication>? beforeDecompression = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var timeProvider = new FakeTimeProvider(Now);
        builder.Services.AddSingleton<TimeProvider>(timeProvider);
        builder.Services.AddAuthentication(TestUserAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, TestUserAuthenticationHandler>(TestUserAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorization();
        builder.Services
            .AddTelemetryGateway(options =>
            {
                options.ServiceId = "client-events-test";
                options.Endpoint = new Uri("http://127.0.0.1:1");
            })
            .AddClientEvents(options =>
            {
                if (!rateLimited)
                {
                    options.RateLimit = null;
                }

                configure?.Invoke(options);
            });
        var recorder = builder.Services.AddFakeTelemetryRecorder(new FakeTelemetryRecorder(timeProvider));

        if (decompressRequests)
        {
            builder.Services.AddRequestDecompression();
        }

        var app = builder.Build();
        if (forwardedHeaders)
        {
            // The default known proxies are the loopback addresses, where the test's client connects from.
            app.UseForwardedHeaders(new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor });
        }

        beforeDecompression?.Invoke(app);
        if (decompressRequests)
        {
            app.UseRequestDecompression();
        }

        app.UseAuthentication();
        app.UseAuthorization();
        var endpoint = app.MapTelemetryEvents(Path);
        if (requireAuthorization)
        {
            endpoint.RequireAuthorization();
        }

        await app.StartAsync();
        return new ClientEventsApp(app, recorder);
    }

    public Task<HttpResponseMessage> PostAsync(string json, string? user = "sams-user-1", params (string Name, string Value)[] headers) =>
        PostAsync(Encoding.UTF8.GetBytes(json), user, headers);

    public Task<HttpResponseMessage> PostAsync(byte[] body, string? user = "sams-user-1", params (string Name, string Value)[] headers) =>
        PostToAsync(Path, body, user, headers);

    /// <summary>Posts to <paramref name="pathAndQuery"/> (the endpoint's path with a query string, say).</summary>
    public async Task<HttpResponseMessage> PostToAsync(string pathAndQuery, byte[] body, string? user = "sams-user-1", params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, pathAndQuery) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (user is not null)
        {
            request.Headers.Add(TestUserAuthenticationHandler.Header, user);
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }

        return await Client.SendAsync(request);
    }

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
