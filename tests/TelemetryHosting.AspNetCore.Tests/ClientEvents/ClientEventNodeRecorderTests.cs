using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TelemetryHosting.AspNetCore.Tests.TestSupport;
using TelemetryHosting.DevGateway;
using Xunit.Abstractions;

namespace TelemetryHosting.AspNetCore.Tests.ClientEvents;

/// <summary>
/// Sourcegraph's real <c>@sourcegraph/telemetry</c> 0.18.0, driven from Node (tests/js-clients/node-recorder.js),
/// records a known set of events and posts them to the client event endpoint on real Kestrel in each request shape
/// Sourcegraph's clients use: <c>{"events": [...]}</c>, the web app's Apollo GraphQL request, the plain
/// <c>ExportTelemetryEvents</c> mutation and Cody's <c>RecordTelemetryEvents</c> request. Every field of every event is
/// then checked on the development gateway the service delivers to, and every response against the endpoint's
/// contract. A per-shape tally goes to the test output.
/// </summary>
public sealed class ClientEventNodeRecorderTests : IDisposable
{
    private const string EndpointPath = "/api/telemetry";
    private const string ServiceId = "node-client-test";
    private const string ServiceEnvironment = "test";
    private const string ServiceVersion = "9.8.7-node";
    private const string TestRequestHeader = "X-Test-Request";
    private const string TimestampReplacedKey = "clientTimestampReplaced";

    private static readonly string[] Shapes = ["events", "graphql-web", "graphql-plain", "graphql-cody"];

    // TelemetryEventMarketingTrackingInput's fields and the gateway event's (protobuf JSON) names for them.
    private static readonly (string Input, string Gateway)[] MarketingFields =
    [
        ("url", "url"), ("firstSourceURL", "firstSourceUrl"), ("cohortID", "cohortId"), ("referrer", "referrer"),
        ("lastSourceURL", "lastSourceUrl"), ("deviceSessionID", "deviceSessionId"), ("sessionReferrer", "sessionReferrer"),
        ("sessionFirstURL", "sessionFirstUrl"),
    ];

    private readonly ITestOutputHelper _output;

    // ASP.NET Core starts an Activity for each request only when someone listens, as OpenTelemetry tracing does.
    private readonly ActivityListener _listener = new()
    {
        ShouldListenTo = source => source.Name == "Microsoft.AspNetCore",
        Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
    };

    public ClientEventNodeRecorderTests(ITestOutputHelper output)
    {
        _output = output;
        ActivitySource.AddActivityListener(_listener);
    }

    [Fact]
    public Task NodeRecorder_EveryOptionalFieldAccepted_EveryFieldArrives() =>
        RunAsync(new Options(PrivateMetadata: true, MarketingTracking: true, TrustCallerTraceContext: true));

    [Fact]
    public Task NodeRecorder_DefaultOptions_PrivateMetadataMarketingTrackingAndCallerTraceLeftOut() =>
        RunAsync(new Options(PrivateMetadata: false, MarketingTracking: false, TrustCallerTraceContext: false));

    public void Dispose() => _listener.Dispose();

