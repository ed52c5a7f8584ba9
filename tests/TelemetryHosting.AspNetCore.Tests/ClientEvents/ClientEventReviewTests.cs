using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using System.Text;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using TelemetryHosting.AspNetCore.Tests.ClientEvents;
using TelemetryHosting.AspNetCore.Tests.TestSupport;
using TelemetryHosting.Shared;

namespace TelemetryHosting.AspNetCore.Tests.ClientEvents;

/// <summary>Review findings (review3): each test fails on the reviewed commit.</summary>
public sealed class ClientEventReviewTests
{
    private const string Header = "X-Sourcegraph-Interaction-ID";

    /// <summary>
    /// With the real recorder and AddAspNetCoreEnrichment, the endpoint's Find() counts the bad header once, then the
    /// enricher calls Find() again for every event (the endpoint passed InteractionId = null): 1 + N per request.
    /// </summary>
    [Fact]
    public async Task Post_InvalidInteractionIdWithEnrichment_IsCountedOncePerRequest()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services
            .AddTelemetryGateway(options =>
            {
                options.ServiceId = "review3";
                options.Endpoint = new Uri("http://127.0.0.1:1");
            })
            .AddAspNetCoreEnrichment()
            .AddClientEvents(options =>
            {
                options.AllowAnonymous = true;
                options.RateLimit = null;
                options.AnonymousRateLimit = null;
            });
        await using var app = builder.Build();
        app.MapTelemetryEvents("/api/telemetry");
        await app.StartAsync();
        using var ignored = new MetricCollector<long>(
            app.Services.GetRequiredService<IMeterFactory>(), TelemetryHostingInstruments.MeterName, TelemetryHostingInstruments.InteractionIdIgnored);
        using var client = BrowserLikeClient.Create(new Uri(app.Urls.First()));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/telemetry")
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(ClientEventEndpointTests.Batch(3))),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add(Header, "<script>");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(1, ignored.GetMeasurementSnapshot().Sum(m => m.Value));
        await app.StopAsync();
    }

    /// <summary>
    /// PartitionedRateLimiter.CreateChained does not dispose the limiters it chains: ClientEventRateLimiter.Dispose
    /// leaves both partitioned limiters (and their 100 ms cleanup timers) alive with both buckets configured.
    /// </summary>
    [Fact]
    public void RateLimiter_Dispose_DisposesTheChainedLimiters()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddTelemetryGateway(options =>
        {
            options.ServiceId = "review3";
            options.Endpoint = new Uri("http://127.0.0.1:1");
        }).AddClientEvents(options => options.AllowAnonymous = true);
        var type = typeof(TelemetryClientEventsOptions).Assembly.GetType("TelemetryHosting.AspNetCore.Internal.ClientEventRateLimiter", throwOnError: true)!;
        PartitionedRateLimiter<string>[] inner;
        using (var provider = services.BuildServiceProvider())
        {
            var limiter = provider.GetRequiredService(type);
            var chained = type.GetField("_limiter", BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(limiter)!;
            inner = (PartitionedRateLimiter<string>[])chained.GetType().GetField("_limiters", BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(chained)!;
            Assert.Equal(2, inner.Length);
        }

        Assert.All(inner, limiter => Assert.Throws<ObjectDisposedException>(() => limiter.AttemptAcquire("ip:192.0.2.1")));
    }
}
