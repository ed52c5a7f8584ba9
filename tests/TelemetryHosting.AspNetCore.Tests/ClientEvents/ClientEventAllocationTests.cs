using System.IO.Compression;
using System.Net;
using System.Text;
using TelemetryHosting.AspNetCore.Tests.ClientEvents.Fuzz;
using TelemetryHosting.AspNetCore.Tests.TestSupport;
using Xunit.Abstractions;

namespace TelemetryHosting.AspNetCore.Tests.ClientEvents;

/// <summary>Tests that measure the process's allocations: they run alone, so that no other test's allocations count.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationMeasurement
{
    public const string Name = "Allocation measurement";
}

/// <summary>
/// The cost of a request is bounded whatever its body holds: at most 4 times the body as the endpoint reads it (after
/// decompression) plus a constant, for the bodies a review measured at 34 to 61,610 times their size, and for bodies
/// of the fuzz generator. Each body is posted once to warm up (pools, JIT), then measured.
/// </summary>
[Collection(AllocationMeasurement.Name)]
public sealed class ClientEventAllocationTests(ITestOutputHelper output)
{
    // What a request costs whatever its body: the HTTP exchange on both sides, the response, and up to 100 events'
    // bounded parts (each at most 64 metadata entries, 64 private values and a token budget).
    private const long Constant = 1024 * 1024;

    public static TheoryData<string> Cases => [.. BodyCases.Keys];

