using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Telemetrygateway.V1;
using static TelemetryHosting.DevGateway.Tests.GatewayHarness;

namespace TelemetryHosting.DevGateway.Tests.Conformance;

/// <summary>
/// Events that parse (they are legal on the wire) but have no JSON form: a <c>google.protobuf.Value</c> without a kind,
/// NaN or infinite Struct numbers, timestamps outside 0001-01-01..9999-12-31 or with nanos outside [0, 1e9). The real
/// gateway fails such an event when it marshals it to JSON; the development gateway must fail that event only: left out
/// of <c>succeeded_events</c>, counted invalid, the stream and the other events kept.
/// </summary>
public sealed class UnformattableEventTests
{
    public static TheoryData<string> Cases =>
    [
        "kindlessValue", "kindlessValueInNestedStruct", "kindlessValueInList", "kindlessValueInListInStruct",
        "nanNumber", "infiniteNumber", "negativeInfinityInList",
        "timestampAfterYear9999", "timestampBeforeYear1", "negativeNanos", "nanosOfASecondOrMore",
    ];

    /// <summary>Spoils an event in one of the ways of <see cref="Cases"/>.</summary>
    internal static void Spoil(string spoil, Event ev)
    {
        var privateMetadata = ev.Parameters.PrivateMetadata = new Struct();
        privateMetadata.Fields["ok"] = Value.ForString("fine");
        switch (spoil)
        {
            case "kindlessValue":
                privateMetadata.Fields["bad"] = new Value();
                break;
            case "kindlessValueInNestedStruct":
                var inner = new Struct();
                inner.Fields["deeper"] = Value.ForStruct(new Struct { Fields = { ["bad"] = new Value() } });
                privateMetadata.Fields["outer"] = Value.ForStruct(inner);
                break;
            case "kindlessValueInList":
                privateMetadata.Fields["list"] = Value.ForList(Value.ForNumber(1), new Value());
                break;
            case "kindlessValueInListInStruct":
                privateMetadata.Fields["outer"] = Value.ForStruct(new Struct { Fields = { ["list"] = Value.ForList(Value.ForList(new Value())) } });
                break;
            case "nanNumber":
                privateMetadata.Fields["bad"] = Value.ForNumber(double.NaN);
                break;
            case "infiniteNumber":
                privateMetadata.Fields["bad"] = Value.ForNumber(double.PositiveInfinity);
                break;
            case "negativeInfinityInList":
                privateMetadata.Fields["bad"] = Value.ForList(Value.ForNumber(double.NegativeInfinity));
                break;
            case "timestampAfterYear9999":
                ev.Timestamp = new Timestamp { Seconds = 253402300800L };
                break;
            case "timestampBeforeYear1":
                ev.Timestamp = new Timestamp { Seconds = -62135596801L };
                break;
            case "negativeNanos":
                ev.Timestamp = new Timestamp { Seconds = 1_700_000_000L, Nanos = -1 };
                break;
            case "nanosOfASecondOrMore":
                ev.Timestamp = new Timestamp { Seconds = 1_700_000_000L, Nanos = 1_000_000_000 };
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(spoil), spoil, null);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task RecordEvents_UnformattableEvent_OnlyThatEventFailsAndTheStreamGoesOn(string spoil)
    {
        await using var harness = await StartAsync();
        var before = NewEvent();
        var bad = NewEvent("bad.feature", "sent");
        Spoil(spoil, bad);
        var after = NewEvent();

        // A payload after the bad one on the same stream: the stream must survive the bad event, not only answer for it.
        var result = await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(before, bad), Payload(after));

        Assert.Equal(StatusCode.OK, result.Status.StatusCode);
        Assert.Equal(2, result.Responses.Count);
        Assert.Equal([before.Id], result.Responses[0].SucceededEvents);
        Assert.Equal([after.Id], result.Responses[1].SucceededEvents);
        Assert.Equal(1, harness.Gateway.Events.InvalidCount);
        Assert.False(harness.Gateway.Events.Contains(bad.Id));
        Assert.Equal([after.Id, before.Id], harness.Gateway.Events.Snapshot().Select(e => e.Id));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task RecordEvent_UnformattableEvent_InternalFailedToPublishAndTheGatewayGoesOn(string spoil)
    {
        await using var harness = await StartAsync();
        var bad = NewEvent();
        Spoil(spoil, bad);

        var status = await harness.RecordEventAsync(new RecordEventRequest { Metadata = ManagedService(), Event = bad }, harness.Auth());
        var next = await harness.RecordEventAsync(new RecordEventRequest { Metadata = ManagedService(), Event = NewEvent() }, harness.Auth());

        // docs/gateway-contract.md, "The unary RecordEvent": a failure to publish is Internal "failed to publish event: <reason>", not Unknown.
        Assert.Equal(StatusCode.Internal, status.StatusCode);
        Assert.StartsWith("failed to publish event: ", status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.OK, next.StatusCode);
        Assert.Equal(1, harness.Gateway.Events.InvalidCount);
        Assert.Equal(1, harness.Gateway.Events.Count);
    }

    [Fact]
    public async Task RecordEvents_UnformattableEventFromInstance_ReportedLikeOtherInvalidEvents()
    {
        // docs/gateway-contract.md, "The RecordEvents stream", item 4: Sourcegraph instances are told an invalid event succeeded, so their queues drop it.
        await using var harness = await StartAsync();
        var good = NewEvent();
        var bad = NewEvent();
        Spoil("kindlessValue", bad);

        var result = await harness.RecordEventsAsync(null, MetadataMessage(Unlicensed()), Payload(good, bad));

        Assert.Equal(StatusCode.OK, result.Status.StatusCode);
        Assert.Equal(new[] { good.Id, bad.Id }.Order(), Assert.Single(result.Responses).SucceededEvents.Order());
        Assert.Equal(1, harness.Gateway.Events.InvalidCount);
        Assert.Equal([good.Id], harness.Gateway.Events.Snapshot().Select(e => e.Id));
    }

    [Fact]
    public async Task RecordEvents_UnformattableEvent_ReasonLoggedWithoutPrivateMetadata()
    {
        var logs = new FakeLogCollector();
        await using var harness = await StartAsync(o => o.ConfigureLogging = logging => logging.AddProvider(new FakeLoggerProvider(logs)));
        var bad = NewEvent();
        Spoil("kindlessValueInNestedStruct", bad);
        bad.Parameters.PrivateMetadata.Fields["secretKey"] = Value.ForString("secret-value-4711");

        var result = await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(bad));

        Assert.Equal(StatusCode.OK, result.Status.StatusCode);
        var record = Assert.Single(logs.GetSnapshot(), r => r.Message.Contains(bad.Id, StringComparison.Ordinal));
        Assert.Contains("has none of its kinds set", record.Message, StringComparison.Ordinal);
        Assert.All(logs.GetSnapshot(), r =>
        {
            Assert.DoesNotContain("secret", r.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("outer", r.Message, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task RecordEvents_MegabyteFeatureAndId_InvalidAndLoggedClipped()
    {
        var logs = new FakeLogCollector();
        await using var harness = await StartAsync(o => o.ConfigureLogging = logging => logging.AddProvider(new FakeLoggerProvider(logs)));
        var good = NewEvent();
        var bad = NewEvent(new string('f', 1_000_000), "view", id: new string('i', 1_000_000));

        var result = await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(good, bad));

        Assert.Equal(StatusCode.OK, result.Status.StatusCode);
        Assert.Equal([good.Id], Assert.Single(result.Responses).SucceededEvents);
        Assert.Equal(1, harness.Gateway.Events.InvalidCount);
        var record = Assert.Single(logs.GetSnapshot(), r => r.Level == LogLevel.Information && r.Message.Contains("not published", StringComparison.Ordinal));
        Assert.True(record.Message.Length < 1000, $"A log message of {record.Message.Length} characters.");
        Assert.Contains("(1000000 characters)", record.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Find_FormattableEventWithManyKeys_BuildsNoLocationStrings()
    {
        var ev = NewEvent();
        ev.Parameters.PrivateMetadata = new Struct();
        for (var i = 0; i < 2_000; i++)
        {
            ev.Parameters.PrivateMetadata.Fields["key" + i] = Value.ForString("value");
        }

        var check = new JsonCheck(ev);
        Assert.Null(check.Find());
        var before = GC.GetAllocatedBytesForCurrentThread();
        var problem = check.Find();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // The check runs for every accepted event: no location string per key, no sorted copy of each Struct.
        Assert.Null(problem);
        Assert.True(allocated < 4_096, $"{allocated:N0} bytes allocated checking 2,000 keys");
    }

    [Fact]
    public void Find_TwoProblemsInOneStruct_NamesTheFirstKeyInOrdinalOrder()
    {
        var ev = NewEvent();
        ev.Parameters.PrivateMetadata = new Struct();
        ev.Parameters.PrivateMetadata.Fields["zeta"] = Value.ForNumber(double.NaN);
        ev.Parameters.PrivateMetadata.Fields["alpha"] = Value.ForList(Value.ForString("ok"), Value.ForStruct(new Struct { Fields = { ["b c"] = new Value() } }));

        var problem = new JsonCheck(ev).Find();

        Assert.Equal("parameters.privateMetadata.alpha[1][\"b c\"]", problem?.Location);
        Assert.Contains("none of its kinds set", problem?.Reason, StringComparison.Ordinal);
    }

    /// <summary>Calls the gateway's <c>EventJsonCheck.Find</c> on its own copy of the event (its generated types are not this project's).</summary>
    private sealed class JsonCheck
    {
        private static readonly System.Reflection.MethodInfo FindMethod = typeof(TelemetryHosting.DevGateway.Internal.EventJsonCheck).GetMethod("Find")!;
        private readonly object?[] _arguments;

        public JsonCheck(Event ev)
        {
            var parser = (Google.Protobuf.MessageParser)FindMethod.GetParameters()[0].ParameterType.GetProperty("Parser")!.GetValue(null)!;
            _arguments = [parser.ParseFrom(Google.Protobuf.MessageExtensions.ToByteArray(ev))];
        }

        public (string Reason, string Location)? Find() => ((string, string)?)FindMethod.Invoke(null, _arguments);
    }
}
