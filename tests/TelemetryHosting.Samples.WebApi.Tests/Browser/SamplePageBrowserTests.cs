using System.Diagnostics;
using System.Text.Json;
using TelemetryHosting.DevGateway;
using TelemetryHosting.TestSupport;
using Xunit.Abstractions;

namespace TelemetryHosting.Samples.WebApi.Tests.Browser;

/// <summary>
/// The sample's page in a real headless Chromium (Debian's <c>chromium</c>; without it these tests fail, they do not
/// skip), recording through the browser exporter to the sample on Kestrel, which delivers to a development gateway.
/// Each page view has its own interaction id and each test its own user, so the tests share the gateway. Every wait is
/// on a condition with a limit.
/// </summary>
public sealed class SamplePageBrowserTests(SamplePageFixture fixture, ITestOutputHelper output) : IClassFixture<SamplePageFixture>
{
    private const string Ready = "window.sampleTelemetry";
    private const string Stats = "window.sampleTelemetry.exporter.stats";
    private static readonly TimeSpan ArrivalLimit = TimeSpan.FromSeconds(20);

    private HeadlessChromium Browser => fixture.Browser;

    [Fact]
    public async Task Page_ClicksThenNavigateAwayAtOnce_EveryEventArrivesOnce()
    {
        // SAMPLE_PAGE_RUNS=200 for a longer run on a quiet machine.
        var runs = int.TryParse(Environment.GetEnvironmentVariable("SAMPLE_PAGE_RUNS"), out var configured) && configured > 0 ? configured : 10;
        const int Clicks = 3;
        var views = new List<string>();
        var pendingAtNavigation = 0;
        for (var run = 0; run < runs; run++)
        {
            await Browser.OpenAsync(PageUri(fixture.Sample, NewUser("navigate")), Ready);
            views.Add(await Browser.EvaluateAsync<string>("window.sampleTelemetry.interactionID"));
            for (var position = 1; position <= Clicks; position++)
            {
                await Browser.ClickAsync($"button[data-position=\"{position}\"]");
            }

            // At once: the events are still in the exporter's buffer (it waits a second before sending), so they
            // leave on pagehide in keepalive requests.
            pendingAtNavigation += await Browser.EvaluateAsync<int>(Stats + ".pending");
            await Browser.NavigateAsync(new Uri("about:blank"));
        }

        var expected = runs * (1 + Clicks);
        var arrived = await ArrivedAsync(fixture.Sample, e => views.Contains(InteractionId(e) ?? ""), expected);
        var perView = views.Select(view => arrived.Count(e => InteractionId(e) == view)).ToList();
        var lost = perView.Sum(n => Math.Max(0, 1 + Clicks - n));
        var duplicated = perView.Sum(n => Math.Max(0, n - (1 + Clicks)));
        var figures = $"{runs} runs, {expected} events recorded ({pendingAtNavigation} still in the exporter's buffer when the page was left), {arrived.Count} arrived, {lost} lost, {duplicated} duplicated";
        output.WriteLine("navigate away at once: " + figures);
        Assert.True(lost == 0 && duplicated == 0, figures);
        Assert.True(pendingAtNavigation > expected / 2, "most events should still be buffered when the page is left, or the test proves nothing about page close: " + figures);
        Assert.All(views, view => Assert.Equal(
            ["clicked", "clicked", "clicked", "viewed"],
            arrived.Where(e => InteractionId(e) == view).Select(e => e.Action).Order(StringComparer.Ordinal)));
    }

    [Fact]
    public async Task Page_MoreThanTheKeepaliveBudgetThenNavigate_TheRestArrivesFromTheNextPage()
    {
        const int Count = 600; // about 200 KB: more than the 64 KiB browsers let keepalive requests carry at once
        var user = NewUser("budget");
        await Browser.OpenAsync(PageUri(fixture.Sample, user), Ready);
        await Browser.EvaluateAsync($$"""
            (() => { const t = window.sampleTelemetry;
              for (let i = 0; i < {{Count}}; i++) t.recorder.recordEvent('sample.bulk', 'recorded',
                { version: 1, interactionID: t.interactionID, metadata: { index: i }, privateMetadata: { padding: 'x'.repeat(150) } }) })()
            """);

        await Browser.OpenAsync(PageUri(fixture.Sample, user, "&page=2"), Ready);
        var restored = await Browser.EvaluateAsync<int>(Stats + ".restored");

        var arrived = await ArrivedAsync(fixture.Sample, e => e.Feature == "sample.bulk" && User(e) == user, Count);
        output.WriteLine($"over the keepalive budget: {Count} events recorded, {restored} kept in localStorage and sent by the next page, {arrived.Count} arrived");
        Assert.InRange(restored, 1, Count - 1);
        Assert.Equal(Enumerable.Range(0, Count), arrived.Select(e => (int)e.Metadata["index"]).Order());
        Assert.Equal(0, await Browser.EvaluateAsync<int>("localStorage.length"));
    }