    private static Dictionary<string, (string Json, bool Gzip, int MaxBodyBytes)> BodyCases { get; } = new()
    {
        // 87,000 empty events, then another property: the old count check passed it by, and each event was built.
        ["empty events then a property"] = ($"{{\"events\":[{string.Join(",", Enumerable.Repeat("{}", 87_000))}],\"x\":1}}", false, 256 * 1024),
        ["one event with 26,000 metadata keys"] = (OneEvent($"\"metadata\":{{{string.Join(",", Enumerable.Range(0, 26_000).Select(i => $"\"k{i}\":{i}"))}}}"), false, 256 * 1024),
        ["one event with 26,000 metadata entries (TelemetryEventInput)"] = (OneInputEvent(string.Join(",", Enumerable.Range(0, 26_000).Select(i => $"{{\"key\":\"k{i}\",\"value\":1}}"))), false, 256 * 1024),
        ["private metadata of 40,000 values"] = (OneEvent($"\"privateMetadata\":{{\"a\":[{string.Join(",", Enumerable.Repeat("1", 40_000))}]}}"), false, 256 * 1024),
        ["unknown property holding 80,000 values"] = (OneEvent($"\"x\":[{string.Join(",", Enumerable.Repeat("1", 80_000))}]"), false, 256 * 1024),
        ["GraphQL with 87,000 events"] = ($"{{\"query\":\"mutation ExportTelemetryEvents($events: [TelemetryEventInput!]!) {{ telemetry {{ recordEvents(events: $events) {{ alwaysNil }} }} }}\",\"variables\":{{\"events\":[{string.Join(",", Enumerable.Repeat("{}", 87_000))}]}}}}", false, 256 * 1024),
        ["gzip: empty events, 256 KiB"] = ($"{{\"events\":[{string.Join(",", Enumerable.Repeat("{}", 87_000))}],\"x\":1}}", true, 256 * 1024),
        ["gzip: one event with duplicate keys, 256 KiB"] = (OneEvent($"\"metadata\":{{{string.Join(",", Enumerable.Repeat("\"k\":1", 40_000))}}}"), true, 256 * 1024),
        ["gzip: 100 events of 64 metadata entries, 8 MiB limit"] = ($"{{\"events\":[{string.Join(",", Enumerable.Repeat(OneEventObject(string.Join(",", Enumerable.Range(0, 64).Select(i => $"\"k{i}\":1"))), 100))}]}}", true, 8 * 1024 * 1024),
        ["gzip: 100 events with long private strings, 8 MiB limit"] = ($"{{\"events\":[{string.Join(",", Enumerable.Repeat($"{{\"feature\":\"web.a\",\"action\":\"ab\",\"privateMetadata\":{{\"s\":\"{new string('x', 80_000)}\"}}}}", 100))}]}}", true, 8 * 1024 * 1024),
        ["gzip: 8 MiB of empty events"] = ($"{{\"events\":[{string.Join(",", Enumerable.Repeat("{}", 2_700_000))}]}}", true, 8 * 1024 * 1024),
        ["gzip: 8 MiB of white space"] = ($"{{\"events\":[]{new string(' ', 8_000_000)}}}", true, 8 * 1024 * 1024),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Post_HostileBody_AllocatesAtMostFourTimesTheBodyPlusAConstant(string name)
    {
        var (json, gzip, maxBodyBytes) = BodyCases[name];
        var body = Encoding.UTF8.GetBytes(json);
        await using var app = await ClientEventsApp.StartAsync(
            options =>
            {
                options.MaxBodyBytes = maxBodyBytes;
                options.AcceptPrivateMetadata = true;
            },
            decompressRequests: gzip);
        var sent = gzip ? Gzip(body) : body;
        var headers = gzip ? new[] { ("Content-Encoding", "gzip") } : [];

        var (status, allocated) = await MeasureAsync(app, sent, headers);

        var read = Math.Min(body.Length, maxBodyBytes + 1L);
        output.WriteLine($"{name}: {sent.Length:N0} bytes sent, {read:N0} read, answered {(int)status}, allocated {allocated:N0} bytes ({(double)allocated / read:F2}× what was read)");
        Assert.True(allocated <= (4 * read) + Constant, $"{name}: allocated {allocated:N0} bytes for {read:N0} bytes read");
    }

    [Fact]
    public async Task Post_FuzzBodies_EachAllocatesAtMostFourTimesItsSizePlusAConstant()
    {
        await using var app = await ClientEventsApp.StartAsync(options => options.AcceptPrivateMetadata = true);
        var generator = new ClientEventFuzzGenerator(seed: 20261207);
        var worst = 0L;
        for (var index = 0; index < 300; index++)
        {
            var body = generator.Next().Body;
            var (_, allocated) = await MeasureAsync(app, body, []);
            var over = allocated - (4L * body.Length);
            worst = Math.Max(worst, over);
            Assert.True(over <= Constant, $"fuzz body {index}: allocated {allocated:N0} bytes for {body.Length:N0} bytes");
        }

        output.WriteLine($"300 fuzz bodies: at most {worst:N0} bytes above 4× the body");
    }

    private static async Task<(HttpStatusCode Status, long Allocated)> MeasureAsync(ClientEventsApp app, byte[] body, (string, string)[] headers)
    {
        // Warm-up: the pools the body reader and the JSON reader rent from, and the code paths, as in a service that has run a while.
        using (await app.PostAsync(body, headers: headers))
        {
        }

        app.Recorder.Clear();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        using var response = await app.PostAsync(body, headers: headers);
        await response.Content.ReadAsByteArrayAsync();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        app.Recorder.Clear();
        return (response.StatusCode, allocated);
    }

    private static string OneEvent(string member) => $"{{\"events\":[{OneEventObject(member)}]}}";

    private static string OneEventObject(string metadataMembers) =>
        metadataMembers.StartsWith('"') && !metadataMembers.StartsWith("\"metadata\"", StringComparison.Ordinal) && !metadataMembers.StartsWith("\"privateMetadata\"", StringComparison.Ordinal) && !metadataMembers.StartsWith("\"x\"", StringComparison.Ordinal)
            ? $"{{\"feature\":\"web.a\",\"action\":\"ab\",\"metadata\":{{{metadataMembers}}}}}"
            : $"{{\"feature\":\"web.a\",\"action\":\"ab\",{metadataMembers}}}";

    private static string OneInputEvent(string entries) =>
        $"{{\"events\":[{{\"feature\":\"web.a\",\"action\":\"ab\",\"source\":{{\"client\":\"web\"}},\"parameters\":{{\"version\":0,\"metadata\":[{entries}]}}}}]}}";

    private static byte[] Gzip(byte[] body)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write(body);
        }

        return buffer.ToArray();
    }
}
