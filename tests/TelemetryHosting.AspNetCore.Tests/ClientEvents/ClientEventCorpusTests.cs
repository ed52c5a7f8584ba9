using System.Net;
using System.Text;
using TelemetryHosting.AspNetCore.Tests.TestSupport;

namespace TelemetryHosting.AspNetCore.Tests.ClientEvents;

/// <summary>
/// Malformed and hostile bodies: each answers 4xx with problem details carrying a message, records nothing, and leaves
/// the endpoint serving (the fixture's app answers every case in turn). Private metadata is accepted so that its
/// parsing is exercised too.
/// </summary>
public sealed class ClientEventCorpusTests(ClientEventCorpusTests.Fixture fixture) : IClassFixture<ClientEventCorpusTests.Fixture>
{
    private const string Ok = """{ "feature": "web.a", "action": "view" }""";

    public static TheoryData<string, byte[]> Corpus()
    {
        var data = new TheoryData<string, byte[]>();
        void Add(string name, string body) => data.Add(name, Encoding.UTF8.GetBytes(body));
        void AddEvent(string name, string json) => Add(name, $$"""{ "events": [ {{json}} ] }""");

        // Not JSON, or not a batch.
        Add("empty body", string.Empty);
        Add("not JSON", "feature=web.a&action=view");
        Add("truncated", """{ "events": [ { "feature": "web.a" """);
        Add("array root", "[]");
        Add("null root", "null");
        Add("string root", "\"events\"");
        Add("no events", "{}");
        Add("events not an array", """{ "events": { "feature": "web.a" } }""");
        Add("events twice", $$"""{ "events": [], "events": [ {{Ok}} ] }""");
        Add("unknown top-level property", $$"""{ "events": [ {{Ok}} ], "user": "admin" }""");
        Add("trailing content", $$"""{ "events": [ {{Ok}} ] } {"events": []}""");
        Add("comment", $$"""{ /* hi */ "events": [ {{Ok}} ] }""");
        Add("trailing comma", $$"""{ "events": [ {{Ok}}, ] }""");
        Add("single quotes", "{ 'events': [] }");
        Add("NaN literal", """{ "events": [ { "feature": "web.a", "action": "view", "metadata": { "k": NaN } } ] }""");
        Add("Infinity literal", """{ "events": [ { "feature": "web.a", "action": "view", "metadata": { "k": Infinity } } ] }""");
        Add("nested 100 deep (over the reader's 64)", $$"""{ "events": [ { "feature": "web.a", "action": "view", "privateMetadata": {{new string('[', 100)}}{{new string(']', 100)}} } ] }""");
        Add("nested 100000 deep", new string('[', 100_000));
        Add("byte order mark", "\uFEFF{ \"events\": [] }");
        Add("top-level name lone low surrogate", """{ "\udc00": 1 }""");
        Add("top-level name lone high surrogate", """{ "events": [], "\ud800": 1 }""");

        // One bad event each.
        AddEvent("event is a number", "1");
        AddEvent("event is null", "null");
        AddEvent("event is an array", "[]");
        AddEvent("feature missing", """{ "action": "view" }""");
        AddEvent("feature a number", """{ "feature": 1, "action": "view" }""");
        AddEvent("feature an object", """{ "feature": { "name": "web.a" }, "action": "view" }""");
        AddEvent("feature twice", """{ "feature": "web.a", "feature": "web.b", "action": "view" }""");
        AddEvent("unknown property", """{ "feature": "web.a", "action": "view", "metdata": { "k": 1 } }""");
        AddEvent("very long unknown property", $$"""{ "feature": "web.a", "action": "view", "{{new string('x', 5000)}}": 1 }""");
        AddEvent("metadata NaN as string", """{ "feature": "web.a", "action": "view", "metadata": { "k": "NaN" } }""");
        AddEvent("metadata number as string", """{ "feature": "web.a", "action": "view", "metadata": { "k": "1.5" } }""");
        AddEvent("metadata boolean", """{ "feature": "web.a", "action": "view", "metadata": { "k": true } }""");
        AddEvent("metadata null value", """{ "feature": "web.a", "action": "view", "metadata": { "k": null } }""");
        AddEvent("metadata nested", """{ "feature": "web.a", "action": "view", "metadata": { "k": { "j": 1 } } }""");
        AddEvent("metadata an array", """{ "feature": "web.a", "action": "view", "metadata": [ 1 ] }""");
        AddEvent("metadata huge number", """{ "feature": "web.a", "action": "view", "metadata": { "k": 1e400 } }""");
        AddEvent("metadata huge negative number", """{ "feature": "web.a", "action": "view", "metadata": { "k": -1e309 } }""");
        AddEvent("metadata 400 digits", $$"""{ "feature": "web.a", "action": "view", "metadata": { "k": {{new string('9', 400)}} } }""");
        AddEvent("metadata empty key", """{ "feature": "web.a", "action": "view", "metadata": { "": 1 } }""");
        AddEvent("metadata duplicate key", """{ "feature": "web.a", "action": "view", "metadata": { "k": 1, "k": 2 } }""");
        AddEvent("metadata key lone surrogate", """{ "feature": "web.a", "action": "view", "metadata": { "\ud800": 1 } }""");
        AddEvent("private metadata huge number", """{ "feature": "web.a", "action": "view", "privateMetadata": { "k": [ 1e999 ] } }""");
        AddEvent("private metadata a string", """{ "feature": "web.a", "action": "view", "privateMetadata": "secret" }""");
        AddEvent("private metadata 20 deep", $$"""{ "feature": "web.a", "action": "view", "privateMetadata": {{string.Concat(Enumerable.Repeat("{ \"a\": ", 20))}}1{{new string('}', 20)}} }""");
        AddEvent("private metadata lone surrogate", """{ "feature": "web.a", "action": "view", "privateMetadata": { "k": "\udc00" } }""");
        AddEvent("timestamp not a date", """{ "feature": "web.a", "action": "view", "timestamp": "yesterday" }""");
        AddEvent("timestamp without offset", """{ "feature": "web.a", "action": "view", "timestamp": "2025-06-01T12:00:00" }""");
        AddEvent("timestamp a number", """{ "feature": "web.a", "action": "view", "timestamp": 1748779200 }""");
        AddEvent("timestamp month 13", """{ "feature": "web.a", "action": "view", "timestamp": "2025-13-01T12:00:00Z" }""");
        AddEvent("client a string", """{ "feature": "web.a", "action": "view", "client": "web" }""");
        AddEvent("client without name", """{ "feature": "web.a", "action": "view", "client": { "version": "1" } }""");
        AddEvent("client name a number", """{ "feature": "web.a", "action": "view", "client": { "name": 1 } }""");
        AddEvent("event name lone high surrogate", """{ "\ud800": 1 }""");
        AddEvent("event name lone low surrogate after fields", """{ "feature": "web.a", "action": "view", "\udc00": 1 }""");
        AddEvent("client name lone surrogate", """{ "feature": "web.a", "action": "view", "client": { "\ud800": "web" } }""");
        AddEvent("client version lone surrogate", """{ "feature": "web.a", "action": "view", "client": { "name": "web", "version": "\udc00" } }""");
        AddEvent("client version too long", $$"""{ "feature": "web.a", "action": "view", "client": { "name": "web", "version": "{{new string('1', 1000)}}" } }""");

        // Unicode edge cases in names.
        AddEvent("feature accented", """{ "feature": "séarch", "action": "view" }""");
        AddEvent("feature fullwidth letters", """{ "feature": "ｓｅａｒｃｈ", "action": "view" }""");
        AddEvent("feature emoji", """{ "feature": "web.🔍", "action": "view" }""");
        AddEvent("feature escaped NUL", """{ "feature": "web\u0000a", "action": "view" }""");
        AddEvent("feature trailing newline", """{ "feature": "web.a\n", "action": "view" }""");
        AddEvent("feature right-to-left override", """{ "feature": "web.\u202Ea", "action": "view" }""");
        AddEvent("feature zero-width space", """{ "feature": "web.\u200Ba", "action": "view" }""");
        AddEvent("feature lone surrogate", """{ "feature": "web.\ud800", "action": "view" }""");
        AddEvent("feature 65 bytes", $$"""{ "feature": "{{new string('a', 65)}}", "action": "view" }""");
        AddEvent("feature 1 MB escaped", $$"""{ "feature": "{{string.Concat(Enumerable.Repeat("\\u0061", 20_000))}}", "action": "view" }""");
        AddEvent("action 33 two-byte letters", $$"""{ "feature": "web.a", "action": "{{new string('é', 33)}}" }""");
        AddEvent("feature empty", """{ "feature": "", "action": "view" }""");
        AddEvent("feature with digits", """{ "feature": "web2.a", "action": "view" }""");
        AddEvent("feature one letter", """{ "feature": "w", "action": "view" }""");
        return data;
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task Post_MalformedBody_Answers4xxWithMessageAndRecordsNothing(string name, byte[] body)
    {
        fixture.App.Recorder.Clear();

        using var response = await fixture.App.PostAsync(body);

        Assert.True((int)response.StatusCode is >= 400 and < 500, $"{name}: answered {(int)response.StatusCode}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await ClientEventsApp.ReadJsonAsync(response);
        var messages = problem.GetProperty("errors").EnumerateArray().Select(error => error.GetProperty("message").GetString()).Append(problem.GetProperty("detail").GetString());
        Assert.All(messages, message => Assert.False(string.IsNullOrWhiteSpace(message), name));
        Assert.Equal(0, problem.GetProperty("accepted").GetInt32());
        Assert.Empty(fixture.App.Recorder.Events);

        // The endpoint still serves.
        using var next = await fixture.App.PostAsync($$"""{ "events": [ {{Ok}} ] }""");
        Assert.Equal(HttpStatusCode.Accepted, next.StatusCode);
    }

    [Fact]
    public async Task Post_InvalidUtf8InName_Answers400AndRecordsNothing()
    {
        var body = Encoding.UTF8.GetBytes("""{ "events": [ { "feature": "web.XX", "action": "view" } ] }""");
        var at = Array.IndexOf(body, (byte)'X');
        body[at] = 0xC3;
        body[at + 1] = 0x28;
        fixture.App.Recorder.Clear();

        using var response = await fixture.App.PostAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(fixture.App.Recorder.Events);
    }

    [Fact]
    public async Task Post_TenMegabyteBody_Answers413BeforeReadingIt()
    {
        var body = Encoding.UTF8.GetBytes($$"""{ "events": [ { "feature": "web.a", "action": "view", "privateMetadata": { "k": "{{new string('x', 10 * 1024 * 1024)}}" } } ] }""");

        using var response = await fixture.App.PostAsync(body);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var problem = await ClientEventsApp.ReadJsonAsync(response);
        Assert.Contains("262144 bytes", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_BadEventsAmongGood_EachRejectedByIndexWithItsMessage()
    {
        using var response = await fixture.App.PostAsync(
            """{ "events": [ 1, { "feature": "web.a", "action": "view" }, { "feature": 2, "action": "view" }, { "feature": "web.b", "action": "view", "metadata": { "k": "NaN" } } ] }""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ClientEventsApp.ReadJsonAsync(response);
        Assert.Equal(1, problem.GetProperty("accepted").GetInt32());
        var errors = problem.GetProperty("errors").EnumerateArray().Select(error => (error.GetProperty("index").GetInt32(), error.GetProperty("message").GetString())).ToList();
        Assert.Equal(
            [
                (0, "An event must be a JSON object."),
                (2, "'feature' must be a string."),
                (3, "'metadata.k' must be a finite number (use 1 and 0 for booleans)."),
            ],
            errors);
    }

    /// <summary>One app for the whole corpus: it must survive every case.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public ClientEventsApp App { get; private set; } = null!;

        public async Task InitializeAsync() => App = await ClientEventsApp.StartAsync(options => options.AcceptPrivateMetadata = true);

        public async Task DisposeAsync() => await App.DisposeAsync();
    }
}
