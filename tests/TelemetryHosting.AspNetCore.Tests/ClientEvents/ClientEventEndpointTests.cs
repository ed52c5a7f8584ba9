using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TelemetryHosting.AspNetCore.Tests.TestSupport;

namespace TelemetryHosting.AspNetCore.Tests.ClientEvents;

/// <summary>The client event endpoint over real HTTP on loopback, recording into a fake telemetry recorder.</summary>
public sealed class ClientEventEndpointTests
{
    private const string FeaturePatternMessage = "'feature' must start with a lowercase letter and contain only letters, dashes, and dots";

    [Fact]
    public async Task Post_ValidEvents_Returns202AndRecordsHydratedEvents()
    {
        await using var app = await ClientEventsApp.StartAsync();

        using var response = await app.PostAsync(
            """
            { "events": [
              { "feature": "web.search", "action": "view", "timestamp": "2025-06-01T11:00:00.000Z",
                "metadata": { "results": 3, "cached": 0 }, "client": { "name": "web", "version": "1.2.3" } },
              { "feature": "web.search", "action": "submit" }
            ] }
            """,
            headers: ("X-Sourcegraph-Interaction-ID", "interaction-7"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await ClientEventsApp.ReadJsonAsync(response);
        Assert.Equal(2, body.GetProperty("accepted").GetInt32());
        Assert.Equal(0, body.GetProperty("dropped").GetInt32());

        var view = app.Recorder.Single("web.search", "view");
        Assert.Equal("sams-user-1", view.User?.SamsExternalId);
        Assert.Equal("interaction-7", view.InteractionId);
        Assert.Equal(new DateTimeOffset(2025, 6, 1, 11, 0, 0, TimeSpan.Zero), view.Timestamp);
        Assert.Equal(3, view.Metadata["results"]);
        Assert.Equal("web", view.Client?.Name);
        Assert.Equal("1.2.3", view.Client?.Version);

        var submit = app.Recorder.Single("web.search", "submit");
        Assert.Equal(ClientEventsApp.Now, submit.Timestamp);
        Assert.Null(submit.Client);
        Assert.Equal("sams-user-1", submit.User?.SamsExternalId);
    }

    [Fact]
    public async Task Post_MixedBatch_Returns400ListingRejectedAndRecordsTheValidOnes()
    {
        await using var app = await ClientEventsApp.StartAsync();

        using var response = await app.PostAsync(
            """
            { "events": [
              { "feature": "web.search", "action": "view" },
              { "feature": "Web.search", "action": "view" },
              { "feature": "web.search", "action": "submit" },
              { "feature": "web.search" }
            ] }
            """);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await ClientEventsApp.ReadJsonAsync(response);
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        Assert.Equal(2, problem.GetProperty("accepted").GetInt32());
        var errors = problem.GetProperty("errors").EnumerateArray().ToList();
        Assert.Equal(2, errors.Count);
        Assert.Equal(1, errors[0].GetProperty("index").GetInt32());
        Assert.Equal(FeaturePatternMessage, errors[0].GetProperty("message").GetString());
        Assert.Equal(3, errors[1].GetProperty("index").GetInt32());
        Assert.Equal("'feature', 'action' must both be provided", errors[1].GetProperty("message").GetString());
        Assert.Equal(2, app.Recorder.Events.Count);
    }

    [Fact]
    public async Task Post_EmptyBatch_Returns202WithNothingAccepted()
    {
        await using var app = await ClientEventsApp.StartAsync();

        using var response = await app.PostAsync("""{ "events": [] }""");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(0, (await ClientEventsApp.ReadJsonAsync(response)).GetProperty("accepted").GetInt32());
    }

    [Fact]
    public async Task Post_RecorderRefuses_CountedAsDropped()
    {
        await using var app = await ClientEventsApp.StartAsync();
        app.Recorder.Accepting = false;

        using var response = await app.PostAsync("""{ "events": [ { "feature": "web.search", "action": "view" } ] }""");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await ClientEventsApp.ReadJsonAsync(response);
        Assert.Equal(0, body.GetProperty("accepted").GetInt32());
        Assert.Equal(1, body.GetProperty("dropped").GetInt32());
    }

    [Fact]
    public async Task Post_PrivateMetadataByDefault_IsIgnored()
    {
        await using var app = await ClientEventsApp.StartAsync();

        using var response = await app.PostAsync("""{ "events": [ { "feature": "web.search", "action": "view", "privateMetadata": { "query": "secret" } } ] }""");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Empty(app.Recorder.Single("web.search", "view").PrivateMetadata);
    }

    [Fact]
    public async Task Post_PrivateMetadataAccepted_IsRecordedWithNesting()
    {
        await using var app = await ClientEventsApp.StartAsync(options => options.AcceptPrivateMetadata = true);

        using var response = await app.PostAsync(
            """{ "events": [ { "feature": "web.search", "action": "view", "privateMetadata": { "query": "grpc", "page": 2, "exact": true, "none": null, "filters": { "lang": ["go", "cs"] } } } ] }""");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var recorded = app.Recorder.Single("web.search", "view").PrivateMetadata;
        Assert.Equal("grpc", recorded["query"]);
        Assert.Equal(2.0, recorded["page"]);
        Assert.Equal(true, recorded["exact"]);
        Assert.Null(recorded["none"]);
        var filters = Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(recorded["filters"]);
        Assert.Equal(["go", "cs"], Assert.IsAssignableFrom<IEnumerable<object?>>(filters["lang"]));
    }

    [Fact]
    public async Task Post_PrivateMetadataTooDeep_RejectsTheEvent()
    {
        await using var app = await ClientEventsApp.StartAsync(options =>
        {
            options.AcceptPrivateMetadata = true;
            options.MaxPrivateMetadataDepth = 3;
        });

        using var response = await app.PostAsync(
            """
            { "events": [ { "feature": "web.a", "action": "view", "privateMetadata": { "a": { "b": { "c": { "d": 1 } } } } },
                          { "feature": "web.b", "action": "view", "privateMetadata": { "a": { "b": [ [ 1 ] ] } } },
                          { "feature": "web.c", "action": "view", "privateMetadata": { "a": { "b": [ 1 ] } } } ] }
            """);

        var problem = await AssertRejectedAsync(response, accepted: 1);
        Assert.All(problem, error => Assert.Equal("'privateMetadata' is nested more than 3 levels deep.", error.Message));
        Assert.Equal([0, 1], problem.Select(error => error.Index));
    }

    [Fact]
    public async Task Post_TooManyEvents_Returns413AndRecordsNothing()
    {
        await using var app = await ClientEventsApp.StartAsync(options => options.MaxEventsPerRequest = 3);

        using var response = await app.PostAsync(Batch(4));

        await AssertTooLargeAsync(app, response, "The request holds more than 3 events; send at most 3 per request.");
    }

    [Fact]
    public async Task Post_AtEventLimit_IsAccepted()
    {
        await using var app = await ClientEventsApp.StartAsync(options => options.MaxEventsPerRequest = 3);

        using var response = await app.PostAsync(Batch(3));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(3, app.Recorder.Events.Count);
    }

    [Fact]
    public async Task Post_BodyOverLimitWithContentLength_Returns413()
    {
        await using var app = await ClientEventsApp.StartAsync(options => options.MaxBodyBytes = 100);

        using var response = await app.PostAsync(Batch(5));

        await AssertTooLargeAsync(app, response, BodyTooLarge);
    }

    [Fact]
    public async Task Post_ChunkedBodyOverLimit_Returns413()
    {
        await using var app = await ClientEventsApp.StartAsync(options => options.MaxBodyBytes = 100);
        using var request = new HttpRequestMessage(HttpMethod.Post, ClientEventsApp.Path)
        {
            Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(Batch(5)))),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TransferEncodingChunked = true;
        request.Headers.Add(TestUserAuthenticationHandler.Header, "sams-user-1");

        using var response = await app.Client.SendAsync(request);

        await AssertTooLargeAsync(app, response, BodyTooLarge);
    }

    private const string BodyTooLarge = "The request body is larger than 100 bytes; send fewer or smaller events per request.";

    /// <summary>A 413 with the endpoint's detail, and nothing recorded.</summary>
    private static async Task AssertTooLargeAsync(ClientEventsApp app, HttpResponseMessage response, string detail)
    {
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var problem = await ClientEventsApp.ReadJsonAsync(response);
        Assert.Equal(detail, problem.GetProperty("detail").GetString());
        Assert.Empty(app.Recorder.Events);
    }

    [Fact]
    public async Task Post_TooManyMetadataEntries_RejectsTheEvent()
    {
        await using var app = await ClientEventsApp.StartAsync(options => options.MaxMetadataEntries = 2);

        using var response = await app.PostAsync(
            """
            { "events": [ { "feature": "web.a", "action": "view", "metadata": { "a": 1, "b": 2 } },
            { "feature": "web.b", "action": "view", "metadata": { "a": 1, "b": 2, "c": 3 } } ] }
            """);

        var errors = await AssertRejectedAsync(response, accepted: 1);
        Assert.Equal((1, "'metadata' has more than 2 entries."), Assert.Single(errors));
    }

    [Fact]
    public async Task Post_TooManyPrivateMetadataValues_RejectsTheEvent()
    {
        await using var app = await ClientEventsApp.StartAsync(options =>
        {
            options.AcceptPrivateMetadata = true;
            options.MaxMetadataEntries = 3;
        });

        using var response = await app.PostAsync("""{ "events": [ { "feature": "web.a", "action": "view", "privateMetadata": { "a": [1, 2, 3] } } ] }""");

        var errors = await AssertRejectedAsync(response, accepted: 0);
        Assert.Equal((0, "'privateMetadata' has more than 3 values."), Assert.Single(errors));
    }

    [Theory]
    [InlineData("2025-06-01T12:00:00Z", false)]
    [InlineData("2025-05-31T12:00:01Z", false)] // just inside 24 h
    [InlineData("2025-06-01T12:04:59Z", false)] // just inside 5 min
    [InlineData("2025-06-01T14:04:00+02:00", false)]
    [InlineData("2025-05-31T11:59:59Z", true)] // just outside 24 h
    [InlineData("2025-06-01T12:05:01Z", true)] // just outside 5 min
    [InlineData("1970-01-01T00:00:00Z", true)]
    [InlineData("9999-12-31T23:59:59Z", true)]
    public async Task Post_ClientTimestamp_KeptOnlyInsideSkewWindow(string timestamp, bool replaced)
    {
        await using var app = await ClientEventsApp.StartAsync();

        using var response = await app.PostAsync($$"""{ "events": [ { "feature": "web.a", "action": "view", "timestamp": "{{timestamp}}", "metadata": { "n": 1 } } ] }""");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var recorded = app.Recorder.Single("web.a", "view");
        Assert.Equal(1, recorded.Metadata["n"]);
        if (replaced)
        {
            Assert.Equal(ClientEventsApp.Now, recorded.Timestamp);
            Assert.Equal(1, recorded.Metadata[TelemetryClientEventsOptions.TimestampReplacedMetadataKey]);
        }
        else
        {
            Assert.Equal(DateTimeOffset.Parse(timestamp, System.Globalization.CultureInfo.InvariantCulture), recorded.Timestamp);
            Assert.False(recorded.Metadata.ContainsKey(TelemetryClientEventsOptions.TimestampReplacedMetadataKey));
        }
    }

    [Fact]
    public async Task Post_SkewWindowConfigured_IsUsed()
    {
        await using var app = await ClientEventsApp.StartAsync(options => options.MaxTimestampAge = TimeSpan.FromMinutes(1));

        using var response = await app.PostAsync("""{ "events": [ { "feature": "web.a", "action": "view", "timestamp": "2025-06-01T11:58:00Z" } ] }""");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(ClientEventsApp.Now, app.Recorder.Single("web.a", "view").Timestamp);
    }

    [Fact]
    public async Task Post_ClientSendsTimestampReplacedKey_RejectsTheEvent()
    {
        await using var app = await ClientEventsApp.StartAsync();

        using var response = await app.PostAsync("""{ "events": [ { "feature": "web.a", "action": "view", "metadata": { "clientTimestampReplaced": 0 } } ] }""");

        var errors = await AssertRejectedAsync(response, accepted: 0);
        Assert.Equal("'metadata.clientTimestampReplaced' is set by the server; clients may not send it.", Assert.Single(errors).Message);
    }

    [Fact]
    public async Task Post_FieldsNotAccepted_AreIgnored()
    {
        await using var app = await ClientEventsApp.StartAsync(options =>
        {
            options.AcceptTimestamp = false;
            options.AcceptMetadata = false;
            options.AcceptClient = false;
        });

        using var response = await app.PostAsync(
            """{ "events": [ { "feature": "web.a", "action": "view", "timestamp": "2025-06-01T11:00:00Z", "metadata": { "n": 1 }, "client": { "name": "web" } } ] }""");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var recorded = app.Recorder.Single("web.a", "view");
        Assert.Equal(ClientEventsApp.Now, recorded.Timestamp);
        Assert.Empty(recorded.Metadata);
        Assert.Null(recorded.Client);
    }

    [Fact]
    public async Task Post_FeatureOutsideAllowedPrefixes_RejectsTheEvent()
    {
        await using var app = await ClientEventsApp.StartAsync(options =>
        {
            options.AllowedFeaturePrefixes.Add("web.");
            options.AllowedFeaturePrefixes.Add("cody.");
        });

        using var response = await app.PostAsync(
            """{ "events": [ { "feature": "web.search", "action": "view" }, { "feature": "billing.charge", "action": "succeeded" } ] }""");

        var errors = await AssertRejectedAsync(response, accepted: 1);
        Assert.Equal((1, "'feature' is not one clients may record here: it must start with 'web.' or 'cody.'."), Assert.Single(errors));
    }

    [Fact]
    public async Task Post_UnauthenticatedWithRequireAuthorization_Returns401AndRecordsNothing()
    {
        await using var app = await ClientEventsApp.StartAsync();

        using var response = await app.PostAsync(Batch(1), user: null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(app.Recorder.Events);
    }

    [Fact]
    public async Task Post_UnauthenticatedWithoutRequireAuthorization_EndpointItselfReturns401()
    {
        await using var app = await ClientEventsApp.StartAsync(requireAuthorization: false);

        using var response = await app.PostAsync(Batch(1), user: null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Recording client events requires an authenticated user.", (await ClientEventsApp.ReadJsonAsync(response)).GetProperty("detail").GetString());
        Assert.Empty(app.Recorder.Events);
    }

    [Fact]
    public async Task Post_AnonymousAllowed_RecordsWithoutUser()
    {
        await using var app = await ClientEventsApp.StartAsync(options => options.AllowAnonymous = true, requireAuthorization: false);

        using var response = await app.PostAsync(Batch(1), user: null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Null(Assert.Single(app.Recorder.Events).User);
    }

    [Fact]
    public async Task Post_OverRateLimit_Returns429WithRetryAfterPerUser()
    {
        // A bucket of 2 refilled hourly: the third request within the test is always over the limit.
        await using var app = await ClientEventsApp.StartAsync(
            options => options.RateLimit = new() { TokenLimit = 2, TokensPerPeriod = 1, ReplenishmentPeriod = TimeSpan.FromHours(1) },
            rateLimited: true);

        using var first = await app.PostAsync(Batch(1));
        using var second = await app.PostAsync(Batch(1));
        using var third = await app.PostAsync(Batch(1));
        using var otherUser = await app.PostAsync(Batch(1), user: "sams-user-2");

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.True(third.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal("application/problem+json", third.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Accepted, otherUser.StatusCode);
        Assert.Equal(3, app.Recorder.Events.Count);
    }

    [Fact]
    public async Task Post_DefaultOptions_RateLimitIsOn()
    {
        var options = new TelemetryClientEventsOptions();

        Assert.NotNull(options.RateLimit);
        Assert.Equal(20, options.RateLimit.TokenLimit);
        Assert.Equal(TimeSpan.FromSeconds(1), options.RateLimit.ReplenishmentPeriod);

        // And one user's requests in quick succession run into it. The bucket refills on the real clock (a token a
        // second), so the count accepted before the first 429 is bounded by the elapsed time, not exactly 20.
        await using var app = await ClientEventsApp.StartAsync(rateLimited: true);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var accepted = 0;
        var limited = false;
        while (!limited && accepted < 100)
        {
            using var response = await app.PostAsync(Batch(1));
            limited = response.StatusCode == HttpStatusCode.TooManyRequests;
            accepted += response.StatusCode == HttpStatusCode.Accepted ? 1 : 0;
        }

        Assert.True(limited, $"no 429 after {accepted} accepted requests");
        Assert.InRange(accepted, 20, 20 + (int)Math.Ceiling(started.Elapsed.TotalSeconds));
    }

    [Fact]
    public async Task Post_NotJson_Returns415()
    {
        await using var app = await ClientEventsApp.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, ClientEventsApp.Path) { Content = new StringContent("feature=web.a&action=view", Encoding.UTF8, "application/x-www-form-urlencoded") };
        request.Headers.Add(TestUserAuthenticationHandler.Header, "sams-user-1");

        using var response = await app.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Empty(app.Recorder.Events);
    }

    [Fact]
    public async Task Get_Returns405()
    {
        await using var app = await ClientEventsApp.StartAsync();

        using var response = await app.Client.GetAsync(new Uri(ClientEventsApp.Path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    [Fact]
    public void MapTelemetryEvents_WithoutAddClientEvents_ThrowsNamingTheFix()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        using var app = builder.Build();

        var exception = Assert.Throws<InvalidOperationException>(() => app.MapTelemetryEvents("/api/telemetry"));

        Assert.Contains("AddClientEvents()", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_InvalidOptions_FailsWithMessagesNamingThem()
    {
        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => ClientEventsApp.StartAsync(options =>
        {
            options.MaxEventsPerRequest = 0;
            options.AllowedFeaturePrefixes.Add(string.Empty);
            options.RateLimit = new() { TokenLimit = 0, TokensPerPeriod = 1, ReplenishmentPeriod = TimeSpan.FromSeconds(1) };
        }, rateLimited: true));

        Assert.Contains(nameof(TelemetryClientEventsOptions.MaxEventsPerRequest), exception.Message, StringComparison.Ordinal);
        Assert.Contains("TokenLimit must be at least 1, but is 0.", exception.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(TelemetryClientEventsOptions.AllowedFeaturePrefixes), exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddClientEvents_FromConfiguration_BindsStrictly()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ClientEvents:MaxEventsPerRequest"] = "7",
                ["ClientEvents:AllowedFeaturePrefixes:0"] = "web.",
                ["ClientEvents:RateLimit:TokenLimit"] = "5",
                ["ClientEvents:MaxEventsPerReqest"] = "8",
            })
            .Build();
        var services = new ServiceCollection();
        services.AddTelemetryGateway().AddClientEvents(configuration.GetSection("ClientEvents"));
        using var provider = services.BuildServiceProvider();

        var exception = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IOptions<TelemetryClientEventsOptions>>().Value);

        Assert.Contains("MaxEventsPerReqest", exception.Message, StringComparison.Ordinal);
    }

    internal static string Batch(int count) =>
        JsonSerializer.Serialize(new { events = Enumerable.Range(0, count).Select(i => new { feature = "web.batch", action = "view", metadata = new { i } }) });

    private static async Task<List<(int Index, string Message)>> AssertRejectedAsync(HttpResponseMessage response, int accepted)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ClientEventsApp.ReadJsonAsync(response);
        Assert.Equal(accepted, problem.GetProperty("accepted").GetInt32());
        return [.. problem.GetProperty("errors").EnumerateArray().Select(error => (error.GetProperty("index").GetInt32(), error.GetProperty("message").GetString()!))];
    }
}
