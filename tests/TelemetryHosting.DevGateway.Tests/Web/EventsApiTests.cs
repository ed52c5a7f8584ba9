using System.Net;
using System.Text.Json;
using Grpc.Core;
using Telemetrygateway.V1;
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
        using var http = new HttpClient();

        using var response = await http.DeleteAsync(new Uri(harness.Gateway.WebAddress, "api/events"));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(0, harness.Gateway.Events.Count);
    }

    [Fact]
    public async Task GetPage_Root_HtmlThatPollsTheJsonEndpoint()
    {
        await using var harness = await StartAsync();
        using var http = new HttpClient();

        using var response = await http.GetAsync(harness.Gateway.WebAddress);
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("/api/events", html, StringComparison.Ordinal);
        Assert.Contains("setInterval(poll, 1000)", html, StringComparison.Ordinal);
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

    private static async Task<JsonDocument> GetJsonAsync(GatewayHarness harness, string relative)
    {
        using var http = new HttpClient { Timeout = WaitLimit };
        using var response = await http.GetAsync(new Uri(harness.Gateway.WebAddress, relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }
}
