using Google.Protobuf;
using Grpc.Core;
using Telemetrygateway.V1;
using static TelemetryHosting.DevGateway.Tests.GatewayHarness;

namespace TelemetryHosting.DevGateway.Tests.Conformance;

/// <summary>docs/gateway-contract.md, "The RecordEvents stream": its semantics, item by item.</summary>
public sealed class RecordEventsTests
{
    [Fact]
    public async Task RecordEvents_MetadataThenEvents_ReturnsEveryIdAndOk()
    {
        await using var harness = await StartAsync();
        var events = new[] { NewEvent(), NewEvent("other.feature", "succeeded") };

        var result = await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(events));

        Assert.Equal(StatusCode.OK, result.Status.StatusCode);
        var response = Assert.Single(result.Responses);
        Assert.Equal(events.Select(e => e.Id).Order(), response.SucceededEvents.Order());
        Assert.Equal(2, harness.Gateway.Events.DistinctCount);
    }

    [Fact]
    public async Task RecordEvents_MetadataTwice_InvalidArgument()
    {
        await using var harness = await StartAsync();

        var result = await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), MetadataMessage(ManagedService()));

        AssertStatus(result.Status, StatusCode.InvalidArgument, "received metadata more than once");
    }

    [Fact]
    public async Task RecordEvents_EventsBeforeMetadata_InvalidArgument()
    {
        await using var harness = await StartAsync();

        var result = await harness.RecordEventsAsync(harness.Auth(), Payload(NewEvent()), MetadataMessage(ManagedService()));

        AssertStatus(result.Status, StatusCode.InvalidArgument, "got events when metadata not yet received");
        Assert.Equal(0, harness.Gateway.Events.Count);
    }

    [Fact]
    public async Task RecordEvents_ManagedServiceWithoutServiceId_InvalidArgument()
    {
        await using var harness = await StartAsync();

        // No token either: the service id is checked first.
        var result = await harness.RecordEventsAsync(null, MetadataMessage(ManagedService(serviceId: "")), Payload(NewEvent()));

        AssertStatus(result.Status, StatusCode.InvalidArgument, "service_id is required for managed services");
    }

    [Fact]
    public async Task RecordEvents_LicensedInstanceWithUnknownKey_InvalidArgumentInvalidLicenseKey()
    {
        await using var harness = await StartAsync();

        var result = await harness.RecordEventsAsync(null, MetadataMessage(Licensed("not-a-key")), Payload(NewEvent()));

        Assert.Equal(StatusCode.InvalidArgument, result.Status.StatusCode);
        Assert.StartsWith("invalid license_key: ", result.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RecordEvents_LicensedInstanceWithConfiguredKey_AcceptedWithoutToken()
    {
        await using var harness = await StartAsync(o => o.LicenseKeys.Add("my-dev-key"));
        var ev = NewEvent();

        var result = await harness.RecordEventsAsync(null, MetadataMessage(Licensed("my-dev-key", "licensed-1")), Payload(ev));

        Assert.Equal(StatusCode.OK, result.Status.StatusCode);
        Assert.Contains(ev.Id, result.Succeeded);
        var received = Assert.Single(harness.Gateway.Events.Snapshot());
        Assert.Equal("licensed-1", received.InstanceId);
        Assert.Null(received.ServiceId);
        Assert.DoesNotContain("my-dev-key", received.Json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RecordEvents_LicensedInstanceWithDefaultKey_Accepted()
    {
        await using var harness = await StartAsync();

        var result = await harness.RecordEventsAsync(null, MetadataMessage(Licensed(DevelopmentGatewayOptions.DefaultLicenseKey)), Payload(NewEvent()));

        Assert.Equal(StatusCode.OK, result.Status.StatusCode);
        Assert.Single(result.Succeeded);
    }

    [Fact]
    public async Task RecordEvents_UnlicensedInstanceWithoutInstanceId_InvalidArgument()
    {
        await using var harness = await StartAsync();

        var result = await harness.RecordEventsAsync(null, MetadataMessage(Unlicensed(instanceId: "")), Payload(NewEvent()));

        AssertStatus(result.Status, StatusCode.InvalidArgument, "instance_id is required for unlicensed instance");
    }

    [Fact]
    public async Task RecordEvents_UnlicensedInstance_AcceptedWithoutToken()
    {
        await using var harness = await StartAsync();
        var ev = NewEvent();

        var result = await harness.RecordEventsAsync(null, MetadataMessage(Unlicensed("instance-9")), Payload(ev));

        Assert.Equal(StatusCode.OK, result.Status.StatusCode);
        Assert.Equal([ev.Id], result.Succeeded);
        Assert.Equal("instance-9", Assert.Single(harness.Gateway.Events.Snapshot()).InstanceId);
    }

    [Fact]
    public async Task RecordEvents_IdentifierWithoutVariant_Unimplemented()
    {
        await using var harness = await StartAsync();
        var metadata = new RecordEventsRequestMetadata { RequestId = "r", Identifier = new Identifier() };

        var result = await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(metadata), Payload(NewEvent()));

        AssertStatus(result.Status, StatusCode.Unimplemented, "unsupported identifier type");
    }

    [Fact]
    public async Task RecordEvents_IdentifierMissing_InternalLikeTheGoPanic()
    {
        await using var harness = await StartAsync();
        var metadata = new RecordEventsRequestMetadata { RequestId = "r" };

        var result = await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(metadata), Payload(NewEvent()));

        Assert.Equal(StatusCode.Internal, result.Status.StatusCode);
        Assert.StartsWith("panic during execution: ", result.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RecordEvents_EmptyPayload_AnsweredWithOneEmptyResponse()
    {
        await using var harness = await StartAsync();

        var result = await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload());

        Assert.Equal(StatusCode.OK, result.Status.StatusCode);
        Assert.Empty(Assert.Single(result.Responses).SucceededEvents);
    }

    [Fact]
    public async Task RecordEvents_SeveralPayloads_OneResponseEach()
    {
        await using var harness = await StartAsync();
        var first = NewEvent();
        var second = NewEvent();

        var result = await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(first), Payload(), Payload(second));

        Assert.Equal(StatusCode.OK, result.Status.StatusCode);
        Assert.Equal(3, result.Responses.Count);
        Assert.Equal([first.Id], result.Responses[0].SucceededEvents);
        Assert.Empty(result.Responses[1].SucceededEvents);
        Assert.Equal([second.Id], result.Responses[2].SucceededEvents);
    }

    [Fact]
    public async Task RecordEvents_HalfCloseAfterMetadata_Ok()
    {
        await using var harness = await StartAsync();

        var result = await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()));

        Assert.Equal(StatusCode.OK, result.Status.StatusCode);
        Assert.Empty(result.Responses);
    }

    [Fact]
    public async Task RecordEvents_RequestWithoutPayload_Skipped()
    {
        await using var harness = await StartAsync();
        var ev = NewEvent();

        var result = await harness.RecordEventsAsync(harness.Auth(), new RecordEventsRequest(), MetadataMessage(ManagedService()), new RecordEventsRequest(), Payload(ev));

        Assert.Equal(StatusCode.OK, result.Status.StatusCode);
        Assert.Equal([ev.Id], Assert.Single(result.Responses).SucceededEvents);
    }

    public static TheoryData<string> InvalidEventCases => ["emptyId", "emptyAction", "longFeature", "badAction", "noTimestamp"];

    /// <summary>Spoils an event in one of the ways of <see cref="InvalidEventCases"/>; returns the gateway's reason.</summary>
    internal static string Spoil(string invalidCase, Event ev)
    {
        switch (invalidCase)
        {
            case "emptyId":
                ev.Id = "";
                return "event ID is required";
            case "emptyAction":
                ev.Action = "";
                return "invalid event 'feature' or 'action': 'feature', 'action' must both be provided";
            case "longFeature":
                ev.Feature = new string('a', 65);
                return "invalid event 'feature' or 'action': 'feature' must be less than 64 characters";
            case "badAction":
                ev.Action = "View";
                return "invalid event 'feature' or 'action': 'action' must start with a lowercase letter and contain only letters, dashes, and dots";
            case "noTimestamp":
                ev.Timestamp = null;
                return "event timestamp is required";
            default:
                throw new ArgumentOutOfRangeException(nameof(invalidCase));
        }
    }

    [Theory]
    [MemberData(nameof(InvalidEventCases))]
    public async Task RecordEvents_InvalidEventFromManagedService_LeftOutOfSucceeded(string invalidCase)
    {
        await using var harness = await StartAsync();
        var good = NewEvent();
        var bad = NewEvent();
        Spoil(invalidCase, bad);

        var result = await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(good, bad));

        Assert.Equal(StatusCode.OK, result.Status.StatusCode);
        Assert.Equal([good.Id], Assert.Single(result.Responses).SucceededEvents);
        Assert.Equal(1, harness.Gateway.Events.Count);
        Assert.Equal(1, harness.Gateway.Events.InvalidCount);
    }

    [Theory]
    [MemberData(nameof(InvalidEventCases))]
    public async Task RecordEvents_InvalidEventFromInstance_ReportedSucceededButNotStored(string invalidCase)
    {
        await using var harness = await StartAsync();
        var good = NewEvent();
        var bad = NewEvent();
        Spoil(invalidCase, bad);

        var result = await harness.RecordEventsAsync(null, MetadataMessage(Unlicensed()), Payload(good, bad));

        Assert.Equal(StatusCode.OK, result.Status.StatusCode);
        Assert.Equal(new[] { good.Id, bad.Id }.Order(), Assert.Single(result.Responses).SucceededEvents.Order());
        Assert.Equal([good.Id], harness.Gateway.Events.Snapshot().Select(e => e.Id));
        Assert.Equal(1, harness.Gateway.Events.InvalidCount);
    }

    [Fact]
    public async Task RecordEvents_EventOfTenMillionJsonBytes_ReportedSucceededButDropped()
    {
        await using var harness = await StartAsync();
        var big = NewEvent();
        big.Parameters.PrivateMetadata = new Google.Protobuf.WellKnownTypes.Struct();
        big.Parameters.PrivateMetadata.Fields["blob"] = Google.Protobuf.WellKnownTypes.Value.ForString(new string('x', 10_000_000));

        await AssertAcknowledgedButDroppedAsync(harness, big);
    }

    [Fact]
    public async Task RecordEvents_EventSmallEncodedButTenMillionJsonBytesEscaped_ReportedSucceededButDropped()
    {
        // 2,000,000 bytes on the wire, 12,000,000 in JSON (each control character becomes a \u00XX escape): the
        // gateway's cheap size bound must not let it through unchecked.
        await using var harness = await StartAsync();
        var big = NewEvent();
        big.FeatureFlags = new EventFeatureFlags();
        big.FeatureFlags.Flags["escaped"] = new string('\u0001', 2_000_000);

        await AssertAcknowledgedButDroppedAsync(harness, big);
    }

    /// <summary>Sends an oversize event beside a small one: both acknowledged, only the small one kept.</summary>
    private static async Task AssertAcknowledgedButDroppedAsync(GatewayHarness harness, Event big)
    {
        var small = NewEvent();

        var result = await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(big, small));

        Assert.Equal(StatusCode.OK, result.Status.StatusCode);
        Assert.Equal(new[] { big.Id, small.Id }.Order(), Assert.Single(result.Responses).SucceededEvents.Order());
        Assert.False(harness.Gateway.Events.Contains(big.Id));
        Assert.True(harness.Gateway.Events.Contains(small.Id));
        Assert.Equal(1, harness.Gateway.Events.OversizeCount);
    }

    [Fact]
    public async Task RecordEvents_EventJustUnderTenMillionJsonBytes_Stored()
    {
        await using var harness = await StartAsync();
        var ev = NewEvent();
        ev.Parameters.PrivateMetadata = new Google.Protobuf.WellKnownTypes.Struct();
        ev.Parameters.PrivateMetadata.Fields["b"] = Google.Protobuf.WellKnownTypes.Value.ForString("");
        var emptyLength = JsonFormatter.Default.Format(ev).Length;
        ev.Parameters.PrivateMetadata.Fields["b"] = Google.Protobuf.WellKnownTypes.Value.ForString(new string('x', 9_999_999 - emptyLength));
        Assert.Equal(9_999_999, JsonFormatter.Default.Format(ev).Length);

        var result = await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(ev));

        Assert.Equal([ev.Id], result.Succeeded);
        Assert.True(harness.Gateway.Events.Contains(ev.Id));
    }

    [Fact]
    public async Task RecordEvents_LegacyMetadata_MergedIntoMetadataWithLegacyWinning()
    {
        await using var harness = await StartAsync();
        var ev = NewEvent();
        ev.Parameters.Metadata["shared"] = 1.5;
        ev.Parameters.Metadata["modern"] = 2;
#pragma warning disable CS0612 // the deprecated field is what this test sends
        ev.Parameters.LegacyMetadata["shared"] = 7;
        ev.Parameters.LegacyMetadata["legacy"] = 9;
#pragma warning restore CS0612

        var result = await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(ev));

        Assert.Equal([ev.Id], result.Succeeded);
        var received = Assert.Single(harness.Gateway.Events.Snapshot());
        Assert.Equal(new Dictionary<string, double> { ["shared"] = 7, ["modern"] = 2, ["legacy"] = 9 }, received.Metadata);
        using var json = System.Text.Json.JsonDocument.Parse(received.Json);
        var parameters = json.RootElement.GetProperty("event").GetProperty("parameters");
        Assert.Equal(9, parameters.GetProperty("metadata").GetProperty("legacy").GetDouble());
        Assert.False(parameters.TryGetProperty("legacyMetadata", out _));

        // EventBytes keep the event as it was received.
        var asReceived = Event.Parser.ParseFrom(received.EventBytes.Span);
