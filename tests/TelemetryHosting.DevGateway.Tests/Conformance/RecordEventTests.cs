using Grpc.Core;
using Telemetrygateway.V1;
using static TelemetryHosting.DevGateway.Tests.Conformance.RecordEventsTests;
using static TelemetryHosting.DevGateway.Tests.GatewayHarness;

namespace TelemetryHosting.DevGateway.Tests.Conformance;

/// <summary>docs/gateway-contract.md, "The unary RecordEvent": the unary RecordEvent path, its order of checks and its status codes.</summary>
public sealed class RecordEventTests
{
    [Fact]
    public async Task RecordEvent_ValidEvent_EmptyResponseAndStored()
    {
        await using var harness = await StartAsync();
        var ev = NewEvent();
        var metadata = ManagedService("unary-service", environment: null);

        var status = await harness.RecordEventAsync(new RecordEventRequest { Metadata = metadata, Event = ev }, harness.Auth());

        Assert.Equal(StatusCode.OK, status.StatusCode);
        var received = Assert.Single(harness.Gateway.Events.Snapshot());
        Assert.Equal(ev.Id, received.Id);
        Assert.Equal("unary-service", received.ServiceId);
        Assert.Null(received.ServiceEnvironment);
        Assert.Equal(metadata.RequestId, received.RequestId);
    }

    [Fact]
    public async Task RecordEvent_EventMissing_InvalidArgumentBeforeAnyOtherCheck()
    {
        await using var harness = await StartAsync();

        // No metadata and no token either: the missing event is reported first.
        var status = await harness.RecordEventAsync(new RecordEventRequest(), null);

        AssertStatus(status, StatusCode.InvalidArgument, "event is required");
    }

    [Fact]
    public async Task RecordEvent_UnlicensedInstance_Unimplemented()
    {
        await using var harness = await StartAsync();

        var status = await harness.RecordEventAsync(new RecordEventRequest { Metadata = Unlicensed(), Event = NewEvent() }, null);

        AssertStatus(status, StatusCode.Unimplemented, "unsupported identifier type");
    }

    [Fact]
    public async Task RecordEvent_LicensedInstance_Unimplemented()
    {
        await using var harness = await StartAsync();

        var status = await harness.RecordEventAsync(new RecordEventRequest { Metadata = Licensed(DevelopmentGatewayOptions.DefaultLicenseKey), Event = NewEvent() }, null);

        AssertStatus(status, StatusCode.Unimplemented, "unsupported identifier type");
    }

    [Fact]
    public async Task RecordEvent_IdentifierWithoutVariant_Unimplemented()
    {
        await using var harness = await StartAsync();
        var metadata = new RecordEventsRequestMetadata { RequestId = "r", Identifier = new Identifier() };

        var status = await harness.RecordEventAsync(new RecordEventRequest { Metadata = metadata, Event = NewEvent() }, harness.Auth());

        AssertStatus(status, StatusCode.Unimplemented, "unsupported identifier type");
    }

    [Fact]
    public async Task RecordEvent_EmptyServiceId_InvalidArgumentBeforeTokenCheck()
    {
        await using var harness = await StartAsync();

        var status = await harness.RecordEventAsync(new RecordEventRequest { Metadata = ManagedService(serviceId: ""), Event = NewEvent() }, null);

        AssertStatus(status, StatusCode.InvalidArgument, "service_id is required for managed services");
    }

    [Fact]
    public async Task RecordEvent_NoToken_UnauthenticatedBeforeValidation()
    {
        await using var harness = await StartAsync();
        var ev = NewEvent();
        ev.Id = "";

        var status = await harness.RecordEventAsync(new RecordEventRequest { Metadata = ManagedService(), Event = ev }, null);

        AssertStatus(status, StatusCode.Unauthenticated, "no token header value");
    }

    [Theory]
    [MemberData(nameof(InvalidEventCases), MemberType = typeof(RecordEventsTests))]
    public async Task RecordEvent_InvalidEvent_InternalFailedToPublish(string invalidCase)
    {
        await using var harness = await StartAsync();
        var ev = NewEvent();
        var reason = Spoil(invalidCase, ev);

        var status = await harness.RecordEventAsync(new RecordEventRequest { Metadata = ManagedService(), Event = ev }, harness.Auth());

        AssertStatus(status, StatusCode.Internal, "failed to publish event: " + reason);
        Assert.Equal(0, harness.Gateway.Events.Count);
    }

    [Fact]
    public async Task RecordEvent_LegacyMetadata_NotMerged()
    {
        await using var harness = await StartAsync();
        var ev = NewEvent();
        ev.Parameters.Metadata["modern"] = 1;
#pragma warning disable CS0612 // the deprecated field is what this test sends
        ev.Parameters.LegacyMetadata["legacy"] = 5;
#pragma warning restore CS0612

        var status = await harness.RecordEventAsync(new RecordEventRequest { Metadata = ManagedService(), Event = ev }, harness.Auth());

        Assert.Equal(StatusCode.OK, status.StatusCode);
        var received = Assert.Single(harness.Gateway.Events.Snapshot());
        Assert.Equal(new Dictionary<string, double> { ["modern"] = 1 }, received.Metadata);
    }

    [Fact]
    public async Task RecordEvent_OversizeEvent_OkButDropped()
    {
        await using var harness = await StartAsync();
        var ev = NewEvent();
        ev.Parameters.PrivateMetadata = new Google.Protobuf.WellKnownTypes.Struct();
        ev.Parameters.PrivateMetadata.Fields["blob"] = Google.Protobuf.WellKnownTypes.Value.ForString(new string('z', 10_000_000));

        var status = await harness.RecordEventAsync(new RecordEventRequest { Metadata = ManagedService(), Event = ev }, harness.Auth());

        Assert.Equal(StatusCode.OK, status.StatusCode);
        Assert.Equal(0, harness.Gateway.Events.Count);
        Assert.Equal(1, harness.Gateway.Events.OversizeCount);
    }
}