    [Fact]
    public async Task Page_RateLimited_EventsRetriedAfterRetryAfterAndArriveOnce()
    {
        await using var sample = KestrelSample.Start(fixture.Gateway, new Dictionary<string, string>(fixture.Settings)
        {
            ["TelemetryClientEvents:RateLimit:TokenLimit"] = "1",
            ["TelemetryClientEvents:RateLimit:TokensPerPeriod"] = "1",
            ["TelemetryClientEvents:RateLimit:ReplenishmentPeriod"] = "00:00:02",
        });
        await Browser.OpenAsync(PageUri(sample, NewUser("limited")), Ready);
        var view = await Browser.EvaluateAsync<string>("window.sampleTelemetry.interactionID");
        await Browser.EvaluateAsync("window.sampleTelemetry.exporter.flush()"); // the page view takes the one token

        for (var position = 1; position <= 3; position++)
        {
            await Browser.ClickAsync($"button[data-position=\"{position}\"]");
        }

        var clock = Stopwatch.StartNew();
        await Browser.EvaluateAsync("window.sampleTelemetry.exporter.flush()"); // 429: resolves with the retry pending
        await Browser.WaitForAsync($"{Stats}.sent === 4 && {Stats}.pending === 0");
        var retried = await Browser.EvaluateAsync<int>(Stats + ".retried");
        output.WriteLine($"rate limited: 3 clicks retried {retried / 3} time(s), delivered {clock.ElapsedMilliseconds} ms after the first attempt");

        Assert.True(retried >= 3, $"retried {retried}");
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), $"retried after {clock.ElapsedMilliseconds} ms, before Retry-After");
        var arrived = await ArrivedAsync(sample, e => InteractionId(e) == view, 4);
        Assert.Equal(["clicked", "clicked", "clicked", "viewed"], arrived.Select(e => e.Action).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Page_ServiceRestarts_EventsRetriedUntilItIsBackAndArriveOnce()
    {
        var sample = KestrelSample.Start(fixture.Gateway, fixture.Settings);
        var port = sample.Port;
        try
        {
            await Browser.OpenAsync(PageUri(sample, NewUser("restart")), Ready);
            var view = await Browser.EvaluateAsync<string>("window.sampleTelemetry.interactionID");
            await Browser.EvaluateAsync("window.sampleTelemetry.exporter.flush()");
            await Browser.WaitForAsync($"{Stats}.sent === 1");

            await sample.DisposeAsync(); // connection refused from now on
            for (var position = 1; position <= 3; position++)
            {
                await Browser.ClickAsync($"button[data-position=\"{position}\"]");
            }

            await Browser.EvaluateAsync("window.sampleTelemetry.exporter.flush()");
            await Browser.WaitForAsync($"{Stats}.retried >= 3");

            sample = KestrelSample.Start(fixture.Gateway, fixture.Settings, port);
            await Browser.WaitForAsync($"{Stats}.sent === 4 && {Stats}.pending === 0");
            var retried = await Browser.EvaluateAsync<int>(Stats + ".retried");
            output.WriteLine($"service restart: 3 clicks retried {retried / 3} time(s) while the service was down, then delivered");

            var arrived = await ArrivedAsync(sample, e => InteractionId(e) == view, 4);
            Assert.Equal(["clicked", "clicked", "clicked", "viewed"], arrived.Select(e => e.Action).Order(StringComparer.Ordinal));
        }
        finally
        {
            await sample.DisposeAsync();
        }
    }

    [Fact]
    public async Task Page_RealSourcegraphTelemetry_EventArrivesWithEveryField()
    {
        var user = NewUser("every-field");
        await Browser.OpenAsync(PageUri(fixture.Sample, user), Ready);
        Assert.Equal("@sourcegraph/telemetry (real)", await Browser.EvaluateAsync<string>("window.sampleTelemetry.kind"));
        var recordedAt = DateTimeOffset.UtcNow.AddMinutes(-3);
        var interaction = "every-field-" + Guid.NewGuid().ToString("N");

        // A provider of the real library built as a page would build it, with its processors, and our exporter.
        await Browser.EvaluateAsync($$"""
            (async () => {
              const { telemetry: t, exporter } = window.sampleTelemetry
              const provider = new t.TelemetryRecorderProvider({ client: 'sample.web', clientVersion: '9.8.7' }, exporter, [
                  new t.TimestampTelemetryProcessor({ now: () => new Date('{{recordedAt:O}}') }),
                  new t.MarketingTrackingTelemetryProcessor({ getMarketingTrackingMetadata: () => ({ url: location.href, referrer: 'https://example.com/from' }) }),
                ], { bufferTimeMs: 0, bufferMaxSize: 1, errorHandler: error => { throw error } })
              provider.getRecorder().recordEvent('sample.everyField', 'recorded', {
                version: 3, interactionID: '{{interaction}}', metadata: { count: 2, ratio: 0.5 },
                privateMetadata: { query: 'grpc', nested: { list: [1, 'two'] } }, billingMetadata: { product: 'sample', category: 'core' } })
              await exporter.flush()
            })()
            """);

        var received = Assert.Single(await ArrivedAsync(fixture.Sample, e => e.Feature == "sample.everyField" && User(e) == user, 1));
        using var document = JsonDocument.Parse(received.Json);
        var ev = document.RootElement.GetProperty("event");
        Assert.Equal("recorded", received.Action);
        Assert.Equal(recordedAt.ToUnixTimeMilliseconds(), received.Timestamp.ToUnixTimeMilliseconds());
        Assert.Equal("sample.web", ev.GetProperty("source").GetProperty("client").GetProperty("name").GetString());
        Assert.Equal("9.8.7", ev.GetProperty("source").GetProperty("client").GetProperty("version").GetString());
        Assert.Equal(interaction, ev.GetProperty("interaction").GetProperty("interactionId").GetString());
        Assert.Matches("^[0-9a-f]{32}$", ev.GetProperty("interaction").GetProperty("traceId").GetString());
        var parameters = ev.GetProperty("parameters");
        Assert.Equal(3, parameters.GetProperty("version").GetInt32());
        Assert.Equal(new Dictionary<string, double> { ["count"] = 2, ["ratio"] = 0.5 }, received.Metadata);
        Assert.Equal("""{"nested":{"list":[1,"two"]},"query":"grpc"}""", Canonical(received.PrivateMetadataJson));
        Assert.Equal("sample", parameters.GetProperty("billingMetadata").GetProperty("product").GetString());
        Assert.Equal("core", parameters.GetProperty("billingMetadata").GetProperty("category").GetString());
        var marketing = ev.GetProperty("marketingTracking");
        Assert.StartsWith(fixture.Sample.Address.ToString(), marketing.GetProperty("url").GetString(), StringComparison.Ordinal);
        Assert.Equal("https://example.com/from", marketing.GetProperty("referrer").GetString());
    }

    [Fact]
    public async Task Page_WithoutTheLibraryBundle_MinimalRecorderSendsTheSameEvents()
    {
        await using var sample = KestrelSample.Start(fixture.Gateway, new Dictionary<string, string>());
        var user = NewUser("minimal");
        await Browser.OpenAsync(PageUri(sample, user), Ready);
        Assert.StartsWith("minimal stand-in", await Browser.EvaluateAsync<string>("window.sampleTelemetry.kind"), StringComparison.Ordinal);
        var view = await Browser.EvaluateAsync<string>("window.sampleTelemetry.interactionID");
        await Browser.ClickAsync("button[data-position=\"2\"]");
        await Browser.EvaluateAsync("window.sampleTelemetry.exporter.flush()");

        var arrived = await ArrivedAsync(sample, e => User(e) == user, 2);
        Assert.All(arrived, e => Assert.Equal(view, InteractionId(e)));
        Assert.Equal(2, Assert.Single(arrived, e => e.Action == "clicked").Metadata["position"]);
        Assert.Equal(3, Assert.Single(arrived, e => e.Action == "viewed").Metadata["buttons"]);
    }

    private static Uri PageUri(KestrelSample sample, string user, string extraQuery = "") => new(sample.Address, $"/?user={user}{extraQuery}");

    private static string NewUser(string test) => $"{test}-{Guid.NewGuid():N}";

    /// <summary>Waits (bounded) until the gateway holds <paramref name="count"/> matching events; returns what matches then.</summary>
    private static async Task<IReadOnlyList<ReceivedEvent>> ArrivedAsync(KestrelSample sample, Func<ReceivedEvent, bool> match, int count)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var arrived = (await sample.DeliveredAsync()).Where(match).ToList();
            if (arrived.Count >= count || clock.Elapsed > ArrivalLimit)
            {
                return arrived;
            }

            await Task.Delay(100);
        }
    }

    private static string? InteractionId(ReceivedEvent received) => Property(received, "interaction", "interactionId");

    private static string? User(ReceivedEvent received) => Property(received, "user", "samsExternalId");

    private static string? Property(ReceivedEvent received, string outer, string inner)
    {
        using var document = JsonDocument.Parse(received.Json);
        return document.RootElement.GetProperty("event").TryGetProperty(outer, out var o) && o.TryGetProperty(inner, out var i) ? i.GetString() : null;
    }

    private static string Canonical(string? json)
    {
        using var document = JsonDocument.Parse(json ?? "null");
        return JsonSerializer.Serialize(Sort(document.RootElement));

        static object? Sort(JsonElement e) => e.ValueKind switch
        {
            JsonValueKind.Object => e.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal).ToDictionary(p => p.Name, p => Sort(p.Value)),
            JsonValueKind.Array => e.EnumerateArray().Select(Sort).ToList(),
            JsonValueKind.String => e.GetString(),
            JsonValueKind.Number => e.GetDouble(),
            _ => e.ToString(),
        };
    }
}
