using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace TelemetryHosting.Samples.WebApi.Tests.ClientEvents;

/// <summary>
/// Client events posted over HTTP to the sample's <c>/api/telemetry</c>, through its real telemetry recorder, to the
/// development gateway. Each test uses a feature of its own, so that they can share the sample and the gateway.
/// </summary>
public sealed class ClientEventEndToEndTests(SampleGatewayFactory factory) : IClassFixture<SampleGatewayFactory>
{
    private const string User = "0191d8a0-7c1e-7b3a-9f1e-2a6c1b9d4e5f";

    [Fact]
    public async Task Post_AuthenticatedEvent_ArrivesHydratedAtTheGateway()
    {
        var timestamp = DateTimeOffset.UtcNow.AddMinutes(-10);
        var json = $$"""
            { "events": [ { "feature": "sample.endToEnd.hydrated", "action": "clicked", "timestamp": "{{timestamp:O}}",
                            "metadata": { "position": 2 }, "client": { "name": "web", "version": "1.2.3" } } ] }
            """;

        using var response = await PostAsync(json, User, ("X-Sourcegraph-Interaction-ID", "interaction-e2e"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var received = Assert.Single(await factory.DeliveredAsync("sample.endToEnd.hydrated"));
        using var document = JsonDocument.Parse(received.Json);
        var ev = document.RootElement.GetProperty("event");
        Assert.Equal(User, ev.GetProperty("user").GetProperty("samsExternalId").GetString());
        Assert.Equal("interaction-e2e", ev.GetProperty("interaction").GetProperty("interactionId").GetString());
        Assert.Matches("^[0-9a-f]{32}$", ev.GetProperty("interaction").GetProperty("traceId").GetString());
        Assert.False(string.IsNullOrEmpty(ev.GetProperty("source").GetProperty("server").GetProperty("version").GetString()));
        Assert.Equal("web", ev.GetProperty("source").GetProperty("client").GetProperty("name").GetString());
        Assert.Equal("1.2.3", ev.GetProperty("source").GetProperty("client").GetProperty("version").GetString());
        Assert.Equal(2, received.Metadata["position"]);
        Assert.Equal(timestamp.ToUnixTimeMilliseconds(), received.Timestamp.ToUnixTimeMilliseconds());
        Assert.Equal("sample-webapi", received.ServiceId);
    }

    [Fact]
    public async Task Post_MixedBatch_GoodEventsArriveAndBadOnesAreListed()
    {
        using var response = await PostAsync(
            """
            { "events": [ { "feature": "sample.endToEnd.mixed", "action": "first" },
                          { "feature": "sample.endToEnd.mixed", "action": "Second" },
                          { "feature": "sample.endToEnd.mixed", "action": "third", "metadata": { "k": "NaN" } },
                          { "feature": "sample.endToEnd.mixed", "action": "fourth" } ] }
            """,
            User);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(2, problem.RootElement.GetProperty("accepted").GetInt32());
        Assert.Equal([1, 2], problem.RootElement.GetProperty("errors").EnumerateArray().Select(error => error.GetProperty("index").GetInt32()));
        var delivered = await factory.DeliveredAsync("sample.endToEnd.mixed");
        Assert.Equal(["first", "fourth"], delivered.Select(received => received.Action).Order());
    }

    [Fact]
    public async Task Post_SkewedTimestamp_ArrivesWithServerTimeAndFlag()
    {
        var before = DateTimeOffset.UtcNow;
        using var response = await PostAsync(
            """{ "events": [ { "feature": "sample.endToEnd.skewed", "action": "view", "timestamp": "2020-01-01T00:00:00Z" } ] }""", User);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var received = Assert.Single(await factory.DeliveredAsync("sample.endToEnd.skewed"));
        Assert.True(received.Timestamp >= before.AddSeconds(-1), $"timestamp {received.Timestamp:O} is not the server's time");
        Assert.Equal(1, received.Metadata["clientTimestampReplaced"]);
    }

    [Fact]
    public async Task Post_Unauthenticated_Returns401AndNothingArrives()
    {
        using var response = await PostAsync("""{ "events": [ { "feature": "sample.endToEnd.anonymous", "action": "view" } ] }""", user: null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(await factory.DeliveredAsync("sample.endToEnd.anonymous"));
    }

    [Fact]
    public async Task Post_OverEachLimit_RefusedAndNothingArrives()
    {
        var tooMany = JsonSerializer.Serialize(new { events = Enumerable.Range(0, 101).Select(_ => new { feature = "sample.endToEnd.limits", action = "many" }) });
        var tooLarge = $$"""{ "events": [ { "feature": "sample.endToEnd.limits", "action": "large", "privateMetadata": { "k": "{{new string('x', 300 * 1024)}}" } } ] }""";
        var tooManyEntries = JsonSerializer.Serialize(new { events = new[] { new { feature = "sample.endToEnd.limits", action = "entries", metadata = Enumerable.Range(0, 65).ToDictionary(i => $"k{i}", i => i) } } });
        var tooDeep = $$"""{ "events": [ { "feature": "sample.endToEnd.limits", "action": "deep", "privateMetadata": {{new string('[', 70)}}{{new string(']', 70)}} } ] }""";

        using var many = await PostAsync(tooMany, User);
        using var large = await PostAsync(tooLarge, User);
        using var entries = await PostAsync(tooManyEntries, User);
        using var deep = await PostAsync(tooDeep, User);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, many.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, large.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, entries.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, deep.StatusCode);
        Assert.Empty(await factory.DeliveredAsync("sample.endToEnd.limits"));
    }

    [Theory]
    [InlineData("""{ "events": [ { "feature": "sample.endToEnd.corpus", "action": "view", "metadata": { "k": "NaN" } } ] }""")]
    [InlineData("""{ "events": [ { "feature": "sample.endToEnd.corpus", "action": "view", "metadata": { "k": 1e400 } } ] }""")]
    [InlineData("""{ "events": [ { "feature": "sample.endToEnd.corpus", "action": "vïew" } ] }""")]
    [InlineData("""{ "events": [ { "feature": "sample.endToEnd.corpus", "action": "view\ud800" } ] }""")]
    [InlineData("""{ "events": [ { "feature": "sample.endToEnd.corpus", "action": 7 } ] }""")]
    [InlineData("""{ "events": [ { "feature": "sample.endToEnd.corpus", "action": "view" """)]
    public async Task Post_MalformedEvent_Answers400AndNothingArrives(string json)
    {
        using var response = await PostAsync(json, User);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await factory.DeliveredAsync("sample.endToEnd.corpus"));
    }

    private async Task<HttpResponseMessage> PostAsync(string json, string? user, params (string Name, string Value)[] headers)
    {
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/telemetry") { Content = new StringContent(json, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (user is not null)
        {
            request.Headers.Add("X-Sample-User", user);
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }

        return await client.SendAsync(request);
    }
}
