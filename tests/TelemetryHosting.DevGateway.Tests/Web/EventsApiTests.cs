using System.Net;
using System.Text.Json;
using Grpc.Core;
using Telemetrygateway.V1;
using TelemetryHosting.DevGateway.Internal;
using static TelemetryHosting.DevGateway.Tests.GatewayHarness;

namespace TelemetryHosting.DevGateway.Tests.Web;

/// <summary>The JSON endpoint for scripts, the page and the JSON Lines file.</summary>
public sealed class EventsApiTests
{
    [Fact]
    public async Task GetEvents_AfterEvents_NewestFirstWithCounts()
    {
        await using var harness = await StartAsync();
        var first = NewEvent("first.feature", "view");
        first.Interaction = new EventInteraction { TraceId = "4bf92f3577b34da6a3ce929d0e0e4736" };
        first.Parameters.Metadata["n"] = 2;
        first.Parameters.PrivateMetadata = new Google.Protobuf.WellKnownTypes.Struct();
        first.Parameters.PrivateMetadata.Fields["query"] = Google.Protobuf.WellKnownTypes.Value.ForString("q");
        var second = NewEvent("second.feature", "succeeded");
        await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService("svc", "prod")), Payload(first));
        await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService("svc", "prod")), Payload(second, second));

        using var json = await GetJsonAsync(harness, "api/events");

        var root = json.RootElement;
        Assert.Equal(3, root.GetProperty("count").GetInt32());
        Assert.Equal(2, root.GetProperty("distinctCount").GetInt32());
        Assert.Equal(1, root.GetProperty("duplicateCount").GetInt32());
        var events = root.GetProperty("events").EnumerateArray().ToArray();
        Assert.Equal([second.Id, second.Id, first.Id], events.Select(e => e.GetProperty("id").GetString()));
        var oldest = events[2];
        Assert.Equal("first.feature", oldest.GetProperty("feature").GetString());
        Assert.Equal("view", oldest.GetProperty("action").GetString());
        Assert.Equal("svc", oldest.GetProperty("serviceId").GetString());
        Assert.Equal("prod", oldest.GetProperty("serviceEnvironment").GetString());
        Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", oldest.GetProperty("traceId").GetString());
        Assert.Equal(2, oldest.GetProperty("metadata").GetProperty("n").GetDouble());
        Assert.Equal("q", oldest.GetProperty("privateMetadata").GetProperty("query").GetString());
        Assert.Equal(JsonValueKind.Null, events[0].GetProperty("privateMetadata").ValueKind);
    }

    [Fact]
    public async Task GetEvents_WithLimit_OnlyTheNewest()
    {
        await using var harness = await StartAsync();
        await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(NewEvent(id: "a"), NewEvent(id: "b"), NewEvent(id: "c")));

        using var json = await GetJsonAsync(harness, "api/events?limit=2");

        Assert.Equal(["c", "b"], json.RootElement.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("id").GetString()));
        Assert.Equal(3, json.RootElement.GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task DeleteEvents_AfterEvents_StoreCleared()
    {
        await using var harness = await StartAsync();
        await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(NewEvent()));
        using var http = new HttpClient { Timeout = WaitLimit };

        using var response = await http.DeleteAsync(new Uri(harness.Gateway.WebAddress, "api/events"));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(0, harness.Gateway.Events.Count);
    }

    [Fact]
    public async Task GetPage_Root_HtmlWithOwnScriptThatPollsTheJsonEndpoints()
    {
        await using var harness = await StartAsync();
        using var http = new HttpClient { Timeout = WaitLimit };

        using var response = await http.GetAsync(harness.Gateway.WebAddress);
        var html = await response.Content.ReadAsStringAsync();
        using var script = await http.GetAsync(new Uri(harness.Gateway.WebAddress, "events-page.js"));
        var code = await script.Content.ReadAsStringAsync();
        using var style = await http.GetAsync(new Uri(harness.Gateway.WebAddress, "events-page.css"));
        using var glance = await http.GetAsync(new Uri(harness.Gateway.WebAddress, "events-page-glance.js"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<script src=\"/events-page.js\"", html, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.DoesNotContain("http", html.Replace("http-equiv", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        Assert.Contains("\"/api/events?limit=\"", code, StringComparison.Ordinal);
        Assert.Contains("\"/api/events/stats?seconds=\"", code, StringComparison.Ordinal);
        Assert.Equal("text/css", style.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<script src=\"/events-page-glance.js\"", html, StringComparison.Ordinal);
        Assert.Equal("text/javascript", glance.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task GetEvents_EventWithEveryFieldSet_EveryFieldInTheJson()
    {
        await using var harness = await StartAsync(fakeTime: true);
        var result = await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(EveryField.Metadata()), Payload(EveryField.Event()));
        Assert.Equal(StatusCode.OK, result.Status.StatusCode);

        using var json = await GetJsonAsync(harness, "api/events");

        var ev = Assert.Single(json.RootElement.GetProperty("events").EnumerateArray());
        var expected = new Dictionary<string, string>(EveryField.ExpectedJson) { ["receivedAt"] = "\"2026-01-02T03:04:05+00:00\"" };
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), ev.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        foreach (var property in ev.EnumerateObject())
        {
            Assert.True(expected[property.Name] == property.Value.GetRawText(), $"{property.Name}: expected {expected[property.Name]}, got {property.Value.GetRawText()}");
        }
    }

    [Fact]
    public async Task GetEvents_RefusedEvents_ListedWithStatusReasonAndWhatWasSent()
    {
        await using var harness = await StartAsync(o => { o.Faults.RejectEvents.Enabled = true; o.Faults.RejectEvents.Features.Add("rejected.feature"); });
        var unformattable = NewEvent("bad.feature", "sent");
        unformattable.Parameters.PrivateMetadata = new Google.Protobuf.WellKnownTypes.Struct();
        unformattable.Parameters.PrivateMetadata.Fields["outer"] = Google.Protobuf.WellKnownTypes.Value.ForList(
            Google.Protobuf.WellKnownTypes.Value.ForNumber(double.NaN), new Google.Protobuf.WellKnownTypes.Value());
        var invalid = NewEvent("Bad Feature", "view");
        var failed = NewEvent("rejected.feature", "view");
        await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService("svc")), Payload(unformattable, invalid, failed, NewEvent()));

        using var json = await GetJsonAsync(harness, "api/events");

        var root = json.RootElement;
        Assert.Equal(1, root.GetProperty("count").GetInt32());
        Assert.Equal(2, root.GetProperty("invalidCount").GetInt32());
        Assert.Equal(1, root.GetProperty("failedCount").GetInt32());
        var refused = root.GetProperty("refused").EnumerateArray().ToArray();
        Assert.Equal([failed.Id, invalid.Id, unformattable.Id], refused.Select(e => e.GetProperty("id").GetString()));
        Assert.Equal(["failed", "invalid", "invalid"], refused.Select(e => e.GetProperty("status").GetString()));
        Assert.StartsWith("injected failure", refused[0].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("invalid event 'feature' or 'action': ", refused[1].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("Bad Feature", refused[1].GetProperty("feature").GetString());
        Assert.Equal(JsonValueKind.Null, refused[2].GetProperty("marketingTracking").ValueKind);
        Assert.Contains("NaN", refused[2].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("parameters.privateMetadata.outer[0]", refused[2].GetProperty("reasonLocation").GetString());
        Assert.Equal("[\"NaN\",null]", refused[2].GetProperty("privateMetadata").GetProperty("outer").GetRawText());
        Assert.Equal("svc", refused[2].GetProperty("serviceId").GetString());
        Assert.True(refused[0].GetProperty("sequence").GetInt64() > refused[2].GetProperty("sequence").GetInt64());
    }

    [Fact]
    public async Task GetStats_EventsInTwoSeconds_CountedPerSecondAndPerFeature()
    {
        await using var harness = await StartAsync(o => { o.Faults.RejectEvents.Enabled = true; o.Faults.RejectEvents.Features.Add("rejected.feature"); }, fakeTime: true);
        var repeated = NewEvent("stats.one", "view");
        await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(repeated, repeated, NewEvent("stats.two", "click")));
        harness.Time!.Advance(TimeSpan.FromSeconds(2));
        await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(NewEvent("Bad", "view"), NewEvent("rejected.feature", "view"), NewEvent("stats.one", "view")));

        using var json = await GetJsonAsync(harness, "api/events/stats?seconds=4");

        var seconds = json.RootElement.GetProperty("perSecond").EnumerateArray().ToArray();
        Assert.Equal(["2026-01-02T03:04:04+00:00", "2026-01-02T03:04:05+00:00", "2026-01-02T03:04:06+00:00", "2026-01-02T03:04:07+00:00"], seconds.Select(s => s.GetProperty("second").GetString()));
        Assert.Equal([0, 2, 0, 1], seconds.Select(s => s.GetProperty("accepted").GetInt32()));
        Assert.Equal([0, 1, 0, 0], seconds.Select(s => s.GetProperty("duplicates").GetInt32()));
        Assert.Equal([0, 0, 0, 2], seconds.Select(s => s.GetProperty("refused").GetInt32()));
        Assert.Equal(1, seconds[3].GetProperty("invalid").GetInt32());
        Assert.Equal(1, seconds[3].GetProperty("failed").GetInt32());
        var byFeature = json.RootElement.GetProperty("byFeature").EnumerateArray()
            .ToDictionary(n => n.GetProperty("feature").GetString() + "/" + n.GetProperty("action").GetString(), n => (n.GetProperty("accepted").GetInt32(), n.GetProperty("duplicates").GetInt32(), n.GetProperty("refused").GetInt32()));
        Assert.Equal((2, 1, 0), byFeature["stats.one/view"]);
        Assert.Equal((1, 0, 0), byFeature["stats.two/click"]);
        Assert.Equal((0, 0, 1), byFeature["Bad/view"]);
        Assert.Equal((0, 0, 1), byFeature["rejected.feature/view"]);
        Assert.Equal("stats.one/view", byFeature.Keys.First());
    }

    [Theory]
    [InlineData("api/events/stats?seconds=0")]
    [InlineData("api/events/stats?seconds=301")]
    [InlineData("api/events/stats?seconds=x")]
    [InlineData("api/events?limit=-1")]
    public async Task Get_BadQuery_BadRequest(string relative)
    {
        await using var harness = await StartAsync();
        using var http = new HttpClient { Timeout = WaitLimit };

        using var response = await http.GetAsync(new Uri(harness.Gateway.WebAddress, relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task DeleteEvents_AfterRefusedEvents_RefusedAndStatisticsClearedToo()
    {
        await using var harness = await StartAsync();
        await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(NewEvent(), NewEvent("Bad", "view")));
        using var http = new HttpClient { Timeout = WaitLimit };

        using var response = await http.DeleteAsync(new Uri(harness.Gateway.WebAddress, "api/events"));
        using var events = await GetJsonAsync(harness, "api/events");
        using var stats = await GetJsonAsync(harness, "api/events/stats");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(0, events.RootElement.GetProperty("refused").GetArrayLength());
        Assert.Equal(0, events.RootElement.GetProperty("invalidCount").GetInt32());
        Assert.Equal(0, stats.RootElement.GetProperty("byFeature").GetArrayLength());
        Assert.All(stats.RootElement.GetProperty("perSecond").EnumerateArray(), s => Assert.Equal(0, s.GetProperty("accepted").GetInt32() + s.GetProperty("refused").GetInt32()));
    }

    [Fact]
    public async Task JsonLinesPath_AcceptedEvents_OneProtobufJsonRecordPerLine()
    {
        var path = Path.Combine(Path.GetTempPath(), "devgateway-" + Guid.NewGuid().ToString("N"), "events.jsonl");
        try
        {
            var first = NewEvent();
            var second = NewEvent();
            await using (var harness = await StartAsync(o => o.JsonLinesPath = path))
            {
                var result = await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService("svc")), Payload(first, second));
                Assert.Equal(StatusCode.OK, result.Status.StatusCode);
                var lines = await File.ReadAllLinesAsync(path);
                Assert.Equal(harness.Gateway.Events.Snapshot().Reverse().Select(e => e.Json), lines);
            }

            var records = (await File.ReadAllLinesAsync(path)).Select(line => JsonDocument.Parse(line)).ToArray();
            Assert.Equal([first.Id, second.Id], records.Select(r => r.RootElement.GetProperty("event").GetProperty("id").GetString()));
            Assert.Equal("svc", records[0].RootElement.GetProperty("metadata").GetProperty("identifier").GetProperty("managedService").GetProperty("serviceId").GetString());
            Assert.True(records[0].RootElement.TryGetProperty("receivedAt", out _));
            Assert.Equal(first, Event.Parser.ParseJson(records[0].RootElement.GetProperty("event").GetRawText()));
            foreach (var record in records)
            {
                record.Dispose();
            }
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    [Fact]
    public async Task JsonLinesPath_Restart_Appends()
    {
        var path = Path.Combine(Path.GetTempPath(), "devgateway-" + Guid.NewGuid().ToString("N") + ".jsonl");
        try
        {
            for (var run = 0; run < 2; run++)
            {
                await using var harness = await StartAsync(o => o.JsonLinesPath = path);
                await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(NewEvent()));
            }

            Assert.Equal(2, (await File.ReadAllLinesAsync(path)).Length);
        }
        finally
        {
            File.Delete(path);
        }
    }


    [Fact]
    public async Task GetStats_RefusedFeatureCutInsideSurrogatePair_Served()
    {
        await using var harness = await StartAsync();
        var feature = new string('a', 63) + "\U0001F600" + "tail";
        var result = await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(NewEvent(feature, "view"), NewEvent()));
        Assert.Equal(StatusCode.OK, result.Status.StatusCode);

        using var json = await GetJsonAsync(harness, "api/events/stats");

        var features = json.RootElement.GetProperty("byFeature").EnumerateArray().Select(n => n.GetProperty("feature").GetString()).ToArray();
        Assert.Equal(2, features.Length);
        Assert.Contains(new string('a', 63) + "…", features);
    }

    [Fact]
    public async Task GetStats_ThousandsOfRefusedJunkNames_AcceptedFeatureStillCountedApart()
    {
        await using var harness = await StartAsync();
        var junk = Enumerable.Range(0, 1_100).Select(i => NewEvent("Junk" + i, "view")).ToArray();
        await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(junk));
        await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(NewEvent("real.feature", "view")));

        using var json = await GetJsonAsync(harness, "api/events/stats");

        var byFeature = json.RootElement.GetProperty("byFeature").EnumerateArray()
            .ToDictionary(n => n.GetProperty("feature").GetString() + "/" + n.GetProperty("action").GetString(), n => (n.GetProperty("accepted").GetInt32(), n.GetProperty("refused").GetInt32()));
        Assert.Equal((1, 0), byFeature["real.feature/view"]);
        Assert.Equal((0, 1), byFeature["Junk0/view"]);
        Assert.Equal(1_100, byFeature.Values.Sum(c => c.Item2));
        Assert.True(byFeature.Count <= 1 + 100 + 1, $"{byFeature.Count} rows");
    }

    [Fact]
    public async Task GetEvents_LargeInvalidEvents_ListedAsSummaries()
    {
        await using var harness = await StartAsync();
        var bad = Enumerable.Range(0, 5).Select(_ =>
        {
            var ev = NewEvent("Bad", "view");
            ev.Parameters.PrivateMetadata = new Google.Protobuf.WellKnownTypes.Struct();
            ev.Parameters.PrivateMetadata.Fields["blob"] = Google.Protobuf.WellKnownTypes.Value.ForString(new string('\u0001', 8_000_000));
            return ev;
        }).ToArray();
        var small = NewEvent("Small", "view");
        foreach (var ev in bad.Append(small))
        {
            var result = await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(ev));
            Assert.Equal(StatusCode.OK, result.Status.StatusCode);
        }

        using var http = new HttpClient { Timeout = WaitLimit };
        var body = await http.GetStringAsync(new Uri(harness.Gateway.WebAddress, "api/events?limit=500"));

        // Kept whole, each would be 48 MB of \u0001 escapes in this answer.
        Assert.True(body.Length < 100_000, $"{body.Length:N0} characters");
        using var json = JsonDocument.Parse(body);
        var refused = json.RootElement.GetProperty("refused").EnumerateArray().ToArray();
        Assert.Equal([false, true, true, true, true, true], refused.Select(e => e.GetProperty("summaryOnly").GetBoolean()));
        Assert.Equal(JsonValueKind.Null, refused[1].GetProperty("privateMetadata").ValueKind);
        Assert.Equal(bad[4].Id, refused[1].GetProperty("id").GetString());
    }

    [Fact]
    public async Task WriteEventsAsync_ManyLargeEvents_WrittenToTheBodyInPieces()
    {
        await using var harness = await StartAsync();
        var events = Enumerable.Range(0, 30).Select(_ =>
        {
            var ev = NewEvent();
            ev.Parameters.PrivateMetadata = new Google.Protobuf.WellKnownTypes.Struct();
            ev.Parameters.PrivateMetadata.Fields["text"] = Google.Protobuf.WellKnownTypes.Value.ForString(new string('t', 200_000));
            return ev;
        }).ToArray();
        var result = await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(events));
        Assert.Equal(StatusCode.OK, result.Status.StatusCode);
        var body = new WriteSizeStream();
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        context.Response.Body = body;

        await TelemetryHosting.DevGateway.Internal.EventsApi.WriteEventsAsync(context, harness.Gateway.Events);

        // The whole answer is 6 MB; it must reach the body as it is written (about 64 KB and one event at a time), not at the end.
        Assert.True(body.Total > 6_000_000, $"{body.Total:N0} bytes written");
        Assert.True(body.LargestWrite < 512 * 1024, $"A single write of {body.LargestWrite:N0} bytes");
    }

    [Fact]
    public async Task GetStats_FailedEventsWithManyValidNames_CountedApartNotUnderTheInvalidBudget()
    {
        // Fault injection fails every event: their names are valid (the budget of 100 is for invalid events' names).
        await using var harness = await StartAsync(o => o.Faults.RejectEvents.Enabled = true);
        var failed = Enumerable.Range(0, 150).Select(i => NewEvent("failed.feature" + (char)('a' + (i / 26)) + (char)('a' + (i % 26)), "view")).ToArray();
        var result = await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(failed));
        Assert.Equal((StatusCode.OK, 0, 150), (result.Status.StatusCode, result.Succeeded.Count, harness.Gateway.Events.FailedCount));

        using var json = await GetJsonAsync(harness, "api/events/stats");

        var features = json.RootElement.GetProperty("byFeature").EnumerateArray().Select(n => n.GetProperty("feature").GetString()).ToArray();
        Assert.Equal(failed.Select(e => e.Feature).Order(StringComparer.Ordinal), features.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task WriteEvents_EventsAndClearsMeanwhile_CountsAndListsFromOneMoment()
    {
        // A small store changed all the time by another thread: accepted events, duplicates, refused events, clears. The
        // events added are ones a gateway received (the gateway's own protobuf types), added again and again.
        await using var harness = await StartAsync();
        var sent = await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(NewEvent(), NewEvent(), NewEvent("Bad", "view")));
        Assert.Equal(StatusCode.OK, sent.Status.StatusCode);
        var accepted = harness.Gateway.Events.Snapshot();
        var invalid = Assert.Single(harness.Gateway.Events.RefusedSnapshot());
        const int Capacity = 8;
        var store = new ReceivedEventStore(Capacity);
        using var stop = new CancellationTokenSource();
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var writer = Task.Factory.StartNew(() =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                store.Add(accepted[0]);
                store.Add(accepted[1]);
                store.Add(accepted[i % 2]);
                store.AddRefused(invalid);
                if (i % 5 == 4)
                {
                    store.Clear();
                }

                running.TrySetResult();
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await running.Task.WaitAsync(WaitLimit);

        // Each answer must describe one moment: count = distinct + duplicates, and each list as long as its counts allow.
        var inconsistent = new List<string>();
        for (var read = 0; read < 2_000; read++)
        {
            var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
            context.Request.QueryString = new Microsoft.AspNetCore.Http.QueryString("?limit=0");
            using var body = new MemoryStream();
            context.Response.Body = body;
            await EventsApi.WriteEventsAsync(context, store);
            using var json = JsonDocument.Parse(body.ToArray());
            var root = json.RootElement;
            int Number(string name) => root.GetProperty(name).GetInt32();
            var refused = Number("invalidCount") + Number("oversizeCount") + Number("failedCount");
            if (Number("count") != Number("distinctCount") + Number("duplicateCount")
                || Number("storedCount") != Math.Min(Number("count"), Capacity)
                || Number("refusedStoredCount") != Math.Min(refused, Capacity))
            {
                inconsistent.Add(root.GetRawText());
            }
        }

        await stop.CancelAsync();
        await writer.WaitAsync(WaitLimit);
        Assert.True(inconsistent.Count == 0, $"{inconsistent.Count} of 2,000 answers inconsistent, e.g. {inconsistent.FirstOrDefault()}");
    }

    private static async Task<JsonDocument> GetJsonAsync(GatewayHarness harness, string relative)
    {
        using var http = new HttpClient { Timeout = WaitLimit };
        using var response = await http.GetAsync(new Uri(harness.Gateway.WebAddress, relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }

    /// <summary>Counts what is written, and the largest single write.</summary>
    private sealed class WriteSizeStream : Stream
    {
        public long Total { get; private set; }

        public int LargestWrite { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => Total;

        public override long Position { get => Total; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            Total += buffer.Length;
            LargestWrite = Math.Max(LargestWrite, buffer.Length);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer.AsSpan(offset, count));
            return Task.CompletedTask;
        }
    }
}
