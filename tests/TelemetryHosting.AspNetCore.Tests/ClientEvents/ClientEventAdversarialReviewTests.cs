using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using TelemetryHosting.AspNetCore.Tests.TestSupport;
using Xunit.Abstractions;

namespace TelemetryHosting.AspNetCore.Tests.ClientEvents;

/// <summary>
/// The adversarial review's reproductions: bodies whose cost is not bounded by 4× the body plus a constant, and the
/// checks that passed (slices read from the right bytes, the baggage shield with a trusted trace).
/// </summary>
[Collection(AllocationMeasurement.Name)]
public sealed class ClientEventAdversarialReviewTests(ITestOutputHelper output)
{
    private const long Constant = 1024 * 1024;
    private const int DefaultMaxBodyBytes = 256 * 1024;

    public static TheoryData<string> UnknownNameCases => [.. UnknownNameBodies.Keys];

    // 100 events, each rejected for one long unknown property name: the serializer's JsonException builds the name into
    // its message and path several times, and the endpoint's message helpers copy both again. Default options.
    private static Dictionary<string, Func<int, string>> UnknownNameBodies { get; } = new()
    {
        ["event property"] = length => Events(100, $"{{\"{new string('x', length)}\":1}}"),
        ["client property"] = length => Events(100, $"{{\"feature\":\"web.a\",\"action\":\"ab\",\"client\":{{\"{new string('x', length)}\":1}}}}"),
        ["parameters property (TelemetryEventInput)"] = length => Events(100, $"{{\"source\":{{\"client\":\"w\"}},\"parameters\":{{\"{new string('x', length)}\":1}}}}"),
    };

    [Theory]
    [MemberData(nameof(UnknownNameCases))]
    public async Task Post_EventsWithLongUnknownPropertyNames_AllocateAtMostFourTimesTheBodyPlusAConstant(string name)
    {
        var body = Encoding.UTF8.GetBytes(UnknownNameBodies[name](2_500));
        Assert.InRange(body.Length, 200_000, DefaultMaxBodyBytes);
        await using var app = await ClientEventsApp.StartAsync();

        var (status, allocated, _) = await MeasureAsync(app, body);

        output.WriteLine($"{name}: {body.Length:N0} bytes, answered {(int)status}, allocated {allocated:N0} ({(double)allocated / body.Length:F2}×)");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(allocated <= (4L * body.Length) + Constant, $"{name}: allocated {allocated:N0} bytes for {body.Length:N0}");
    }

    [Fact]
    public async Task Post_EventsWithLongTimestampStrings_8MiBLimit_AllocateAtMostFourTimesTheBodyPlusAConstant()
    {
        // 'timestamp' is a JsonElement: the serializer copies its bytes into a document of its own (1×), then the parser
        // reads it as a string (2×) before checking its length (64): nothing bounds it before it is built.
        const int MaxBodyBytes = 8 * 1024 * 1024;
        var body = Encoding.UTF8.GetBytes(Events(100, $"{{\"feature\":\"web.a\",\"action\":\"ab\",\"timestamp\":\"{new string('1', 83_800)}\"}}"));
        Assert.InRange(body.Length, MaxBodyBytes - 32_000, MaxBodyBytes);
        await using var app = await ClientEventsApp.StartAsync(options => options.MaxBodyBytes = MaxBodyBytes);

        var (status, allocated, _) = await MeasureAsync(app, body);

        output.WriteLine($"{body.Length:N0} bytes, answered {(int)status}, allocated {allocated:N0} ({(double)allocated / body.Length:F2}×)");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(allocated <= (4L * body.Length) + Constant, $"allocated {allocated:N0} bytes for {body.Length:N0}");
    }

    [Fact]
    public async Task Post_OneEventOfEscapedLoneSurrogateNames_ThrowsAtMostAFewExceptionsAndAllocatesAtMostFourTimesTheBody()
    {
        // 21,000 property names "\ud800": the scanner's Is() unescapes each (ValueTextEquals against "source", 6 bytes
        // like the escape) and catches the InvalidOperationException: one exception per 12 bytes of body. Default options.
        var body = Encoding.UTF8.GetBytes(Fill("{\"events\":[{", "\"\\ud800\":0,", "\"a\":0}]}", DefaultMaxBodyBytes - 64));
        await using var app = await ClientEventsApp.StartAsync();

        var (status, allocated, exceptions) = await MeasureAsync(app, body);

        output.WriteLine($"{body.Length:N0} bytes, answered {(int)status}, allocated {allocated:N0} ({(double)allocated / body.Length:F2}×), {exceptions:N0} first-chance exceptions");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(exceptions <= 10, $"{exceptions:N0} exceptions thrown for one request of one event");
        Assert.True(allocated <= (4L * body.Length) + Constant, $"allocated {allocated:N0} bytes for {body.Length:N0}");
    }

    [Fact]
    public async Task Post_GraphQLQueryOfManyTypenames_8MiBLimit_AllocatesAtMostFourTimesTheBodyPlusAConstant()
    {
        // The query is read whole as a string (2× its bytes) and every name token is a new string (40-48 bytes for 10-11
        // bytes of query); the matcher accepts any number of __typename (or alwaysNil) fields.
        const int MaxBodyBytes = 8 * 1024 * 1024;
        var body = Encoding.UTF8.GetBytes(Fill(
            "{\"variables\":{\"events\":[]},\"query\":\"mutation ExportTelemetryEvents($events: [TelemetryEventInput!]!) {",
            "__typename,",
            " telemetry { recordEvents(events: $events) { alwaysNil } } }\"}",
            MaxBodyBytes - 64));
        await using var app = await ClientEventsApp.StartAsync(options => options.MaxBodyBytes = MaxBodyBytes);

        var (status, allocated, _) = await MeasureAsync(app, body);

        output.WriteLine($"{body.Length:N0} bytes, answered {(int)status}, allocated {allocated:N0} ({(double)allocated / body.Length:F2}×)");
        Assert.Equal(HttpStatusCode.BadRequest, status); // A query over 4,096 bytes is refused before it is read.
        Assert.True(allocated <= (4L * body.Length) + Constant, $"allocated {allocated:N0} bytes for {body.Length:N0}");
    }

