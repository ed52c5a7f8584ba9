using System.Net;
using System.Text;
using System.Text.Json;
using TelemetryHosting.AspNetCore.Tests.TestSupport;

namespace TelemetryHosting.AspNetCore.Tests.ClientEvents;

/// <summary>
/// Events in the shape of Sourcegraph's <c>TelemetryEventInput</c>, as <c>@sourcegraph/telemetry</c> 0.18.0 builds them,
/// in a batch and in the GraphQL request of Sourcegraph's exporters. (The real library drives the endpoint in the
/// sample's tests; these pin the mapping field by field.)
/// </summary>
public sealed class ClientEventInputTests
{
    private const string Mutation = "mutation ExportTelemetryEvents($events: [TelemetryEventInput!]!) { telemetry { recordEvents(events: $events) { alwaysNil } } }";

    // What the library's recorder builds, with its billing, timestamp and marketing tracking processors.
    private const string LibraryEvent = """
        { "feature": "cody.chat", "action": "submit",
          "source": { "client": "vscode", "clientVersion": "1.20.0" },
          "parameters": { "version": 2, "interactionID": "abc-123",
            "metadata": [ { "key": "tokens", "value": 12 }, { "key": "cached", "value": 0 }, { "key": "tokens", "value": 13.5 } ],
            "privateMetadata": { "model": "gpt", "nested": { "ok": true } },
            "billingMetadata": { "product": "cody", "category": "core" } },
          "marketingTracking": { "url": "https://example.com/a", "firstSourceURL": "https://example.com/first", "cohortID": "c1",
            "referrer": "https://ref.example", "lastSourceURL": "https://example.com/last", "deviceSessionID": "d1",
            "sessionReferrer": "https://sref.example", "sessionFirstURL": "https://example.com/sfirst" },
          "timestamp": "2025-06-01T11:59:00.000Z" }
        """;

