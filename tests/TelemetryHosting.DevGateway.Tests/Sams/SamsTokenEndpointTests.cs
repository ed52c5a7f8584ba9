using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Grpc.Core;
using static TelemetryHosting.DevGateway.Tests.GatewayHarness;

namespace TelemetryHosting.DevGateway.Tests.Sams;

/// <summary>The SAMS emulator's token endpoint over real HTTP: RFC 6749 client credentials, errors, expiry.</summary>
public sealed class SamsTokenEndpointTests
{
    private const string WriteScope = DevelopmentGatewayOptions.TelemetryWriteScope;

    [Fact]
    public async Task Token_BasicAuthWithDefaultClient_IssuesBearerTokenTheGatewayAccepts()
    {
        await using var harness = await StartAsync();

        var (status, json) = await RequestTokenAsync(harness, Form(("grant_type", "client_credentials"), ("scope", WriteScope)), Basic(DevelopmentGatewayOptions.DefaultClientId, DevelopmentGatewayOptions.DefaultClientSecret));

        Assert.Equal(HttpStatusCode.OK, status);
        var token = json.GetProperty("access_token").GetString()!;
        Assert.StartsWith("sams_at_", token, StringComparison.Ordinal);
        Assert.Equal("bearer", json.GetProperty("token_type").GetString());
        Assert.Equal(3600, json.GetProperty("expires_in").GetInt32());
        Assert.Equal(WriteScope, json.GetProperty("scope").GetString());
        Assert.Equal(1, harness.Gateway.Sams.TokenRequestCount);

        var result = await harness.RecordEventsAsync(Header("Bearer " + token), MetadataMessage(ManagedService()), Payload(NewEvent()));
        Assert.Equal(StatusCode.OK, result.Status.StatusCode);
        Assert.Single(result.Succeeded);
    }

    [Fact]
    public async Task Token_TwoRequests_DifferentRandomTokens()
    {
        await using var harness = await StartAsync();
        var auth = Basic(DevelopmentGatewayOptions.DefaultClientId, DevelopmentGatewayOptions.DefaultClientSecret);

        var (_, first) = await RequestTokenAsync(harness, Form(("grant_type", "client_credentials")), auth);
        var (_, second) = await RequestTokenAsync(harness, Form(("grant_type", "client_credentials")), auth);

        Assert.NotEqual(first.GetProperty("access_token").GetString(), second.GetProperty("access_token").GetString());
        Assert.Equal(WriteScope, first.GetProperty("scope").GetString());
    }

    [Fact]
    public async Task Token_BasicAuthWithReservedCharacters_DecodedPerRfc6749()
    {
        const string id = "sams_cid_with:colon+plus";
        const string secret = "sams_cs_p@ss w%rd:+/=";
        await using var harness = await StartAsync(o => o.Clients.Add(Client(id, secret, WriteScope)));

        var (status, json) = await RequestTokenAsync(harness, Form(("grant_type", "client_credentials")), Basic(id, secret));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(harness.Gateway.Sams.IsActive(json.GetProperty("access_token").GetString()!));
    }

