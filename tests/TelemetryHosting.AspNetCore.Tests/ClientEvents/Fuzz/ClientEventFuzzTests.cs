using System.Net;
using System.Text;
using System.Text.Json;
using TelemetryHosting.AspNetCore.Tests.TestSupport;
using TelemetryHosting.Testing;
using Xunit.Abstractions;

namespace TelemetryHosting.AspNetCore.Tests.ClientEvents.Fuzz;

/// <summary>
/// Generated bodies through the real endpoint: 20,000 per run, or <c>TELEMETRYHOSTING_FUZZ_BODIES</c>; a run's seed is
/// random unless <c>TELEMETRYHOSTING_FUZZ_SEED</c> sets it, and every failure prints the seed and the body's number.
/// </summary>
public sealed class ClientEventFuzzTests(ITestOutputHelper output)
{
    private const string BodiesVariable = "TELEMETRYHOSTING_FUZZ_BODIES";
    private const string SeedVariable = "TELEMETRYHOSTING_FUZZ_SEED";
    private const int MaxBodyBytes = 256 * 1024;

    [Fact]
    public async Task Post_GeneratedBodies_NeverFailAndAcceptExactlyTheValidEvents()
    {
        var bodies = int.TryParse(Environment.GetEnvironmentVariable(BodiesVariable), out var configured) ? configured : 20_000;
        var seed = int.TryParse(Environment.GetEnvironmentVariable(SeedVariable), out var fixedSeed) ? fixedSeed : Random.Shared.Next();
        var generator = new ClientEventFuzzGenerator(seed);
        var statuses = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var shapes = new SortedDictionary<string, int>(StringComparer.Ordinal);
        await using var app = await ClientEventsApp.StartAsync(options =>
        {
            options.AcceptPrivateMetadata = true;
            options.AcceptMarketingTracking = true;
        });
        var started = System.Diagnostics.Stopwatch.StartNew();

        for (var index = 0; index < bodies; index++)
        {
            var generated = generator.Next();
            var where = $"{SeedVariable}={seed}, body {index} ({generated.Kind}): {Describe(generated.Body)}";
            app.Recorder.Clear();
            HttpStatusCode status;
            JsonElement answer;
            try
            {
                using var response = await app.PostToAsync(generated.Path, generated.Body);
                status = response.StatusCode;
                Assert.True((int)status < 500, $"{where}\nanswered {(int)status}: {await response.Content.ReadAsStringAsync()}");
                answer = await ClientEventsApp.ReadJsonAsync(response);
            }
            catch (Exception exception) when (exception is HttpRequestException or JsonException or IOException)
            {
                Assert.Fail($"{where}\nthe request failed: {exception}");
                return;
            }

            var key = $"{(int)status} {generated.Kind}";
            statuses[key] = statuses.GetValueOrDefault(key) + 1;
            var events = Check(generated, status, answer, app, where);
            foreach (var shape in events?.Select(ShapeOf) ?? [])
            {
                shapes[shape] = shapes.GetValueOrDefault(shape) + 1;
            }
        }

        output.WriteLine($"seed {seed}: {bodies} bodies in {started.Elapsed.TotalSeconds:F1} s");
        foreach (var (status, count) in statuses)
        {
            output.WriteLine($"{count,8}  {status}");
        }

        output.WriteLine("events judged one by one:");
        foreach (var (shape, count) in shapes)
        {
            output.WriteLine($"{count,8}  {shape}");
        }

        Assert.DoesNotContain(statuses.Keys, status => status.StartsWith('5'));
    }

    /// <summary>Checks the answer against the reference; returns the events judged one by one, if any.</summary>
    private static List<FuzzJson>? Check(ClientEventFuzzGenerator.Generated generated, HttpStatusCode status, JsonElement answer, ClientEventsApp app, string where)
    {
        Assert.True((int)status < 500, $"{where}\nanswered {(int)status}: {answer}");
        var recorded = app.Recorder.Events;
        Assert.True(Accepted(answer) == recorded.Count, $"{where}\naccepted is not what was recorded: {answer}");
        if (generated.Damaged)
        {
            return null;
        }

        var expectation = generated.Request is { } request ? ClientEventRequestReference.Judge(request, generated.Document)
            : generated.Events is { } batch ? Expectation.Of(batch, graphQL: false)
            : Expectation.Refused(graphQL: false);
        if (generated.Body.Length > MaxBodyBytes)
        {
            expectation = new(413, null, expectation.GraphQL);
        }

        if (expectation.Events is null)
        {
            Assert.True((int)status == expectation.Status, $"{where}\nexpected {expectation.Status} for the whole request, answered {(int)status}: {answer}");
            Assert.True(recorded.Count == 0 && Errors(answer).Count == 0, $"{where}\na refused request recorded events: {answer}");
            Assert.False(answer.TryGetProperty("data", out _), $"{where}\na refused GraphQL request answered data: {answer}");
            return null;
        }

        var events = expectation.Events;
        var valid = events.Select(ClientEventReference.IsValid).ToList();
        var expected = events.Where((_, i) => valid[i]).Cast<FuzzObject>().ToList();
        Assert.True(
            expected.Select(e => Name(e, "feature") + "/" + Name(e, "action")).SequenceEqual(recorded.Select(e => e.Feature + "/" + e.Action)),
            $"{where}\nexpected recorded [{string.Join(", ", expected.Select(e => Name(e, "feature") + "/" + Name(e, "action")))}], got [{string.Join(", ", recorded.Select(e => e.Feature + "/" + e.Action))}]: {answer}");
        for (var i = 0; i < expected.Count; i++)
        {
            CheckRecorded(expected[i], recorded[i], $"{where}\nrecorded event {i}");
        }

        var rejected = Errors(answer);
        var expectedRejected = Enumerable.Range(0, valid.Count).Where(i => !valid[i]);
        Assert.True(expectedRejected.SequenceEqual(rejected), $"{where}\nrejected indexes differ from the reference's [{string.Join(", ", expectedRejected)}]: {answer}");
        var expectedStatus = expectation.GraphQL ? HttpStatusCode.OK : valid.All(v => v) ? HttpStatusCode.Accepted : HttpStatusCode.BadRequest;
        Assert.True(expectedStatus == status, $"{where}\nexpected {(int)expectedStatus}, answered {(int)status}: {answer}");
        if (expectation.GraphQL)
        {
            Assert.True(
                answer.TryGetProperty("data", out var data) && data.GetProperty("telemetry").TryGetProperty("recordEvents", out _),
                $"{where}\na GraphQL answer without data.telemetry.recordEvents: {answer}");
        }

        return events;
    }

