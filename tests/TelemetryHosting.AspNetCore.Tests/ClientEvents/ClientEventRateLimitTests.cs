using System.Net;
using TelemetryHosting.AspNetCore.Tests.TestSupport;

namespace TelemetryHosting.AspNetCore.Tests.ClientEvents;

/// <summary>
/// The rate limit of anonymous callers, behind a proxy on loopback (forwarded headers middleware) so that each request
/// can come from an address of the test's choosing.
/// </summary>
public sealed class ClientEventRateLimitTests
{
    private const string ForwardedFor = "X-Forwarded-For";

    [Fact]
    public async Task Post_AnonymousIPv6AddressesInOne64_ShareOneBucket()
    {
        await using var app = await StartAnonymousAsync(options => options.RateLimit = HourlyBucket(2));

        using var first = await PostFromAsync(app, "2001:db8:1:2::1");
        using var second = await PostFromAsync(app, "2001:db8:1:2::2");
        using var third = await PostFromAsync(app, "2001:db8:1:2:ffff:ffff:ffff:ffff");
        using var otherNetwork = await PostFromAsync(app, "2001:db8:1:3::1");

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, otherNetwork.StatusCode);
    }

    [Fact]
    public async Task Post_AnonymousIPv4Addresses_EachHasItsOwnBucket()
    {
        await using var app = await StartAnonymousAsync(options => options.RateLimit = HourlyBucket(1));

        using var first = await PostFromAsync(app, "192.0.2.1");
        using var neighbour = await PostFromAsync(app, "192.0.2.2");
        using var again = await PostFromAsync(app, "192.0.2.1");

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, neighbour.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, again.StatusCode);
    }

    [Fact]
    public async Task Post_AnonymousOverOverallCap_Returns429EvenFromNewAddresses_UsersUnaffected()
    {
        await using var app = await StartAnonymousAsync(options => options.AnonymousRateLimit = HourlyBucket(2));

        using var first = await PostFromAsync(app, "192.0.2.1");
        using var second = await PostFromAsync(app, "198.51.100.1");
        using var third = await PostFromAsync(app, "203.0.113.1");
        using var user = await app.PostAsync(ClientEventEndpointTests.Batch(1), headers: (ForwardedFor, "203.0.113.1"));

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.True(third.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal(HttpStatusCode.Accepted, user.StatusCode);
    }

    [Fact]
    public void AnonymousRateLimit_Default_IsDocumentedCap()
    {
        var options = new TelemetryClientEventsOptions();

        Assert.NotNull(options.AnonymousRateLimit);
        Assert.Equal(200, options.AnonymousRateLimit.TokenLimit);
        Assert.Equal(100, options.AnonymousRateLimit.TokensPerPeriod);
        Assert.Equal(TimeSpan.FromSeconds(1), options.AnonymousRateLimit.ReplenishmentPeriod);
        Assert.Equal(0, options.AnonymousRateLimit.QueueLimit);
    }

    private static System.Threading.RateLimiting.TokenBucketRateLimiterOptions HourlyBucket(int tokens) =>
        new() { TokenLimit = tokens, TokensPerPeriod = 1, ReplenishmentPeriod = TimeSpan.FromHours(1) };

    private static Task<ClientEventsApp> StartAnonymousAsync(Action<TelemetryClientEventsOptions> configure) =>
        ClientEventsApp.StartAsync(
            options =>
            {
                options.AllowAnonymous = true;
                configure(options);
            },
            requireAuthorization: false,
            rateLimited: true,
            forwardedHeaders: true);

    private static Task<HttpResponseMessage> PostFromAsync(ClientEventsApp app, string address) =>
        app.PostAsync(ClientEventEndpointTests.Batch(1), user: null, (ForwardedFor, address));
}
