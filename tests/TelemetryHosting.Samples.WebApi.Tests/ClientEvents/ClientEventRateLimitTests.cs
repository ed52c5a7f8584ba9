using System.Net;
using System.Text;

namespace TelemetryHosting.Samples.WebApi.Tests.ClientEvents;

public sealed class ClientEventRateLimitTests(RateLimitedSampleGatewayFactory factory) : IClassFixture<RateLimitedSampleGatewayFactory>
{
    [Fact]
    public async Task Post_OverTheUsersRateLimit_Returns429WithRetryAfter()
    {
        using var client = factory.CreateClient();
        var statuses = new List<HttpStatusCode>();
        TimeSpan? retryAfter = null;
        for (var i = 0; i < 3; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/telemetry")
            {
                Content = new StringContent("""{ "events": [ { "feature": "sample.endToEnd.limited", "action": "view" } ] }""", Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("X-Sample-User", "rate-limited-user");
            using var response = await client.SendAsync(request);
            statuses.Add(response.StatusCode);
            retryAfter ??= response.Headers.RetryAfter?.Delta;
        }

        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.TooManyRequests], statuses);
        Assert.True(retryAfter > TimeSpan.Zero);
        Assert.Equal(2, (await factory.DeliveredAsync("sample.endToEnd.limited")).Count);
    }
}