    [Fact]
    public async Task Post_TelemetryEventInput_MapsEveryFieldAsSourcegraphDoes()
    {
        await using var app = await ClientEventsApp.StartAsync(options =>
        {
            options.AcceptPrivateMetadata = true;
            options.AcceptMarketingTracking = true;
        });

        using var response = await app.PostAsync($$"""{ "events": [ {{LibraryEvent}} ] }""", headers: ("X-Sourcegraph-Interaction-ID", "from-header"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var recorded = Assert.Single(app.Recorder.Events);
        Assert.Equal(("cody.chat", "submit", 2), (recorded.Feature, recorded.Action, recorded.Version));
        Assert.Equal(("vscode", "1.20.0"), (recorded.Client!.Name, recorded.Client.Version));
        Assert.Equal(new DateTimeOffset(2025, 6, 1, 11, 59, 0, TimeSpan.Zero), recorded.Timestamp);

        // A repeated key: the last one wins. The event's own interaction id overrides the header's.
        Assert.Equal(new Dictionary<string, double> { ["tokens"] = 13.5, ["cached"] = 0 }, recorded.Metadata);
        Assert.Equal("abc-123", recorded.InteractionId);
        Assert.Equal("gpt", recorded.PrivateMetadata["model"]);
        Assert.Equal(("cody", "core"), (recorded.Billing!.Product, recorded.Billing.Category));
        Assert.Equal("sams-user-1", recorded.User!.SamsExternalId);
        var tracking = recorded.MarketingTracking!;
        Assert.Equal(
            "https://example.com/a https://example.com/first c1 https://ref.example https://example.com/last d1 https://sref.example https://example.com/sfirst",
            string.Join(' ', tracking.Url, tracking.FirstSourceUrl, tracking.CohortId, tracking.Referrer, tracking.LastSourceUrl, tracking.DeviceSessionId, tracking.SessionReferrer, tracking.SessionFirstUrl));
    }

    [Fact]
    public async Task Post_TelemetryEventInput_MarketingTrackingAndPrivateMetadataIgnoredByDefault()
    {
        await using var app = await ClientEventsApp.StartAsync();

        using var response = await app.PostAsync($$"""{ "events": [ {{LibraryEvent}} ] }""");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var recorded = Assert.Single(app.Recorder.Events);
        Assert.Null(recorded.MarketingTracking);
        Assert.Empty(recorded.PrivateMetadata);
        Assert.NotNull(recorded.Billing);
    }

    [Fact]
    public async Task Post_WebClientEventWithoutInteractionIdOrTimestamp_TakesTheHeaderAndTheServersTime()
    {
        await using var app = await ClientEventsApp.StartAsync();

        // As the web app sends them: no timestamp processor, no interactionID, only a version.
        using var response = await app.PostAsync(
            """{ "events": [ { "feature": "web.page", "action": "view", "source": { "client": "web" }, "parameters": { "version": 0 } } ] }""",
            headers: ("X-Sourcegraph-Interaction-ID", "from-header"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var recorded = Assert.Single(app.Recorder.Events);
        Assert.Equal(("web", null), (recorded.Client!.Name, recorded.Client.Version));
        Assert.Equal(("from-header", ClientEventsApp.Now), (recorded.InteractionId, recorded.Timestamp));
        Assert.Empty(recorded.Metadata);
    }

    [Theory]
    [InlineData("\"text\"", "\"text\"")]
    [InlineData("[1, \"two\"]", "[1,\"two\"]")]
    [InlineData("42", "42")]
    public async Task Post_PrivateMetadataThatIsNotAnObject_IsWrappedAsValue(string json, string expected)
    {
        await using var app = await ClientEventsApp.StartAsync(options => options.AcceptPrivateMetadata = true);

        using var response = await app.PostAsync(
            $$"""{ "events": [ { "feature": "web.a", "action": "bb", "source": { "client": "web" }, "parameters": { "version": 0, "privateMetadata": {{json}} } } ] }""");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var value = Assert.Single(Assert.Single(app.Recorder.Events).PrivateMetadata);
        Assert.Equal("value", value.Key);
        Assert.Equal(expected, JsonSerializer.Serialize(value.Value).Replace(".0", string.Empty, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Post_BothShapesInOneBatch_EachReadInItsOwnShape()
    {
        await using var app = await ClientEventsApp.StartAsync();

        using var response = await app.PostAsync(
            """
            { "events": [
              { "feature": "web.a", "action": "compact", "metadata": { "n": 1 }, "client": { "name": "web" } },
              { "feature": "web.a", "action": "input", "source": { "client": "web" }, "parameters": { "version": 1, "metadata": [ { "key": "n", "value": 2 } ] } }
            ] }
            """);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal([1d, 2d], app.Recorder.Events.Select(e => e.Metadata["n"]));
    }

    [Theory]
    [InlineData("""{ "feature": "web.a", "action": "bb", "source": { "client": "web" }, "parameters": { "version": 0, "metadata": [ { "key": "k", "value": "x" } ] } }""", "metadata \"k\" has invalid value type string")]
    [InlineData("""{ "feature": "web.a", "action": "bb", "source": { "client": "web" }, "parameters": { "version": 0, "metadata": [ { "key": "k", "value": true } ] } }""", "metadata \"k\" has invalid value type boolean")]
    [InlineData("""{ "feature": "web.a", "action": "bb", "source": { "client": "web" }, "parameters": { "version": 0, "metadata": [ { "key": "k" } ] } }""", "'parameters.metadata' entries must be objects { \"key\": \"name\", \"value\": 1 }.")]
    [InlineData("""{ "feature": "web.a", "action": "bb", "source": { "client": "web" }, "parameters": { "version": 0, "interactionID": "a b" } }""", "'parameters.interactionID' must be at most 128 ASCII letters, digits and '-_.:'.")]
    [InlineData("""{ "feature": "web.a", "action": "bb", "parameters": { "version": 0 } }""", "'source' must be an object { \"client\": \"web\", \"clientVersion\": \"1.2.3\" } with a client.")]
    [InlineData("""{ "feature": "web.a", "action": "bb", "source": { "client": "web" }, "parameters": { } }""", "'parameters' must be an object with an integer 'version', for example { \"version\": 0 }.")]
    [InlineData("""{ "feature": "web.a", "action": "bb", "source": { "client": "web" }, "parameters": { "version": 1.5 } }""", "'parameters.version' must be an integer.")]
    [InlineData("""{ "feature": "web.a", "action": "bb", "source": { "client": "web" }, "parameters": { "version": 0, "billingMetadata": { "product": "cody" } } }""", "'parameters.billingMetadata' must be an object { \"product\": \"...\", \"category\": \"...\" } with both.")]
    [InlineData("""{ "feature": "web.a", "action": "bb", "source": { "client": "web", "os": "linux" }, "parameters": { "version": 0 } }""", "Unknown property 'source.os'; " + "a TelemetryEventInput has 'feature', 'action', 'source' { client, clientVersion }, 'parameters' { version, interactionID, metadata, privateMetadata, billingMetadata }, 'marketingTracking' and 'timestamp'.")]
    [InlineData("""{ "feature": "Web", "action": "bb", "source": { "client": "web" }, "parameters": { "version": 0 } }""", "'feature' must start with a lowercase letter and contain only letters, dashes, and dots")]
    public async Task Post_InvalidTelemetryEventInput_RejectedAloneWithItsMessage(string json, string message)
    {
        await using var app = await ClientEventsApp.StartAsync();

        using var response = await app.PostAsync($$"""{ "events": [ {{json}}, { "feature": "web.ok", "action": "bb", "source": { "client": "web" }, "parameters": { "version": 0 } } ] }""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = Assert.Single((await ClientEventsApp.ReadJsonAsync(response)).GetProperty("errors").EnumerateArray());
        Assert.Equal(0, error.GetProperty("index").GetInt32());
        Assert.Equal(message, error.GetProperty("message").GetString());
        Assert.Equal("web.ok", Assert.Single(app.Recorder.Events).Feature);
    }

    [Theory]
    [InlineData("/api/telemetry", Mutation, "ExportTelemetryEvents")]
    [InlineData("/api/telemetry?RecordTelemetryEvents", "mutation RecordTelemetryEvents($events: [TelemetryEventInput!]!) {\n  telemetry {\n    recordEvents(events: $events) {\n      alwaysNil\n    }\n  }\n}", null)]
    public async Task Post_GraphQLRequestOfSourcegraphsExporters_RecordsAndAnswersInGraphQLsShape(string path, string query, string? operationName)
    {
        await using var app = await ClientEventsApp.StartAsync();
        var body = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["query"] = query,
            ["variables"] = new Dictionary<string, object> { ["events"] = new[] { JsonDocument.Parse(LibraryEvent).RootElement } },
            ["operationName"] = operationName,
        });

        using var response = await app.PostToAsync(path, Encoding.UTF8.GetBytes(body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(
            """{"data":{"telemetry":{"recordEvents":{"alwaysNil":null}}},"extensions":{"accepted":1,"dropped":0}}""",
            await response.Content.ReadAsStringAsync());
        Assert.Equal("cody.chat", Assert.Single(app.Recorder.Events).Feature);
    }

    [Fact]
    public async Task Post_GraphQLWithTypeNames_AnswersThem()
    {
        await using var app = await ClientEventsApp.StartAsync();

        using var response = await app.PostAsync(
            """{ "query": "mutation ExportTelemetryEvents($events: [TelemetryEventInput!]!) { telemetry { recordEvents(events: $events) { alwaysNil __typename } __typename } }", "variables": { "events": [] } }""");

        Assert.Equal(
            """{"data":{"telemetry":{"__typename":"TelemetryMutation","recordEvents":{"__typename":"EmptyResponse","alwaysNil":null}}},"extensions":{"accepted":0,"dropped":0}}""",
            await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Post_GraphQLWithARejectedEvent_RecordsTheOthersAndNamesItInErrors()
    {
        await using var app = await ClientEventsApp.StartAsync();

        using var response = await app.PostAsync(
            $$"""{ "query": "{{Mutation}}", "variables": { "events": [ { "feature": "Bad", "action": "bb", "source": { "client": "web" }, "parameters": { "version": 0 } }, {{LibraryEvent}} ] } }""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await ClientEventsApp.ReadJsonAsync(response);
        var error = Assert.Single(answer.GetProperty("errors").EnumerateArray());
        Assert.Equal(0, error.GetProperty("extensions").GetProperty("index").GetInt32());
        Assert.StartsWith("events[0]: 'feature' must start with a lowercase letter", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, answer.GetProperty("data").GetProperty("telemetry").GetProperty("recordEvents").GetProperty("alwaysNil").ValueKind);
        Assert.Equal("cody.chat", Assert.Single(app.Recorder.Events).Feature);
    }

    [Theory]
    [InlineData("""{ "query": "query { currentUser { username } }", "variables": { "events": [] } }""", "The GraphQL request must be Sourcegraph's telemetry mutation")]
    [InlineData("""{ "query": "mutation Other($events: [TelemetryEventInput!]!) { telemetry { recordEvents(events: $events) { alwaysNil } } }", "variables": { "events": [] } }""", "The GraphQL operation must be named")]
    [InlineData("""{ "query": "mutation ExportTelemetryEvents($events: [TelemetryEventInput!]!) { telemetry { recordEvents(events: $events) { alwaysNil } } }", "variables": { "events": [] }, "operationName": "Other" }""", "'operationName' names an operation the query does not have")]
    [InlineData("""{ "query": "mutation ExportTelemetryEvents($events: [TelemetryEventInput!]!) { telemetry { recordEvents(events: $events) { alwaysNil } }", "variables": { "events": [] } }""", "The GraphQL request must be Sourcegraph's telemetry mutation")]
    [InlineData("""{ "query": "mutation ExportTelemetryEvents($events: [TelemetryEventInput!]!) { telemetry { recordEvents(events: $events) { alwaysNil } } } query X { a }", "variables": { "events": [] } }""", "The GraphQL request must be Sourcegraph's telemetry mutation")]
    [InlineData("""{ "query": "mutation ExportTelemetryEvents($events: [TelemetryEventInput!]!) { telemetry { recordEvents(events: $events) { alwaysNil } } }" }""", "The GraphQL request has no 'variables' with 'events'.")]
    [InlineData("""{ "query": "mutation ExportTelemetryEvents($events: [TelemetryEventInput!]!) { telemetry { recordEvents(events: $events) { alwaysNil } } }", "variables": { "events": [], "other": 1 } }""", "'variables' has an unknown variable 'other'")]
    [InlineData("""{ "query": "mutation ExportTelemetryEvents($events: [TelemetryEventInput!]!) { telemetry { recordEvents(events: $events) { alwaysNil } } }", "events": [] }""", "The request body is a GraphQL request")]
    public async Task Post_OtherGraphQLRequests_Answer400WithAGraphQLError(string body, string message)
    {
        await using var app = await ClientEventsApp.StartAsync();

        using var response = await app.PostAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var answer = await ClientEventsApp.ReadJsonAsync(response);
        Assert.False(answer.TryGetProperty("data", out _));
        Assert.StartsWith(message, Assert.Single(answer.GetProperty("errors").EnumerateArray()).GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(app.Recorder.Events);
    }

    [Fact]
    public async Task Post_GraphQLWithTooManyEvents_Answers413WithAGraphQLError()
    {
        await using var app = await ClientEventsApp.StartAsync(options => options.MaxEventsPerRequest = 2);
        var events = string.Join(",", Enumerable.Repeat("""{ "feature": "web.a", "action": "bb", "source": { "client": "web" }, "parameters": { "version": 0 } }""", 3));

        using var response = await app.PostAsync($$"""{ "query": "{{Mutation}}", "variables": { "events": [ {{events}} ] } }""");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("more than 2 events", (await response.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        Assert.Empty(app.Recorder.Events);
    }
}
