using Grpc.Core;
using Telemetrygateway.V1;
using TelemetryHosting.DevGateway.Internal;
using static TelemetryHosting.DevGateway.Tests.Conformance.RecordEventsTests;
using static TelemetryHosting.DevGateway.Tests.GatewayHarness;

namespace TelemetryHosting.DevGateway.Tests.Conformance;

/// <summary>docs/gateway-contract.md, "Authentication", the gateway side: every row of the authentication table, on both paths.</summary>
public sealed class AuthenticationTests
{
    public static TheoryData<string?, StatusCode, string> HeaderRows => new()
    {
        { null, StatusCode.Unauthenticated, "no token header value" },
        { "", StatusCode.Unauthenticated, "no token header value" },
        { "sams_at_0123", StatusCode.Unauthenticated, "invalid token header: token type missing in Authorization header" },
        { "Basic c2Ftczpz", StatusCode.Unauthenticated, "invalid token header: invalid token type Basic in Authorization header" },
        { "Token sams_at_0123", StatusCode.Unauthenticated, "invalid token header: invalid token type Token in Authorization header" },
        { "Bearer sams_at_unknown", StatusCode.PermissionDenied, "permission denied" },
        { "Bearer ", StatusCode.PermissionDenied, "permission denied" },
    };

    [Theory]
    [MemberData(nameof(HeaderRows))]
    public async Task RecordEvents_AuthorizationHeader_StatusOfTheTable(string? header, StatusCode code, string detail)
    {
        await using var harness = await StartAsync();

        var result = await harness.RecordEventsAsync(header is null ? null : Header(header), MetadataMessage(ManagedService()), Payload(NewEvent()));

        AssertStatus(result.Status, code, detail);
        Assert.Empty(result.Responses);
        Assert.Equal(0, harness.Gateway.Events.Count);
    }

    [Theory]
    [MemberData(nameof(HeaderRows))]
    public async Task RecordEvent_AuthorizationHeader_StatusOfTheTable(string? header, StatusCode code, string detail)
    {
        await using var harness = await StartAsync();

        var status = await harness.RecordEventAsync(new RecordEventRequest { Metadata = ManagedService(), Event = NewEvent() }, header is null ? null : Header(header));

        AssertStatus(status, code, detail);
    }

    [Theory]
    [InlineData("Bearer")]
    [InlineData("bearer")]
    [InlineData("BEARER")]
    public async Task RecordEvents_TokenTypeInAnyCase_Accepted(string type)
    {
        await using var harness = await StartAsync();

        var result = await harness.RecordEventsAsync(Header(type + " " + harness.Gateway.Sams.IssueToken()), MetadataMessage(ManagedService()), Payload(NewEvent()));

        Assert.Equal(StatusCode.OK, result.Status.StatusCode);
        Assert.Single(result.Succeeded);
    }

    [Fact]
    public async Task RecordEvents_ExpiredToken_PermissionDenied()
    {
        await using var harness = await StartAsync(fakeTime: true);
        var token = harness.Gateway.Sams.IssueToken();
        harness.Time!.Advance(TimeSpan.FromHours(1));

        var result = await harness.RecordEventsAsync(Header("Bearer " + token), MetadataMessage(ManagedService()), Payload(NewEvent()));

        AssertStatus(result.Status, StatusCode.PermissionDenied, "permission denied");
    }

    [Fact]
    public async Task RecordEvents_TokenJustBeforeExpiry_Accepted()
    {
        await using var harness = await StartAsync(fakeTime: true);
        var token = harness.Gateway.Sams.IssueToken();
        harness.Time!.Advance(TimeSpan.FromHours(1) - TimeSpan.FromSeconds(1));

        var result = await harness.RecordEventsAsync(Header("Bearer " + token), MetadataMessage(ManagedService()), Payload(NewEvent()));

        Assert.Equal(StatusCode.OK, result.Status.StatusCode);
    }

    [Fact]
    public async Task RecordEvents_RevokedToken_PermissionDenied()
    {
        await using var harness = await StartAsync();
        var token = harness.Gateway.Sams.IssueToken();
        harness.Gateway.Sams.Revoke(token);

        var result = await harness.RecordEventsAsync(Header("Bearer " + token), MetadataMessage(ManagedService()), Payload(NewEvent()));

        AssertStatus(result.Status, StatusCode.PermissionDenied, "permission denied");
    }

    [Theory]
    [InlineData("telemetry_gateway::events::read")]
    [InlineData("telemetry_gateway::events.sub::write")]
    [InlineData("other_service::events::write")]
    public async Task RecordEvents_TokenWithoutWriteScope_PermissionDenied(string scope)
    {
        await using var harness = await StartAsync();
        var token = harness.Gateway.Sams.IssueToken(scopes: [scope]);

        var result = await harness.RecordEventsAsync(Header("Bearer " + token), MetadataMessage(ManagedService()), Payload(NewEvent()));

        AssertStatus(result.Status, StatusCode.PermissionDenied, "permission denied");
    }

