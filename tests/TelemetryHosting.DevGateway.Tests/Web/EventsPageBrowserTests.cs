using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Telemetrygateway.V1;
using TelemetryHosting.TestSupport;
using static TelemetryHosting.DevGateway.Tests.GatewayHarness;

namespace TelemetryHosting.DevGateway.Tests.Web;

/// <summary>
/// The events page in a real headless Chromium driven over the DevTools protocol: events sent over gRPC must show in the
/// DOM the page's script renders, and the filters, detail view, pause, clear, download and chart must work as a person
/// uses them. Every wait is on a condition with a limit. Chromium is required (Debian: <c>apt-get install -y chromium</c>);
/// without it these tests fail, they do not skip. <c>DEVGATEWAY_SCREENSHOT=/tmp/page.png</c> saves a screenshot of the
/// every-field test's page.
/// </summary>
public sealed class EventsPageBrowserTests
{
    private const string Rows = "document.querySelectorAll('#events tr.event')";

    [Fact]
    public async Task Page_EventSent_AppearsInRenderedList()
    {
        await using var harness = await StartAsync();
        var ev = NewEvent("browserTest.page", "rendered");
        ev.Interaction = new EventInteraction { TraceId = "0af7651916cd43dd8448eb211c80319c" };
        ev.User = new EventUser { SamsExternalId = "0191d8a0-7c1e-7b3a-9f1e-2a6c1b9d4e5f" };
        ev.Source.Client = new EventSource.Types.Client { Name = "web", Version = "2.0" };
        await SendAsync(harness, ManagedService("browser-service"), ev);
        await using var browser = await OpenPageAsync(harness);
        var cells = await browser.WaitForAsync($"[...document.querySelectorAll('#events tr[data-id=\"{ev.Id}\"] td')].map(td => td.textContent)");

        Assert.Equal(["accepted", "browser-service (dev)", "browserTest.page", "rendered", "0191d8a0-7c1e-7b3a-9f1e-2a6c1b9d4e5f", "web 2.0", "0af7651916cd43dd8448eb211c80319c", ev.Id], cells!.AsArray().Skip(1).Select(c => c!.GetValue<string>()));
        Assert.Equal("1", await browser.EvaluateAsync<string>("document.getElementById('count').textContent"));
    }