    private async Task RunAsync(Options options)
    {
        var settings = new Dictionary<string, string?>();
        if (options.PrivateMetadata)
        {
            settings["TelemetryClientEvents:AcceptPrivateMetadata"] = "true";
        }

        if (options.MarketingTracking)
        {
            settings["TelemetryClientEvents:AcceptMarketingTracking"] = "true";
        }

        if (options.TrustCallerTraceContext)
        {
            settings["TelemetryClientEvents:TrustCallerTraceContext"] = "true";
        }

        var section = new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection("TelemetryClientEvents");

        // The trace id of each request as the service saw it, by the request id the script sends.
        var serviceTraces = new ConcurrentDictionary<string, string?>();
        await using var app = await GatewayBackedApp.StartAsync(
            ServiceId,
            (services, telemetry) =>
            {
                services.Configure<TelemetryGatewayOptions>(gateway =>
                {
                    gateway.ServiceEnvironment = ServiceEnvironment;
                    gateway.ServiceVersion = ServiceVersion;
                });
                services.AddAuthentication(TestUserAuthenticationHandler.SchemeName)
                    .AddScheme<AuthenticationSchemeOptions, TestUserAuthenticationHandler>(TestUserAuthenticationHandler.SchemeName, null);
                services.AddAuthorization();
                telemetry.AddClientEvents(section);
            },
            web =>
            {
                web.Use(async (context, next) =>
                {
                    if (context.Request.Headers.TryGetValue(TestRequestHeader, out var id))
                    {
                        serviceTraces[id.ToString()] = Activity.Current?.TraceId.ToHexString();
                    }

                    await next(context);
                });
                web.UseAuthentication();
                web.UseAuthorization();
                web.MapTelemetryEvents(EndpointPath).RequireAuthorization();
            });

        var started = TimeProvider.System.GetUtcNow();
        var clock = TimeProvider.System.GetTimestamp();
        var url = new Uri(app.Client.BaseAddress!, EndpointPath);
        var summaries = new List<(string Shape, string User, JsonElement Summary)>();
        foreach (var shape in Shapes)
        {
            var user = $"sams-node-{shape}";
            summaries.Add((shape, user, await NodeRecorderScript.RunAsync(url, shape, (TestUserAuthenticationHandler.Header, user))));
            var timings = summaries[^1].Summary.GetProperty("timings");
            _output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{shape}: the script finished after {TimeProvider.System.GetElapsedTime(clock).TotalSeconds:0.0} s " +
                $"(node: main() at {timings.GetProperty("mainAtMs")} ms, done at {timings.GetProperty("doneAtMs")} ms)"));
        }

        var flushed = await app.Services.GetRequiredService<ITelemetryRecorder>().FlushWithinLimitAsync();
        var finished = TimeProvider.System.GetUtcNow();
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"flushed after {TimeProvider.System.GetElapsedTime(clock).TotalSeconds:0.0} s"));
        var received = app.Gateway.Events.Snapshot();
        var duplicateIds = received.GroupBy(e => e.Id).Where(g => g.Count() > 1).Select(g => g.Key).ToList();

        _output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"options: AcceptPrivateMetadata={options.PrivateMetadata}, AcceptMarketingTracking={options.MarketingTracking}, " +
            $"TrustCallerTraceContext={options.TrustCallerTraceContext}; flush: delivered {flushed.Delivered}, failed {flushed.Failed}; " +
            $"gateway holds {received.Count} events, {duplicateIds.Count} duplicate ids"));

        var mismatches = new List<string>();
        foreach (var (shape, user, summary) in summaries)
        {
            var check = new ShapeCheck(shape, user, options, started, finished, serviceTraces);
            check.Run(summary, [.. received.Where(e => UserOf(e) == user)]);
            _output.WriteLine(check.TallyLine());
            mismatches.AddRange(check.Mismatches);
        }

        foreach (var (shape, _, summary) in summaries)
        {
            _output.WriteLine($"{shape} responses: " + string.Join(" | ", summary.GetProperty("requests").EnumerateArray().Select(r =>
                $"{r.GetProperty("status")} in {r.GetProperty("elapsedMs")} ms {Shorten(r.GetProperty("body").ToString(), 300)}")));
        }

        Assert.True(duplicateIds.Count == 0, $"event ids received more than once: {string.Join(", ", duplicateIds)}");
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} mismatches; the first ones:\n" + string.Join("\n", mismatches.Take(60)));
    }

    private static string? UserOf(ReceivedEvent received) => Path(EventOf(received), "user", "samsExternalId")?.GetString();

    private static JsonElement EventOf(ReceivedEvent received)
    {
        using var document = JsonDocument.Parse(received.Json);
        return document.RootElement.GetProperty("event").Clone();
    }

    private static JsonElement? Path(JsonElement element, params string[] names)
    {
        foreach (var name in names)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element) || element.ValueKind == JsonValueKind.Null)
            {
                return null;
            }
        }

        return element;
    }

    private static string Shorten(string text, int length) => text.Length <= length ? text : text[..length] + "…";

    private sealed record Options(bool PrivateMetadata, bool MarketingTracking, bool TrustCallerTraceContext);

    /// <summary>Checks one shape's events and responses and keeps its tally.</summary>
    private sealed class ShapeCheck(
        string shape, string user, Options options, DateTimeOffset started, DateTimeOffset finished, ConcurrentDictionary<string, string?> serviceTraces)
    {
        private int _recorded;
        private int _toArrive;
        private int _arrived;
        private int _unexpected;
        private int _refusalsExpected;
        private int _refusedAsExpected;
        private int _fields;
        private int _fieldsMatching;
        private int _requests;
        private int _requestsAsExpected;

        public List<string> Mismatches { get; } = [];

        public void Run(JsonElement summary, IReadOnlyList<ReceivedEvent> received)
        {
            var events = summary.GetProperty("events").EnumerateArray().ToList();
            var requests = summary.GetProperty("requests").EnumerateArray().ToList();
            var requestOf = new Dictionary<string, JsonElement>();
            foreach (var request in requests)
            {
                foreach (var action in request.GetProperty("events").EnumerateArray())
                {
                    requestOf[action.GetString()!] = request;
                }
            }

            var refusals = events.Where(e => e.GetProperty("refusal").ValueKind != JsonValueKind.Null)
                .Select(e => Action(e)).ToHashSet();
            var arrivals = received.ToLookup(e => e.Action);
            _recorded = summary.GetProperty("recorded").GetInt32();
            _refusalsExpected = refusals.Count;
            _toArrive = _recorded - refusals.Count;
            _arrived = received.Count;
            _unexpected = received.Count(e => !events.Any(sent => Action(sent) == e.Action) || refusals.Contains(e.Action));
            if (_recorded != 50)
            {
                Mismatches.Add($"{shape}: the script recorded {_recorded} events, not 50");
            }

            foreach (var error in summary.GetProperty("errors").EnumerateArray())
            {
                Mismatches.Add($"{shape}: the library's error handler got: {error}");
            }

            foreach (var item in events)
            {
                var action = Action(item);
                var copies = arrivals[action].ToList();
                if (refusals.Contains(action))
                {
                    if (copies.Count == 0)
                    {
                        _refusedAsExpected++;
                    }
                    else
                    {
                        Mismatches.Add($"{shape} {action}: should have been refused ({item.GetProperty("refusal")}) but arrived");
                    }

                    continue;
                }

                if (copies.Count != 1)
                {
                    Mismatches.Add($"{shape} {action}: arrived {copies.Count} times ({item.GetProperty("kind")})");
                    continue;
                }

                CheckEvent(item.GetProperty("sent"), copies[0], requestOf[action]);
            }

            foreach (var request in requests)
            {
                CheckResponse(request, refusals);
            }
        }

        public string TallyLine() => string.Create(
            CultureInfo.InvariantCulture,
            $"{shape,-14} recorded {_recorded}, to arrive {_toArrive}, arrived {_arrived} ({_unexpected} unexpected), " +
            $"refused {_refusedAsExpected}/{_refusalsExpected} as expected, fields matching {_fieldsMatching}/{_fields} (on the arrived events), " +
            $"responses as expected {_requestsAsExpected}/{_requests}");

        private static string Action(JsonElement item) => item.GetProperty("sent").GetProperty("action").GetString()!;

        private void CheckEvent(JsonElement sent, ReceivedEvent received, JsonElement request)
        {
            var action = sent.GetProperty("action").GetString()!;
            var actual = EventOf(received);
            var parameters = sent.GetProperty("parameters");

            Field(action, "feature", sent.GetProperty("feature").GetString(), received.Feature);
            Field(action, "action", action, received.Action);

            // The client's timestamp, kept when inside the window (24 h back, 5 min ahead), else the service's time
            // and clientTimestampReplaced = 1.
            var clientTime = DateTimeOffset.Parse(sent.GetProperty("timestamp").GetString()!, CultureInfo.InvariantCulture);
            var replaced = clientTime < finished - TimeSpan.FromHours(24) || clientTime > started + TimeSpan.FromMinutes(5);
            if (replaced)
            {
                Check(action, "timestamp", received.Timestamp >= started && received.Timestamp <= finished,
                    $"expected the service's time within [{started:O}, {finished:O}] (client's {clientTime:O} is outside the window), got {received.Timestamp:O}");
            }
            else
            {
                Field(action, "timestamp", clientTime, received.Timestamp);
            }

            Field(action, "source.client.name", sent.GetProperty("source").GetProperty("client").GetString(),
                Path(actual, "source", "client", "name")?.GetString());
            Field(action, "source.client.version", Path(sent, "source", "clientVersion")?.GetString(),
                Path(actual, "source", "client", "version")?.GetString());
            Field(action, "source.server.version", ServiceVersion, Path(actual, "source", "server", "version")?.GetString());
            Field(action, "service id", ServiceId, received.ServiceId);
            Field(action, "service environment", ServiceEnvironment, received.ServiceEnvironment);
            Field(action, "parameters.version", parameters.GetProperty("version").GetInt32(),
                Path(actual, "parameters", "version")?.GetInt32() ?? 0);

            // Metadata: the array as a map, the last of a repeated key winning (the library already made falsy 0).
            var metadata = new SortedDictionary<string, double>(StringComparer.Ordinal);
            if (Path(parameters, "metadata") is { } entries)
            {
                foreach (var entry in entries.EnumerateArray())
                {
                    metadata[entry.GetProperty("key").GetString()!] = entry.GetProperty("value").GetDouble();
                }
            }

            if (replaced)
            {
                metadata[TimestampReplacedKey] = 1;
            }

            var actualMetadata = new SortedDictionary<string, double>(received.Metadata.ToDictionary(), StringComparer.Ordinal);
            Check(action, "metadata", metadata.Count == actualMetadata.Count && metadata.All(m => actualMetadata.TryGetValue(m.Key, out var v) && v.Equals(m.Value)),
                $"expected {Format(metadata)}, got {Format(actualMetadata)}");
            foreach (var zero in actualMetadata.Where(m => m.Key.StartsWith("zero", StringComparison.Ordinal) && m.Value != 0))
            {
                Check(action, "metadata falsy", false, $"{zero.Key} = {zero.Value}, expected 0");
            }

            // Private metadata: only when accepted; an object as is, any other value as {"value": v}.
            JsonNode? expectedPrivate = null;
            if (options.PrivateMetadata && Path(parameters, "privateMetadata") is { } privateMetadata)
            {
                expectedPrivate = privateMetadata.ValueKind == JsonValueKind.Object
                    ? JsonNode.Parse(privateMetadata.GetRawText())
                    : new JsonObject { ["value"] = JsonNode.Parse(privateMetadata.GetRawText()) };
            }

            var actualPrivate = received.PrivateMetadataJson is { } privateJson ? JsonNode.Parse(privateJson) : null;
            Check(action, "privateMetadata", JsonNode.DeepEquals(expectedPrivate, actualPrivate),
                $"expected {expectedPrivate?.ToJsonString() ?? "none"}, got {actualPrivate?.ToJsonString() ?? "none"}");

            Field(action, "billing.product", Path(parameters, "billingMetadata", "product")?.GetString(),
                Path(actual, "parameters", "billingMetadata", "product")?.GetString());
            Field(action, "billing.category", Path(parameters, "billingMetadata", "category")?.GetString(),
                Path(actual, "parameters", "billingMetadata", "category")?.GetString());

            // Marketing tracking: only when accepted; each non-null field, by its gateway name.
            var expectedMarketing = new SortedDictionary<string, string>(StringComparer.Ordinal);
            var actualMarketing = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var (input, gateway) in MarketingFields)
            {
                if (options.MarketingTracking && Path(sent, "marketingTracking", input)?.GetString() is { } value)
                {
                    expectedMarketing[gateway] = value;
                }

                if (Path(actual, "marketingTracking", gateway)?.GetString() is { } arrived)
                {
                    actualMarketing[gateway] = arrived;
                }
            }

            Check(action, "marketingTracking", expectedMarketing.SequenceEqual(actualMarketing),
                $"expected {Format(expectedMarketing)}, got {Format(actualMarketing)}");

            // Interaction id: the event's own, else the request's header, else none.
            var interaction = Path(parameters, "interactionID")?.GetString() ?? Path(request, "interactionHeader")?.GetString();
            Field(action, "interaction id", interaction, Path(actual, "interaction", "interactionId")?.GetString());

            Field(action, "user", user, Path(actual, "user", "samsExternalId")?.GetString());
            Check(action, "user (nothing else)", Path(actual, "user") is { } userObject && userObject.EnumerateObject().Count() == 1,
                $"user is {Path(actual, "user")}");

            // Trace id: the service's own trace; a trace the client continued (traceparent) only when trusted.
            var requestId = request.GetProperty("id").GetString()!;
            string? trace;
            if (Path(request, "traceparent") is { } traceparent)
            {
                trace = options.TrustCallerTraceContext ? traceparent.GetString()!.Split('-')[1] : null;
            }
            else
            {
                trace = serviceTraces.GetValueOrDefault(requestId);
                Check(action, "service trace", trace is not null, $"the service saw no trace for request {requestId}");
            }

            Field(action, "trace id", trace, received.TraceId);
            Check(action, "id", !string.IsNullOrEmpty(received.Id), "empty event id");
        }

        private void CheckResponse(JsonElement request, HashSet<string> refusals)
        {
            _requests++;
            var id = request.GetProperty("id").GetString();
            var actions = request.GetProperty("events").EnumerateArray().Select(a => a.GetString()!).ToList();
            var refused = actions.Select((action, index) => (action, index)).Where(x => refusals.Contains(x.action)).Select(x => x.index).ToList();
            var status = request.GetProperty("status").ValueKind == JsonValueKind.Number ? request.GetProperty("status").GetInt32() : 0;
            var body = request.GetProperty("body");
            string? problem;
            if (shape == "events")
            {
                var expectedStatus = refused.Count == 0 ? 202 : 400;
                var errorIndexes = Path(body, "errors") is { ValueKind: JsonValueKind.Array } errors
                    ? errors.EnumerateArray().Select(e => Path(e, "index")?.GetInt32() ?? -1).Order().ToList()
                    : [];
                problem = status != expectedStatus ? $"status {status}, expected {expectedStatus}"
                    : Path(body, "accepted")?.GetInt32() != actions.Count - refused.Count ? $"accepted {Path(body, "accepted")}, expected {actions.Count - refused.Count}"
                    : Path(body, "dropped")?.GetInt32() != 0 ? $"dropped {Path(body, "dropped")}"
                    : !errorIndexes.SequenceEqual(refused) ? $"error indexes [{string.Join(",", errorIndexes)}], expected [{string.Join(",", refused)}]"
                    : null;
            }
            else
            {
                var data = Path(body, "data", "telemetry", "recordEvents");
                var errorCount = Path(body, "errors") is { ValueKind: JsonValueKind.Array } errors ? errors.GetArrayLength() : 0;
                problem = status != 200 ? $"status {status}, expected 200"
                    : data is null || !data.Value.TryGetProperty("alwaysNil", out var alwaysNil) || alwaysNil.ValueKind != JsonValueKind.Null
                        ? "no data.telemetry.recordEvents.alwaysNil = null"
                    : errorCount != refused.Count ? $"{errorCount} errors, expected {refused.Count}"
                    : null;
            }

            if (problem is null)
            {
                _requestsAsExpected++;
            }
            else
            {
                Mismatches.Add($"{shape} request {id} ({actions.Count} events, {refused.Count} to refuse): {problem}; body {Shorten(body.ToString(), 400)}");
            }
        }

        private void Field<T>(string action, string name, T expected, T actual) =>
            Check(action, name, EqualityComparer<T>.Default.Equals(expected, actual), $"expected {expected?.ToString() ?? "none"}, got {actual?.ToString() ?? "none"}");

        private void Check(string action, string name, bool matches, string detail)
        {
            _fields++;
            if (matches)
            {
                _fieldsMatching++;
            }
            else
            {
                Mismatches.Add($"{shape} {action} {name}: {detail}");
            }
        }

        private static string Format<TValue>(SortedDictionary<string, TValue> map) =>
            "{" + string.Join(", ", map.Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Key}: {m.Value}"))) + "}";
    }
}