    [Fact]
    public async Task Token_FormFieldCredentials_Issued()
    {
        await using var harness = await StartAsync();

        var (status, json) = await RequestTokenAsync(harness, Form(("grant_type", "client_credentials"), ("scope", WriteScope), ("client_id", DevelopmentGatewayOptions.DefaultClientId), ("client_secret", DevelopmentGatewayOptions.DefaultClientSecret)), null);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.StartsWith("sams_at_", json.GetProperty("access_token").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_BasicAuthNotAccepted_InvalidClientThenFormFallbackWorks()
    {
        await using var harness = await StartAsync(o => o.SamsAcceptBasicAuth = false);

        var (basicStatus, basicJson) = await RequestTokenAsync(harness, Form(("grant_type", "client_credentials")), Basic(DevelopmentGatewayOptions.DefaultClientId, DevelopmentGatewayOptions.DefaultClientSecret));
        var (formStatus, _) = await RequestTokenAsync(harness, Form(("grant_type", "client_credentials"), ("client_id", DevelopmentGatewayOptions.DefaultClientId), ("client_secret", DevelopmentGatewayOptions.DefaultClientSecret)), null);

        Assert.Equal(HttpStatusCode.Unauthorized, basicStatus);
        Assert.Equal("invalid_client", basicJson.GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.OK, formStatus);
        Assert.Equal(2, harness.Gateway.Sams.TokenRequestCount);
        Assert.Equal(1, harness.Gateway.Sams.IssuedTokenCount);
    }

    [Fact]
    public async Task Token_AcceptBasicAuthChangedAtRunTime_Applies()
    {
        await using var harness = await StartAsync();
        harness.Gateway.Sams.AcceptBasicAuth = false;

        var (status, _) = await RequestTokenAsync(harness, Form(("grant_type", "client_credentials")), Basic(DevelopmentGatewayOptions.DefaultClientId, DevelopmentGatewayOptions.DefaultClientSecret));

        Assert.Equal(HttpStatusCode.Unauthorized, status);
    }

    public static TheoryData<string, string?, HttpStatusCode, string> ErrorRows => new()
    {
        // form fields (ampersand-separated), Basic "id:secret" or null, status, OAuth error code
        { "grant_type=client_credentials", "sams_cid_devgateway:wrong", HttpStatusCode.Unauthorized, "invalid_client" },
        { "grant_type=client_credentials", "sams_cid_unknown:sams_cs_devgateway_local_only", HttpStatusCode.Unauthorized, "invalid_client" },
        { "grant_type=client_credentials&client_id=sams_cid_devgateway&client_secret=wrong", null, HttpStatusCode.Unauthorized, "invalid_client" },
        { "grant_type=client_credentials", null, HttpStatusCode.Unauthorized, "invalid_client" },
        { "scope=telemetry_gateway::events::write", "sams_cid_devgateway:sams_cs_devgateway_local_only", HttpStatusCode.BadRequest, "invalid_request" },
        { "grant_type=password", "sams_cid_devgateway:sams_cs_devgateway_local_only", HttpStatusCode.BadRequest, "unsupported_grant_type" },
        { "grant_type=client_credentials&scope=telemetry_gateway::events::delete", "sams_cid_devgateway:sams_cs_devgateway_local_only", HttpStatusCode.BadRequest, "invalid_scope" },
        { "grant_type=client_credentials&scope=not-a-scope", "sams_cid_devgateway:sams_cs_devgateway_local_only", HttpStatusCode.BadRequest, "invalid_scope" },
        { "grant_type=client_credentials&grant_type=client_credentials", "sams_cid_devgateway:sams_cs_devgateway_local_only", HttpStatusCode.BadRequest, "invalid_request" },
        { "grant_type=client_credentials&client_secret=sams_cs_devgateway_local_only", "sams_cid_devgateway:sams_cs_devgateway_local_only", HttpStatusCode.BadRequest, "invalid_request" },
    };

    [Theory]
    [MemberData(nameof(ErrorRows))]
    public async Task Token_BadRequest_OAuthErrorJson(string form, string? basic, HttpStatusCode expectedStatus, string expectedError)
    {
        await using var harness = await StartAsync();
        var content = new StringContent(form, Encoding.ASCII, "application/x-www-form-urlencoded");
        var auth = basic is null ? null : Basic(basic[..basic.IndexOf(':', StringComparison.Ordinal)], basic[(basic.IndexOf(':', StringComparison.Ordinal) + 1)..]);

        var (status, json) = await RequestTokenAsync(harness, content, auth);

        Assert.Equal(expectedStatus, status);
        Assert.Equal(expectedError, json.GetProperty("error").GetString());
        Assert.False(string.IsNullOrEmpty(json.GetProperty("error_description").GetString()));
        Assert.DoesNotContain("sams_cs_", json.GetProperty("error_description").GetString()!, StringComparison.Ordinal);
        Assert.Equal(0, harness.Gateway.Sams.IssuedTokenCount);
    }

    [Fact]
    public async Task Token_WrongBasicSecret_WwwAuthenticateChallenge()
    {
        await using var harness = await StartAsync();
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, harness.Gateway.Sams.TokenEndpoint) { Content = Form(("grant_type", "client_credentials")) };
        request.Headers.Authorization = Basic(DevelopmentGatewayOptions.DefaultClientId, "wrong");

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Basic", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
        Assert.True(response.Headers.CacheControl?.NoStore);
    }

    [Fact]
    public async Task Token_NotFormEncoded_InvalidRequest()
    {
        await using var harness = await StartAsync();

        var (status, json) = await RequestTokenAsync(harness, new StringContent("{\"grant_type\":\"client_credentials\"}", Encoding.UTF8, "application/json"), Basic(DevelopmentGatewayOptions.DefaultClientId, DevelopmentGatewayOptions.DefaultClientSecret));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_request", json.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Token_Outage_503UntilToggledOff()
    {
        await using var harness = await StartAsync(o => o.SamsOutage = true);
        var auth = Basic(DevelopmentGatewayOptions.DefaultClientId, DevelopmentGatewayOptions.DefaultClientSecret);

        var (during, _) = await RequestTokenAsync(harness, Form(("grant_type", "client_credentials")), auth);
        harness.Gateway.Sams.Outage = false;
        var (after, _) = await RequestTokenAsync(harness, Form(("grant_type", "client_credentials")), auth);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, during);
        Assert.Equal(HttpStatusCode.OK, after);
        Assert.Equal(2, harness.Gateway.Sams.TokenRequestCount);
    }

    [Fact]
    public async Task Token_ConfiguredLifetime_ExpiresInAndExpiryFollowIt()
    {
        await using var harness = await StartAsync(o => o.TokenLifetime = TimeSpan.FromMinutes(5), fakeTime: true);

        var (_, json) = await RequestTokenAsync(harness, Form(("grant_type", "client_credentials")), Basic(DevelopmentGatewayOptions.DefaultClientId, DevelopmentGatewayOptions.DefaultClientSecret));
        var token = json.GetProperty("access_token").GetString()!;

        Assert.Equal(300, json.GetProperty("expires_in").GetInt32());
        Assert.True(harness.Gateway.Sams.IsActive(token));
        harness.Time!.Advance(TimeSpan.FromMinutes(5));
        Assert.False(harness.Gateway.Sams.IsActive(token));
        var result = await harness.RecordEventsAsync(Header("Bearer " + token), MetadataMessage(ManagedService()), Payload(NewEvent()));
        Assert.Equal(StatusCode.PermissionDenied, result.Status.StatusCode);
    }

    [Fact]
    public async Task Token_ClientWithParentPermission_MayRequestChildScope()
    {
        await using var harness = await StartAsync(o => o.Clients.Add(Client("sams_cid_parent", "sams_cs_parent", "telemetry_gateway::events::write")));

        var (status, json) = await RequestTokenAsync(harness, Form(("grant_type", "client_credentials"), ("scope", "telemetry_gateway::events.sub::write")), Basic("sams_cid_parent", "sams_cs_parent"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("telemetry_gateway::events.sub::write", json.GetProperty("scope").GetString());
    }

    [Fact]
    public async Task Token_ConfiguredClients_ReplaceTheDefaultClient()
    {
        await using var harness = await StartAsync(o => o.Clients.Add(Client("sams_cid_mine", "sams_cs_mine", WriteScope)));

        var (status, _) = await RequestTokenAsync(harness, Form(("grant_type", "client_credentials")), Basic(DevelopmentGatewayOptions.DefaultClientId, DevelopmentGatewayOptions.DefaultClientSecret));

        Assert.Equal(HttpStatusCode.Unauthorized, status);
    }

    [Fact]
    public async Task Token_GetMethod_NotServed()
    {
        await using var harness = await StartAsync();
        using var http = new HttpClient();

        using var response = await http.GetAsync(harness.Gateway.Sams.TokenEndpoint);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    internal static SamsClient Client(string id, string secret, string scope)
    {
        var client = new SamsClient { ClientId = id, ClientSecret = secret };
        client.Scopes.Add(scope);
        return client;
    }

    internal static AuthenticationHeaderValue Basic(string id, string secret) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.EscapeDataString(id) + ":" + Uri.EscapeDataString(secret))));

    internal static FormUrlEncodedContent Form(params (string Key, string Value)[] fields) =>
        new(fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value)));

    internal static async Task<(HttpStatusCode Status, JsonElement Json)> RequestTokenAsync(GatewayHarness harness, HttpContent content, AuthenticationHeaderValue? authorization)
    {
        using var http = new HttpClient { Timeout = WaitLimit };
        using var request = new HttpRequestMessage(HttpMethod.Post, harness.Gateway.Sams.TokenEndpoint) { Content = content };
        request.Headers.Authorization = authorization;
        using var response = await http.SendAsync(request);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, json.RootElement.Clone());
    }
}