    /// <summary>What the reference says a valid event records: its metadata (the last of a repeated key), private keys, version, interaction id.</summary>
    private static void CheckRecorded(FuzzObject valid, RecordedTelemetryEvent recorded, string where)
    {
        var input = ClientEventInputReference.LooksLikeInput(valid);
        var metadata = input ? ClientEventInputReference.Metadata(valid) : ClientEventReference.Metadata(valid);
        if (ClientEventReference.IsTimestampReplaced(ClientEventInputReference.Get(valid, "timestamp")))
        {
            metadata[ClientEventInputReference.TimestampReplacedKey] = 1;
        }

        Assert.True(
            metadata.Count == recorded.Metadata.Count && metadata.All(m => recorded.Metadata.TryGetValue(m.Key, out var value) && value == m.Value),
            $"{where}: expected metadata {{{string.Join(", ", metadata)}}}, recorded {{{string.Join(", ", recorded.Metadata)}}}");
        var privateKeys = input ? ClientEventInputReference.PrivateKeys(valid) : ClientEventReference.PrivateKeys(valid);
        Assert.True(
            privateKeys.Order(StringComparer.Ordinal).SequenceEqual(recorded.PrivateMetadata.Keys.Order(StringComparer.Ordinal)),
            $"{where}: expected private metadata keys [{string.Join(", ", privateKeys)}], recorded [{string.Join(", ", recorded.PrivateMetadata.Keys)}]");
        var (version, interactionId) = input ? (ClientEventInputReference.Version(valid), ClientEventInputReference.InteractionId(valid)) : (recorded.Version, null);
        Assert.True(
            version == recorded.Version && interactionId == recorded.InteractionId,
            $"{where}: expected version {version} and interaction id {interactionId ?? "(none)"}, recorded {recorded.Version} and {recorded.InteractionId ?? "(none)"}");
    }

    private static string ShapeOf(FuzzJson node) =>
        node is not FuzzObject ? "not an object"
        : ClientEventInputReference.LooksLikeInput(node) ? (ClientEventInputReference.IsValid(node) ? "TelemetryEventInput, valid" : "TelemetryEventInput, invalid")
        : ClientEventReference.IsValidCompact(node) ? "compact, valid" : "compact, invalid";

    /// <summary>The answer's <c>accepted</c>: at the top of a batch's answer, in <c>extensions</c> of a GraphQL answer.</summary>
    private static int Accepted(JsonElement answer) =>
        answer.TryGetProperty("accepted", out var accepted) ? accepted.GetInt32()
        : answer.TryGetProperty("extensions", out var extensions) && extensions.TryGetProperty("accepted", out var graphQL) ? graphQL.GetInt32()
        : -1;

    /// <summary>The indexes of the rejected events: <c>errors[].index</c> in a batch's answer, <c>errors[].extensions.index</c> in a GraphQL answer.</summary>
    private static List<int> Errors(JsonElement answer) =>
        answer.TryGetProperty("errors", out var errors)
            ? [.. errors.EnumerateArray()
                .Select(error => error.TryGetProperty("index", out var index) ? index
                    : error.TryGetProperty("extensions", out var extensions) && extensions.TryGetProperty("index", out var graphQL) ? graphQL
                    : (JsonElement?)null)
                .OfType<JsonElement>()
                .Select(index => index.GetInt32())]
            : [];

    private static string? Name(FuzzJson node, string key) =>
        ((FuzzObject)node).Properties.First(p => p.Key.Text == key).Value is FuzzString { Text: var text } ? text : null;

    private static string Describe(byte[] body)
    {
        var text = Encoding.UTF8.GetString(body);
        return text.Length <= 2000 ? text : string.Concat(text.AsSpan(0, 2000), "…");
    }
}