#pragma warning disable CS0612
        Assert.Equal(7, asReceived.Parameters.LegacyMetadata["shared"]);
#pragma warning restore CS0612
    }

    [Fact]
    public async Task RecordEvents_TokenRevokedMidStream_StreamKeepsWorkingBecauseCheckedOnce()
    {
        await using var harness = await StartAsync();
        var token = harness.Gateway.Sams.IssueToken();
        using var cts = new CancellationTokenSource(WaitLimit);
        using var call = harness.Client.RecordEvents(Header("Bearer " + token), cancellationToken: cts.Token);
        await call.RequestStream.WriteAsync(MetadataMessage(ManagedService()), cts.Token);
        var first = NewEvent();
        await call.RequestStream.WriteAsync(Payload(first), cts.Token);
        Assert.True(await call.ResponseStream.MoveNext(cts.Token));
        Assert.Equal([first.Id], call.ResponseStream.Current.SucceededEvents);

        Assert.True(harness.Gateway.Sams.Revoke(token));
        var second = NewEvent();
        await call.RequestStream.WriteAsync(Payload(second), cts.Token);
        Assert.True(await call.ResponseStream.MoveNext(cts.Token));
        Assert.Equal([second.Id], call.ResponseStream.Current.SucceededEvents);
        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(cts.Token));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task RecordEvents_PayloadOfTwentyMebibytes_Accepted()
    {
        await using var harness = await StartAsync();
        var events = Enumerable.Range(0, 4).Select(_ =>
        {
            var ev = NewEvent();
            ev.Parameters.PrivateMetadata = new Google.Protobuf.WellKnownTypes.Struct();
            ev.Parameters.PrivateMetadata.Fields["blob"] = Google.Protobuf.WellKnownTypes.Value.ForString(new string('y', 5 * 1024 * 1024));
            return ev;
        }).ToArray();

        var result = await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(events));

        Assert.Equal(StatusCode.OK, result.Status.StatusCode);
        Assert.Equal(4, result.Succeeded.Count);
    }

    [Fact]
    public async Task RecordEvents_MessageOverNinetyMebibytes_ResourceExhausted()
    {
        await using var harness = await StartAsync();
        var ev = NewEvent();
        ev.Parameters.PrivateMetadata = new Google.Protobuf.WellKnownTypes.Struct();
        ev.Parameters.PrivateMetadata.Fields["blob"] = Google.Protobuf.WellKnownTypes.Value.ForString(new string('w', (90 * 1024 * 1024) + 1));

        var result = await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(ev));

        Assert.Equal(StatusCode.ResourceExhausted, result.Status.StatusCode);
        Assert.Equal(0, harness.Gateway.Events.Count);
    }

    [Fact]
    public async Task RecordEvents_AcceptedEvent_KeptWithEveryFieldAsReceived()
    {
        await using var harness = await StartAsync();
        var ev = NewEvent("search.results", "viewed");
        ev.Interaction = new EventInteraction { TraceId = "0123456789abcdef0123456789abcdef", InteractionId = "i-1" };
        ev.User = new EventUser { SamsExternalId = "0192b9c1-7d0e-7000-8000-000000000001" };
        ev.Parameters.Metadata["count"] = 3;
        ev.Parameters.PrivateMetadata = new Google.Protobuf.WellKnownTypes.Struct();
        ev.Parameters.PrivateMetadata.Fields["query"] = Google.Protobuf.WellKnownTypes.Value.ForString("secret stuff");
        var metadata = ManagedService("my-service", "prod");

        await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(metadata), Payload(ev));

        var received = Assert.Single(harness.Gateway.Events.Snapshot());
        Assert.Equal(ev.Id, received.Id);
        Assert.Equal("search.results", received.Feature);
        Assert.Equal("viewed", received.Action);
        Assert.Equal(ev.Timestamp.ToDateTimeOffset(), received.Timestamp);
        Assert.Equal("my-service", received.ServiceId);
        Assert.Equal("prod", received.ServiceEnvironment);
        Assert.Equal(metadata.RequestId, received.RequestId);
        Assert.Equal("0123456789abcdef0123456789abcdef", received.TraceId);
        Assert.Equal(3, received.Metadata["count"]);
        Assert.Contains("secret stuff", received.PrivateMetadataJson, StringComparison.Ordinal);
        Assert.Equal(ev, Event.Parser.ParseFrom(received.EventBytes.Span));
        Assert.StartsWith("{\"receivedAt\":\"", received.Json, StringComparison.Ordinal);
        Assert.Contains("\"event\":" + JsonFormatter.Default.Format(ev), received.Json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RecordEvents_RetriedEvent_CountedAsDuplicate()
    {
        await using var harness = await StartAsync();
        var ev = NewEvent();

        await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(ev));
        var retry = await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(ev));

        Assert.Equal([ev.Id], retry.Succeeded);
        Assert.Equal(2, harness.Gateway.Events.Count);
        Assert.Equal(1, harness.Gateway.Events.DistinctCount);
        Assert.Equal(1, harness.Gateway.Events.DuplicateCount);
    }

    internal static void AssertStatus(Status status, StatusCode code, string detail)
    {
        Assert.Equal(code, status.StatusCode);
        Assert.Equal(detail, status.Detail);
    }
}