    [Fact]
    public async Task Page_RowClicked_DetailShowsEveryFieldOfAnEventWithEveryFieldSet()
    {
        await using var harness = await StartAsync();
        await SendAsync(harness, EveryField.Metadata(), EveryField.Event());
        await using var browser = await OpenPageAsync(harness, rows: 1);

        await browser.ClickAsync("#events tr.event td.feature");
        await browser.WaitForAsync("!document.getElementById('detail').hidden");
        if (Environment.GetEnvironmentVariable("DEVGATEWAY_SCREENSHOT") is { Length: > 0 } screenshot)
        {
            await File.WriteAllBytesAsync(screenshot, await browser.ScreenshotAsync());
        }

        // Each field of the /api/events object, as the detail view shows it (objects as indented JSON, null as "(unset)").
        var shown = (await browser.EvaluateAsync("Object.fromEntries([...document.querySelectorAll('#detail-body [data-field]')].map(e => [e.dataset.field, e.textContent]))"))!.AsObject();
        var expected = EveryField.ExpectedJson.Keys.Append("receivedAt").Order(StringComparer.Ordinal);
        Assert.Equal(expected, shown.Select(p => p.Key).Order(StringComparer.Ordinal));
        foreach (var (field, json) in EveryField.ExpectedJson.Where(f => f.Key != "sequence"))
        {
            using var value = JsonDocument.Parse(json);
            var text = value.RootElement.ValueKind switch
            {
                JsonValueKind.Null => "(unset)",
                JsonValueKind.String => value.RootElement.GetString(),
                JsonValueKind.Object => JsonSerializer.Serialize(value.RootElement, new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }),
                _ => value.RootElement.GetRawText(),
            };
            Assert.True(text == shown[field]!.GetValue<string>(), $"{field}: expected {text}, shown {shown[field]}");
        }
    }

    [Fact]
    public async Task Page_UnformattableEvent_ShownAsInvalidWithReasonAndLocation()
    {
        await using var harness = await StartAsync();
        var bad = NewEvent("kindless.value", "sent");
        bad.Parameters.PrivateMetadata = new Struct { Fields = { ["outer"] = Value.ForStruct(new Struct { Fields = { ["inner"] = new Value() } }) } };
        await SendAsync(harness, ManagedService(), bad, NewEvent());
        await using var browser = await OpenPageAsync(harness);

        await browser.WaitForAsync($"document.querySelector('#events tr[data-id=\"{bad.Id}\"][data-status=\"invalid\"]')");
        await browser.ClickAsync($"#events tr[data-id=\"{bad.Id}\"] td.feature");
        var reason = await browser.WaitForAsync("document.querySelector('#detail-body [data-field=reason]').textContent");

        Assert.Contains("google.protobuf.Value in parameters.private_metadata has none of its kinds set", reason!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("parameters.privateMetadata.outer.inner", await browser.EvaluateAsync<string>("document.querySelector('#detail-body [data-field=reasonLocation]').textContent"));
        Assert.Equal("1", await browser.EvaluateAsync<string>("document.getElementById('invalid').textContent"));
    }

    [Fact]
    public async Task Page_HostileText_RenderedAsTextNotMarkup()
    {
        await using var harness = await StartAsync(o => o.RequireAuthentication = false);
        var accepted = NewEvent();
        accepted.Parameters.PrivateMetadata = new Struct { Fields = { ["html"] = Value.ForString("<img id=\"injected\" src=x onerror=\"document.title='pwned'\">") } };
        var refused = NewEvent("<img id=\"injected2\" src=x>", "view");
        await harness.RecordEventsAsync(null, MetadataMessage(ManagedService()), Payload(accepted, refused));
        await using var browser = await OpenPageAsync(harness, rows: 2);

        await browser.ClickAsync($"#events tr[data-id=\"{accepted.Id}\"] td.feature");
        var shown = await browser.WaitForAsync("document.querySelector('#detail-body [data-field=privateMetadata]').textContent");

        Assert.Contains("<img id=\\\"injected\\\"", shown!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("<img id=\"injected2\" src=x>", await browser.EvaluateAsync<string>("document.getElementById('events').textContent"), StringComparison.Ordinal);
        Assert.True(await browser.EvaluateAsync<bool>("document.querySelector('#injected, #injected2') === null && document.title !== 'pwned'"));
    }

    [Fact]
    public async Task Page_Filters_ShowOnlyMatchingEvents()
    {
        await using var harness = await StartAsync();
        var alphaView = NewEvent("alpha.one", "view");
        var alphaClick = NewEvent("alpha.one", "click");
        alphaClick.Parameters.PrivateMetadata = new Struct { Fields = { ["note"] = Value.ForString("Needle-42") } };
        var beta = NewEvent("beta.two", "click");
        var invalid = NewEvent("Alpha", "view");
        await SendAsync(harness, ManagedService("svc-a"), alphaView, alphaClick, invalid);
        await SendAsync(harness, ManagedService("svc-b", "prod"), beta);
        await using var browser = await OpenPageAsync(harness, rows: 4);

        await browser.SelectAsync("#filter-service", "svc-a (dev)");
        Assert.Equal([invalid.Id, alphaClick.Id, alphaView.Id], await ShownIdsAsync(browser));
        await browser.TypeAsync("#filter-feature", "alpha.one");
        Assert.Equal([alphaClick.Id, alphaView.Id], await ShownIdsAsync(browser));
        await browser.TypeAsync("#filter-action", "click");
        Assert.Equal([alphaClick.Id], await ShownIdsAsync(browser));
        Assert.Equal("1 of 4 shown", await browser.EvaluateAsync<string>("document.getElementById('shown').textContent"));

        await browser.ClickAsync("#filter-reset");
        await browser.WaitForAsync($"{Rows}.length === 4");
        await browser.TypeAsync("#filter-text", "needle-42");
        Assert.Equal([alphaClick.Id], await ShownIdsAsync(browser));

        await browser.ClickAsync("#filter-reset");
        await browser.SelectAsync("#filter-status", "refused");
        Assert.Equal([invalid.Id], await ShownIdsAsync(browser));
    }

    [Fact]
    public async Task Page_PauseThenResume_ListFrozenWhileNewEventsAreCounted()
    {
        await using var harness = await StartAsync();
        var first = NewEvent();
        await SendAsync(harness, ManagedService(), first);
        await using var browser = await OpenPageAsync(harness, rows: 1);

        await browser.ClickAsync("#pause");
        await browser.WaitForAsync("document.getElementById('pause').getAttribute('aria-pressed') === 'true'");
        var second = NewEvent();
        await SendAsync(harness, ManagedService(), second);

        // The paused page polls counts only: it must see the new event and still not show it.
        await browser.WaitForAsync("document.getElementById('status').textContent === 'Paused: 1 new events since'");
        Assert.Equal([first.Id], await ShownIdsAsync(browser));
        Assert.Equal("1", await browser.EvaluateAsync<string>("document.getElementById('count').textContent"));

        await browser.ClickAsync("#pause");
        await browser.WaitForAsync($"{Rows}.length === 2");
        Assert.Equal([second.Id, first.Id], await ShownIdsAsync(browser));
        Assert.Equal("Pause", await browser.EvaluateAsync<string>("document.getElementById('pause').textContent"));
    }

    [Fact]
    public async Task Page_AnswerHeldUntilAfterPause_NothingDrawnWhilePaused()
    {
        await using var harness = await StartAsync();
        await SendAsync(harness, ManagedService(), NewEvent(), NewEvent());
        await using var browser = await OpenPageAsync(harness, rows: 2);
        await SendAsync(harness, ManagedService(), NewEvent());

        // The answer of a poll started before the pause arrives after it: it must change neither the list nor the status.
        await HoldNextAnswerAsync(browser);
        await browser.ClickAsync("#pause");
        await browser.WaitForAsync("document.body.classList.contains('paused')");
        await browser.EvaluateAsync("window.release()");
        await WaitForTwoMorePollsAsync(browser);

        Assert.Equal("[]", (await browser.EvaluateAsync("window.drawn"))!.ToJsonString());
        var statuses = (await browser.EvaluateAsync("window.statuses"))!.AsArray().Select(n => n!.GetValue<string>()).ToArray();
        Assert.All(statuses, s => Assert.StartsWith("Paused", s, StringComparison.Ordinal));
        Assert.Equal(2, await browser.EvaluateAsync<int>($"{Rows}.length"));
    }

    [Fact]
    public async Task Page_Download_SavesTheFilteredEventsAsJsonLines()
    {
        await using var harness = await StartAsync();
        var kept = new[] { NewEvent("download.kept", "view"), NewEvent("download.kept", "view") };
        await SendAsync(harness, ManagedService(), kept[0], NewEvent("download.other", "view"), kept[1]);
        await using var browser = await OpenPageAsync(harness, rows: 3);
        await browser.TypeAsync("#filter-feature", "download.kept");
        await browser.WaitForAsync($"{Rows}.length === 2");

        await browser.ClickAsync("#download");
        var (path, name) = await browser.WaitForDownloadAsync();

        Assert.EndsWith(".jsonl", name, StringComparison.Ordinal);
        var lines = await File.ReadAllLinesAsync(path);
        Assert.Equal([kept[1].Id, kept[0].Id], lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetString()));
        Assert.All(lines, l => Assert.Equal("download.kept", JsonDocument.Parse(l).RootElement.GetProperty("feature").GetString()));
    }

    [Fact]
    public async Task Page_DownloadTwice_EachWaitReturnsItsOwnFile()
    {
        await using var harness = await StartAsync();
        var first = NewEvent("download.first", "view");
        var second = NewEvent("download.second", "view");
        await SendAsync(harness, ManagedService(), first, second);
        await using var browser = await OpenPageAsync(harness);
        await browser.TypeAsync("#filter-feature", "download.first");
        await browser.WaitForAsync($"{Rows}.length === 1");
        await browser.ClickAsync("#download");
        var (firstPath, _) = await browser.WaitForDownloadAsync();

        await browser.ClickAsync("#filter-reset");
        await browser.TypeAsync("#filter-feature", "download.second");
        await browser.WaitForAsync($"{Rows}.length === 1 && {Rows}[0].dataset.id === {JsonSerializer.Serialize(second.Id)}");
        await browser.ClickAsync("#download");
        var (secondPath, _) = await browser.WaitForDownloadAsync();

        Assert.NotEqual(firstPath, secondPath);
        Assert.Equal(first.Id, JsonDocument.Parse(Assert.Single(await File.ReadAllLinesAsync(firstPath))).RootElement.GetProperty("id").GetString());
        Assert.Equal(second.Id, JsonDocument.Parse(Assert.Single(await File.ReadAllLinesAsync(secondPath))).RootElement.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Page_EventsArrive_ChartAndFeatureCountsUpdate()
    {
        await using var harness = await StartAsync();
        await using var browser = await OpenPageAsync(harness);
        await browser.WaitForAsync("document.querySelectorAll('#chart g').length === 60");
        Assert.Equal(0, await browser.EvaluateAsync<int>(Sum("accepted") + " + " + Sum("refused")));

        var repeated = NewEvent("chart.feature", "view");
        await SendAsync(harness, ManagedService(), repeated, repeated, NewEvent("chart.feature", "view"), NewEvent("Chart", "view"));

        await browser.WaitForAsync($"{Sum("accepted")} === 2 && {Sum("duplicates")} === 1 && {Sum("refused")} === 1");
        Assert.Equal("2", await browser.EvaluateAsync<string>("document.getElementById('chart-accepted').textContent"));
        Assert.True(await browser.EvaluateAsync<bool>("document.querySelectorAll('#chart rect.accepted').length >= 1 && document.querySelectorAll('#chart rect.refused').length >= 1"));
        var counts = await browser.WaitForAsync("(r => r && [...r.children].map(td => td.textContent))(document.querySelector('#feature-counts tr[data-feature=\"chart.feature\"]'))");
        Assert.Equal(["chart.feature", "view", "2", "1", "0"], counts!.AsArray().Select(c => c!.GetValue<string>()));

        // A click on a row of the counts table filters the list to that feature and action.
        await browser.ClickAsync("#feature-counts tr[data-feature=\"chart.feature\"]");
        await browser.WaitForAsync($"{Rows}.length === 3");
    }

    [Fact]
    public async Task Page_ClearGateway_EmptiesTheGatewayAndTheList()
    {
        await using var harness = await StartAsync();
        await SendAsync(harness, ManagedService(), NewEvent(), NewEvent("Bad", "view"));
        await using var browser = await OpenPageAsync(harness, rows: 2);

        await browser.ClickAsync("#clear");
        await browser.WaitForAsync($"{Rows}.length === 0 && !document.getElementById('empty').hidden");

        Assert.Equal(0, harness.Gateway.Events.Count);
        Assert.Equal(0, harness.Gateway.Events.InvalidCount);
        var next = NewEvent();
        await SendAsync(harness, ManagedService(), next);
        await browser.WaitForAsync($"{Rows}.length === 1");
        Assert.Equal([next.Id], await ShownIdsAsync(browser));
    }

    [Fact]
    public async Task Page_ClearWhilePaused_ListAndCountsEmptied()
    {
        await using var harness = await StartAsync();
        await SendAsync(harness, ManagedService(), NewEvent(), NewEvent());
        await using var browser = await OpenPageAsync(harness, rows: 2);
        await browser.ClickAsync("#pause");
        await browser.WaitForAsync("document.body.classList.contains('paused')");

        await browser.ClickAsync("#clear");

        // Deleted events must not stay on screen (nor in Download, which saves what the list shows). The status reads
        // "Paused: 0 new events since" soon after the pause as well, so it cannot tell whether the clear took effect:
        // the list can (before the fix it kept its two rows until Resume, and this wait ran out).
        await browser.WaitForAsync($"{Rows}.length === 0 && !document.getElementById('empty').hidden");
        Assert.Equal(0, harness.Gateway.Events.Count);
        Assert.Equal("0", await browser.EvaluateAsync<string>("document.getElementById('count').textContent"));

        // The next poll after the clear counts new events from the emptied gateway (the status says only "Paused" until it answers).
        await browser.WaitForAsync("document.getElementById('status').textContent === 'Paused: 0 new events since'");
        Assert.Equal(0, await browser.EvaluateAsync<int>($"{Rows}.length"));
    }

    [Fact]
    public async Task Page_ClearThenPauseBeforeNextPoll_PausedStatusCountsOnlyNewEvents()
    {
        await using var harness = await StartAsync();
        await SendAsync(harness, ManagedService(), NewEvent(), NewEvent(), NewEvent(), NewEvent());
        await using var browser = await OpenPageAsync(harness, rows: 4);

        // Clear, then Pause before the page's next poll answered (a person clicking quickly).
        await browser.EvaluateAsync("(async () => { await clearGateway(); setPaused(true); })()");
        await SendAsync(harness, ManagedService(), NewEvent(), NewEvent());
        await WaitForTwoMorePollsAsync(browser);

        Assert.Equal("Paused: 2 new events since", await browser.EvaluateAsync<string>("document.getElementById('status').textContent"));
    }

    [Fact]
    public async Task Page_AnswerHeldUntilAfterClear_StaleListNeverDrawn()
    {
        await using var harness = await StartAsync();
        await SendAsync(harness, ManagedService(), NewEvent(), NewEvent());
        await using var browser = await OpenPageAsync(harness, rows: 2);
        await SendAsync(harness, ManagedService(), NewEvent());

        // The answer of a poll started before the clear (three events) arrives after the gateway was cleared.
        await HoldNextAnswerAsync(browser);
        await browser.ClickAsync("#clear");
        await browser.WaitForAsync("window.deleted");
        await browser.EvaluateAsync("window.release()");
        await WaitForTwoMorePollsAsync(browser);

        var drawn = (await browser.EvaluateAsync("window.drawn"))!.AsArray().Select(n => n!.GetValue<int>()).ToArray();
        Assert.All(drawn, rows => Assert.Equal(0, rows));
        Assert.Equal(0, await browser.EvaluateAsync<int>($"{Rows}.length"));
    }

    [Fact]
    public async Task Page_PollNeverAnswered_PauseAndResumeStartNewPolls()
    {
        await using var harness = await StartAsync();
        await SendAsync(harness, ManagedService(), NewEvent());
        await using var browser = await OpenPageAsync(harness, rows: 1);

        // The page's own poll timeout (30 s) would end the stuck poll within the test's wait: only Pause and Resume may.
        await browser.EvaluateAsync("state.pollTimeout = 3600000");
        await StickNextRequestAsync(browser);
        await SendAsync(harness, ManagedService(), NewEvent());

        await browser.ClickAsync("#pause");
        await browser.WaitForAsync("document.body.classList.contains('paused')");
        await browser.ClickAsync("#pause");

        await browser.WaitForAsync($"{Rows}.length === 2");
    }

    [Fact]
    public async Task Page_PollNeverAnswered_EndsAtItsTimeoutAndPollingGoesOn()
    {
        await using var harness = await StartAsync();
        await SendAsync(harness, ManagedService(), NewEvent());
        await using var browser = await OpenPageAsync(harness, rows: 1);

        // The page's poll timeout (30 s), shortened so that the test need not wait that long.
        await browser.EvaluateAsync("state.pollTimeout = 500");
        await StickNextRequestAsync(browser);
        await SendAsync(harness, ManagedService(), NewEvent());

        await browser.WaitForAsync($"{Rows}.length === 2");
    }

    [Fact]
    public async Task Page_NoNewEvents_CountsRowAndChartBarKeptAcrossPolls()
    {
        await using var harness = await StartAsync();
        await SendAsync(harness, ManagedService(), NewEvent("stable.feature", "view"));
        await using var browser = await OpenPageAsync(harness);
        await browser.WaitForAsync("document.querySelector('#feature-counts tr[data-feature=\"stable.feature\"]') && document.querySelector('#chart g')");

        // Kept across two more completed polls (the page counts them in body's data-polls): nothing changed, so a person
        // hovering a bar or clicking a row must not have it replaced under the pointer.
        await browser.EvaluateAsync("window.kept = [document.querySelector('#feature-counts tr[data-feature=\"stable.feature\"]'), document.querySelector('#chart g')]");
        await WaitForTwoMorePollsAsync(browser);

        Assert.Equal([true, true], (await browser.EvaluateAsync("window.kept.map(e => e.isConnected)"))!.AsArray().Select(n => n!.GetValue<bool>()));
        Assert.Equal("1", await browser.EvaluateAsync<string>("window.kept[0].children[2].textContent"));
    }

    /// <summary>Starts chromium on the gateway's page and, when <paramref name="rows"/> is given, waits until it lists that many events.</summary>
    private static async Task<HeadlessChromium> OpenPageAsync(GatewayHarness harness, int? rows = null)
    {
        var browser = await HeadlessChromium.StartAsync();
        try
        {
            await browser.OpenAsync(harness.Gateway.WebAddress, "document.getElementById('shown') && document.getElementById('shown').textContent !== ''");
            if (rows is { } count)
            {
                await browser.WaitForAsync($"{Rows}.length === {count}");
            }

            return browser;
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits until the page has completed two more polls (it counts them in body's data-polls).</summary>
    private static async Task WaitForTwoMorePollsAsync(HeadlessChromium browser)
    {
        var polls = await browser.EvaluateAsync<int>("Number(document.body.dataset.polls)");
        await browser.WaitForAsync($"Number(document.body.dataset.polls) >= {polls + 2}");
    }

    /// <summary>
    /// Holds the answer of the page's next <c>/api/events?limit=</c> request until the test calls <c>window.release()</c>;
    /// returns once it is held. From then on the page records the row count of each redraw of the list in
    /// <c>window.drawn</c> and each status text in <c>window.statuses</c>; <c>window.deleted</c> is set when a DELETE
    /// (Clear) has been answered.
    /// </summary>
    private static async Task HoldNextAnswerAsync(HeadlessChromium browser)
    {
        await browser.EvaluateAsync("""
            (() => {
              const real = window.fetch;
              let once = true;
              window.held = false; window.deleted = false; window.drawn = []; window.statuses = [];
              window.fetch = async (url, init) => {
                const response = await real(url, init);
                if (init && init.method === 'DELETE') window.deleted = true;
                if (once && String(url).startsWith('/api/events?limit=')) {
                  once = false;
                  const released = new Promise(resolve => window.release = resolve);
                  new MutationObserver(() => window.drawn.push(document.querySelectorAll('#events tr.event').length))
                    .observe(document.getElementById('events'), { childList: true });
                  new MutationObserver(() => window.statuses.push(document.getElementById('status').textContent))
                    .observe(document.getElementById('status'), { childList: true, characterData: true, subtree: true });
                  window.held = true;
                  await released;
                }
                return response;
              };
            })()
            """);
        await browser.WaitForAsync("window.held");
    }

    /// <summary>
    /// Makes the page's next request one that never settles, whatever its abort signal says (a half-open connection, a
    /// gateway stopped in a debugger); returns once the page has made it.
    /// </summary>
    private static async Task StickNextRequestAsync(HeadlessChromium browser)
    {
        await browser.EvaluateAsync("""
            (() => {
              const real = window.fetch;
              let once = true;
              window.stuck = false;
              window.fetch = (...args) => {
                if (!once) return real(...args);
                once = false;
                window.stuck = true;
                return new Promise(() => {});
              };
            })()
            """);
        await browser.WaitForAsync("window.stuck");
    }

    private static string Sum(string kind) => $"[...document.querySelectorAll('#chart g')].reduce((s, g) => s + Number(g.dataset.{kind}), 0)";

    private static async Task<string[]> ShownIdsAsync(HeadlessChromium browser) =>
        (await browser.EvaluateAsync($"[...{Rows}].map(r => r.dataset.id)"))!.AsArray().Select(n => n!.GetValue<string>()).ToArray();

    private static async Task SendAsync(GatewayHarness harness, RecordEventsRequestMetadata metadata, params Event[] events)
    {
        var result = await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(metadata), Payload(events));
        Assert.Equal(StatusCode.OK, result.Status.StatusCode);
    }
}