    [Fact]
    public async Task RecordEvent_TokenWithoutWriteScope_PermissionDenied()
    {
        await using var harness = await StartAsync();
        var token = harness.Gateway.Sams.IssueToken(scopes: ["telemetry_gateway::events::read"]);

        var status = await harness.RecordEventAsync(new RecordEventRequest { Metadata = ManagedService(), Event = NewEvent() }, Header("Bearer " + token));

        AssertStatus(status, StatusCode.PermissionDenied, "permission denied");
    }

    [Fact]
    public async Task RecordEvents_IntrospectionFails_InternalUnableToValidate()
    {
        await using var harness = await StartAsync();
        harness.Gateway.Faults.FailTokenIntrospection = true;

        var result = await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(NewEvent()));

        AssertStatus(result.Status, StatusCode.Internal, "unable to validate token");
    }

    [Fact]
    public async Task RecordEvent_IntrospectionFails_InternalUnableToValidate()
    {
        await using var harness = await StartAsync(o => o.Faults.FailTokenIntrospection.Enabled = true);

        var status = await harness.RecordEventAsync(new RecordEventRequest { Metadata = ManagedService(), Event = NewEvent() }, harness.Auth());

        AssertStatus(status, StatusCode.Internal, "unable to validate token");
    }

    [Fact]
    public async Task RecordEvents_AuthenticationNotRequired_AcceptedWithoutToken()
    {
        await using var harness = await StartAsync(o => o.RequireAuthentication = false);

        var result = await harness.RecordEventsAsync(null, MetadataMessage(ManagedService()), Payload(NewEvent()));

        Assert.Equal(StatusCode.OK, result.Status.StatusCode);
        Assert.Single(result.Succeeded);
    }

    [Fact]
    public async Task RecordEvents_InstancesNeedNoToken_EvenWhenTokensAreRejected()
    {
        await using var harness = await StartAsync(o => o.Faults.RejectTokens.Enabled = true);

        var result = await harness.RecordEventsAsync(Header("garbage"), MetadataMessage(Unlicensed()), Payload(NewEvent()));

        Assert.Equal(StatusCode.OK, result.Status.StatusCode);
    }

    // The two rows that an HTTP/2 client cannot produce (grpc-dotnet always sends metadata such as user-agent, and
    // joins repeated header values into one field) are checked on the gateway's check itself.
    [Fact]
    public void Check_NoMetadataAtAll_UnauthenticatedNoTokenHeader()
    {
        var (sams, faults) = NewSams();

        var status = SamsTokenCheck.Check(anyMetadata: false, [], sams, faults);

        Assert.Equal(new Status(StatusCode.Unauthenticated, "no token header"), status);
    }

    [Fact]
    public void Check_AuthorizationGivenTwice_UnauthenticatedNoTokenHeaderValue()
    {
        var (sams, faults) = NewSams();
        var token = sams.IssueToken();

        var status = SamsTokenCheck.Check(anyMetadata: true, ["Bearer " + token, "Bearer " + token], sams, faults);

        Assert.Equal(new Status(StatusCode.Unauthenticated, "no token header value"), status);
    }

    [Fact]
    public void Check_ValidToken_Null()
    {
        var (sams, faults) = NewSams();

        Assert.Null(SamsTokenCheck.Check(anyMetadata: true, ["Bearer " + sams.IssueToken()], sams, faults));
    }

    [Theory]
    [InlineData("telemetry_gateway::events::write", "telemetry_gateway::events::write", true)]
    [InlineData("telemetry_gateway::events::write", "telemetry_gateway::events.sub::write", true)]
    [InlineData("telemetry_gateway::events.sub::write", "telemetry_gateway::events::write", false)]
    [InlineData("telemetry_gateway::event::write", "telemetry_gateway::events::write", false)]
    [InlineData("telemetry_gateway::events::read", "telemetry_gateway::events::write", false)]
    [InlineData("telemetry_gateway::events::publish", "telemetry_gateway::events::write", false)]
    [InlineData("other::events::write", "telemetry_gateway::events::write", false)]
    public void Covers_GrantedAndRequired_MatchesLikeSams(string granted, string required, bool expected)
    {
        Assert.Equal(expected, ScopeMatcher.Covers(granted, required));
    }

    private static (SamsEmulator Sams, GatewayFaults Faults) NewSams() =>
        (new SamsEmulator([], TimeSpan.FromHours(1), acceptBasicAuth: true, outage: false, TimeProvider.System), new GatewayFaults(new GatewayFaultOptions()));
}
