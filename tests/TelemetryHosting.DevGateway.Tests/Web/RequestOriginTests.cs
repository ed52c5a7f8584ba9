using System.Net;
using Grpc.Core;
using Grpc.Net.Client;
using Telemetrygateway.V1;
using static TelemetryHosting.DevGateway.Tests.GatewayHarness;

namespace TelemetryHosting.DevGateway.Tests.Web;

/// <summary>
/// Only the machine itself is served: no other host name (DNS rebinding), no cross-site page reading the events, and the
/// JSON Lines file readable by its owner only.
/// </summary>
public sealed class RequestOriginTests
{
    [Theory]
    [InlineData("evil.example")]
    [InlineData("evil.example:5081")]
    [InlineData("10.0.0.1")]
    public async Task WebPort_ForeignHostHeader_IsRefused(string host)
    {
        await using var harness = await StartAsync();
        using var http = new HttpClient { Timeout = WaitLimit };
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(harness.Gateway.WebAddress, "api/events"));
        request.Headers.Host = host;

        using var response = await http.SendAsync(request);

        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.MisdirectedRequest, $"HTTP {(int)response.StatusCode}");
        Assert.DoesNotContain("\"events\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("127.0.0.1")]
    [InlineData("[::1]")]
    public async Task WebPort_LoopbackHostHeader_IsServed(string host)
    {
        await using var harness = await StartAsync();
        using var http = new HttpClient { Timeout = WaitLimit };
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(harness.Gateway.WebAddress, "api/events"));
        request.Headers.Host = host + ":" + harness.Gateway.WebAddress.Port;

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task GrpcPort_ForeignHostHeader_IsRefusedAndNothingIsRecorded()
    {
        await using var harness = await StartAsync();
        using var channel = GrpcChannel.ForAddress(harness.Gateway.Address, new GrpcChannelOptions
        {
            HttpHandler = new HostHeader("evil.example") { InnerHandler = new SocketsHttpHandler() },
        });
        var client = new TelemeteryGatewayService.TelemeteryGatewayServiceClient(channel);
        using var timeout = new CancellationTokenSource(WaitLimit);

        var exception = await Assert.ThrowsAsync<RpcException>(() => client.RecordEventAsync(
            new RecordEventRequest { Metadata = MetadataMessage(ManagedService()).Metadata, Event = NewEvent() },
            harness.Auth(),
            cancellationToken: timeout.Token).ResponseAsync);

        Assert.NotEqual(StatusCode.OK, exception.StatusCode);
        Assert.Equal(0, harness.Gateway.Events.Count);
    }

    [Theory]
    [InlineData("Origin", "https://evil.example")]
    [InlineData("Origin", "null")]
    [InlineData("Sec-Fetch-Site", "cross-site")]
    public async Task Events_CrossSiteRequest_IsForbiddenAndChangesNothing(string header, string value)
    {
        await using var harness = await StartAsync();
        await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(NewEvent()));
        using var http = new HttpClient { Timeout = WaitLimit };

        foreach (var (method, path) in new[] { (HttpMethod.Get, "api/events"), (HttpMethod.Delete, "api/events"), (HttpMethod.Get, "api/events/stats") })
        {
            using var request = new HttpRequestMessage(method, new Uri(harness.Gateway.WebAddress, path));
            request.Headers.TryAddWithoutValidation(header, value);
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        Assert.Equal(1, harness.Gateway.Events.Count);
    }

    [Fact]
    public async Task Events_FromALoopbackOrigin_IsServed()
    {
        await using var harness = await StartAsync();
        using var http = new HttpClient { Timeout = WaitLimit };
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(harness.Gateway.WebAddress, "api/events"));
        request.Headers.TryAddWithoutValidation("Origin", "http://localhost:3000");
        request.Headers.TryAddWithoutValidation("Sec-Fetch-Site", "cross-site");

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("Origin", "https://evil.example")]
    [InlineData("Origin", "null")]
    [InlineData("Sec-Fetch-Site", "cross-site")]
    public async Task Token_CrossSiteFormPost_IsForbiddenAndIssuesNothing(string header, string value)
    {
        await using var harness = await StartAsync();
        using var http = new HttpClient { Timeout = WaitLimit };

        // What a page on another site can send without a preflight: a form POST with the client's credentials in the body.
        using var request = new HttpRequestMessage(HttpMethod.Post, harness.Gateway.Sams.TokenEndpoint)
        {
            Content = new FormUrlEncodedContent(
            [
                new("grant_type", "client_credentials"),
                new("client_id", DevelopmentGatewayOptions.DefaultClientId),
                new("client_secret", DevelopmentGatewayOptions.DefaultClientSecret),
            ]),
        };
        request.Headers.TryAddWithoutValidation(header, value);
        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.DoesNotContain("access_token", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, harness.Gateway.Sams.IssuedTokenCount);
    }

    [Fact]
    public async Task Token_FromALoopbackOriginOrWithoutOrigin_IsIssued()
    {
        await using var harness = await StartAsync();
        using var http = new HttpClient { Timeout = WaitLimit };

        foreach (var origin in new[] { null, "http://localhost:3000" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, harness.Gateway.Sams.TokenEndpoint)
            {
                Content = new FormUrlEncodedContent(
                [
                    new("grant_type", "client_credentials"),
                    new("client_id", DevelopmentGatewayOptions.DefaultClientId),
                    new("client_secret", DevelopmentGatewayOptions.DefaultClientSecret),
                ]),
            };
            if (origin is not null)
            {
                request.Headers.TryAddWithoutValidation("Origin", origin);
            }

            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(2, harness.Gateway.Sams.IssuedTokenCount);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task JsonLinesPath_NewFile_IsOwnerOnly()
    {
        var directory = Path.Combine(Path.GetTempPath(), "devgateway-" + Guid.NewGuid().ToString("N"));
        var path = Path.Combine(directory, "events.jsonl");
        try
        {
            await using (var harness = await StartAsync(o => o.JsonLinesPath = path))
            {
                await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService()), Payload(NewEvent()));
            }

            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Sends every request with another host name, as a browser does after DNS rebinding.</summary>
    private sealed class HostHeader(string host) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Host = host;
            return base.SendAsync(request, cancellationToken);
        }
    }
}