    [Fact]
    public async Task Post_GraphQLEventWithWhiteSpaceAndEscapedNames_MetadataAndPrivateMetadataReadFromTheirOwnBytes()
    {
        // Checked fine: positions are the event's own, whatever precedes the event or its values.
        var decoy = new string(' ', 70_000);
        var json = """
            DECOY{ "query" : "mutation ExportTelemetryEvents($events: [TelemetryEventInput!]!) { telemetry { recordEvents(events: $events) { alwaysNil } } }",
              "variables": DECOY { "events" : [ {"feature":"web.decoy","action":"ab","source":{"client":"w"},"parameters":{"version":0,"metadata":[{"key":"decoy","value":7}],"privateMetadata":{"decoy":"\u0078"}}},
                DECOY  {  "f\u0065ature" : "web.a", "action":"ab", "s\u006Furce": {"client":"w\u0065b"},
                   "p\u0061rameters" : DECOY { "v\u0065rsion": 0, "m\u0065tadata" : [ { "k\u0065y": "\u006B1", "value": 1.5 } ],
                   "pr\u0069vateMetadata" :   DECOY { "s\u0065cret": "\ud83d\ude00 \"quoted\"", "n": [1, {"a": null}] } } } ] } }
            """.Replace("DECOY", decoy, StringComparison.Ordinal);
        await using var app = await ClientEventsApp.StartAsync(options =>
        {
            options.AcceptPrivateMetadata = true;
            options.MaxBodyBytes = 1024 * 1024;
        });

        using var response = await app.PostAsync(json);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var recorded = app.Recorder.Events;
        Assert.Equal(2, recorded.Count);
        Assert.Equal(7, recorded[0].Metadata["decoy"]);
        Assert.Equal(1.5, recorded[1].Metadata["k1"]);
        Assert.Single(recorded[1].Metadata);
        Assert.Equal("\ud83d\ude00 \"quoted\"", recorded[1].PrivateMetadata["secret"]);
        Assert.Equal("web", recorded[1].Client?.Name);
    }

    [Fact]
    public async Task Post_TrustedCallerTraceWithInteractionIdBaggage_KeepsTheTraceIdAndTakesNoInteractionId()
    {
        // Checked fine: the shield Activity path (only reached when the caller's trace is trusted: ASP.NET Core puts the
        // caller's baggage on the request activity only when the request has a traceparent).
        const string CallerTraceId = "0123456789abcdef0123456789abcdef";
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        await using var app = await GatewayBackedApp.StartAsync(
            "client-baggage-review",
            (services, telemetry) => telemetry.AddClientEvents(options =>
            {
                options.AllowAnonymous = true;
                options.RateLimit = null;
                options.AnonymousRateLimit = null;
                options.TrustCallerTraceContext = true;
            }),
            app =>
            {
                app.MapTelemetryEvents("/api/telemetry");
                app.MapGet("/after", () => Results.Text(Activity.Current?.GetBaggageItem(TelemetryEventParameters.InteractionIdBaggageKey) ?? "(none)"));
            });

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/telemetry")
        {
            Content = new StringContent("""{ "events": [ { "feature": "web.page", "action": "view" } ] }""", Encoding.UTF8),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("traceparent", $"00-{CallerTraceId}-0000000000000001-01");
        request.Headers.Add("baggage", TelemetryEventParameters.InteractionIdBaggageKey + "=forged-by-caller");
        using var response = await app.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var delivered = Assert.Single(await app.DeliveredEventsAsync(expected: 1));
        output.WriteLine(delivered.ToString());
        Assert.True(delivered.TryGetProperty("interaction", out var interaction));
        Assert.Equal(CallerTraceId, interaction.GetProperty("traceId").GetString());
        Assert.False(interaction.TryGetProperty("interactionId", out _));
    }

    private static async Task<(HttpStatusCode Status, long Allocated, int Exceptions)> MeasureAsync(ClientEventsApp app, byte[] body)
    {
        using (await app.PostAsync(body))
        {
        }

        app.Recorder.Clear();
        var exceptions = 0;
        void Count(object? sender, System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs e) => Interlocked.Increment(ref exceptions);
        AppDomain.CurrentDomain.FirstChanceException += Count;
        var before = GC.GetTotalAllocatedBytes(precise: true);
        using var response = await app.PostAsync(body);
        await response.Content.ReadAsByteArrayAsync();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        AppDomain.CurrentDomain.FirstChanceException -= Count;
        app.Recorder.Clear();
        return (response.StatusCode, allocated, exceptions);
    }

    private static string Events(int count, string eventJson) => $"{{\"events\":[{string.Join(",", Enumerable.Repeat(eventJson, count))}]}}";

    private static string Fill(string head, string unit, string tail, int size)
    {
        var builder = new StringBuilder(head);
        while (builder.Length + unit.Length + tail.Length <= size)
        {
            builder.Append(unit);
        }

        return builder.Append(tail).ToString();
    }
}
