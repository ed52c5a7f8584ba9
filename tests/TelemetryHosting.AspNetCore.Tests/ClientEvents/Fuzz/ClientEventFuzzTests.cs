using System.Net;
using System.Text;
using System.Text.Json;
using TelemetryHosting.AspNetCore.Tests.TestSupport;
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

    [Fact]
    public async Task Post_GeneratedBodies_NeverFailAndAcceptExactlyTheValidEvents()
    {
        var bodies = int.TryParse(Environment.GetEnvironmentVariable(BodiesVariable), out var configured) ? configured : 20_000;
        var seed = int.TryParse(Environment.GetEnvironmentVariable(SeedVariable), out var fixedSeed) ? fixedSeed : Random.Shared.Next();
        var generator = new ClientEventFuzzGenerator(seed);
        var statuses = new SortedDictionary<string, int>(StringComparer.Ordinal);
        await using var app = await ClientEventsApp.StartAsync(options => options.AcceptPrivateMetadata = true);
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
                using var response = await app.PostAsync(generated.Body);
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
            Check(generated, status, answer, app, where);
        }

        output.WriteLine($"seed {seed}: {bodies} bodies in {started.Elapsed.TotalSeconds:F1} s");
        foreach (var (status, count) in statuses)
        {
            output.WriteLine($"{count,8}  {status}");
        }

        Assert.DoesNotContain(statuses.Keys, status => status.StartsWith('5'));
    }

    private static void Check(ClientEventFuzzGenerator.Generated generated, HttpStatusCode status, JsonElement answer, ClientEventsApp app, string where)
    {
        Assert.True((int)status < 500, $"{where}\nanswered {(int)status}: {answer}");
        var recorded = app.Recorder.Events;
        Assert.True(answer.TryGetProperty("accepted", out var accepted) && accepted.GetInt32() == recorded.Count, $"{where}\naccepted is not what was recorded: {answer}");
        if (generated.Damaged)
        {
            return;
        }

        if (generated.Events is null)
        {
            Assert.True(status == HttpStatusCode.BadRequest, $"{where}\na malformed envelope answered {(int)status}: {answer}");
            Assert.True(recorded.Count == 0 && Errors(answer).Count == 0, $"{where}\na malformed envelope recorded events: {answer}");
            return;
        }

        if (generated.Events.Count > 100)
        {
            Assert.True(status == HttpStatusCode.RequestEntityTooLarge && recorded.Count == 0, $"{where}\ntoo many events answered {(int)status}: {answer}");
            return;
        }

        var valid = generated.Events.Select(ClientEventReference.IsValid).ToList();
        var expected = generated.Events.Where((_, i) => valid[i]).Select(e => Name(e, "feature") + "/" + Name(e, "action")).ToList();
        Assert.True(
            expected.SequenceEqual(recorded.Select(e => e.Feature + "/" + e.Action)),
            $"{where}\nexpected recorded [{string.Join(", ", expected)}], got [{string.Join(", ", recorded.Select(e => e.Feature + "/" + e.Action))}]: {answer}");
        var rejected = Errors(answer);
        var expectedRejected = Enumerable.Range(0, valid.Count).Where(i => !valid[i]);
        Assert.True(expectedRejected.SequenceEqual(rejected), $"{where}\nrejected indexes differ from the reference's: {answer}");
        var expectedStatus = valid.All(v => v) ? HttpStatusCode.Accepted : HttpStatusCode.BadRequest;
        Assert.True(expectedStatus == status, $"{where}\nexpected {(int)expectedStatus}, answered {(int)status}: {answer}");
    }

    private static List<int> Errors(JsonElement answer) =>
        answer.TryGetProperty("errors", out var errors) ? [.. errors.EnumerateArray().Select(error => error.GetProperty("index").GetInt32())] : [];

    private static string? Name(FuzzJson node, string key) =>
        ((FuzzObject)node).Properties.First(p => p.Key.Text == key).Value is FuzzString { Text: var text } ? text : null;

    private static string Describe(byte[] body)
    {
        var text = Encoding.UTF8.GetString(body);
        return text.Length <= 2000 ? text : string.Concat(text.AsSpan(0, 2000), "…");
    }
}
