using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Xunit.Abstractions;

namespace TelemetryHosting.Aspire.Tests;

/// <summary>
/// The sample AppHost end to end: the services under it have no telemetry configuration of their own (the reference
/// passes it), and their events reach the AppHost's development gateway with service id, user and interaction id.
/// </summary>
[Collection(SampleAppHostCollection.Name)]
public sealed class SampleAppHostTests(SampleAppHostFixture appHost, ITestOutputHelper output)
{
    [Fact]
    public async Task WebApi_SearchRequest_EventReachesTheGatewayWithServiceIdAndInteractionId()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/search?q=grpc");

        var received = await SendAndFindEventAsync(SampleAppHostFixture.WebApi, request, HttpStatusCode.OK);

        Assert.Equal("accepted", received.Text("status"));
        Assert.Equal("search.results", received.Text("feature"));
        Assert.Equal("view", received.Text("action"));
        Assert.Equal("sample-webapi", received.Text("serviceId"));
        Assert.Equal("managedService", received.Text("identifierType"));
    }

    [Fact]
    public async Task WebApi_ClientEvent_EventReachesTheGatewayWithUserAndInteractionId()
    {
        var user = Guid.NewGuid().ToString();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/telemetry")
        {
            Content = JsonContent.Create(new
            {
                events = new[] { new { feature = "sample.button", action = "clicked", metadata = new { position = 2 }, client = new { name = "aspire-test", version = "1.0" } } },
            }),
        };
        request.Headers.Add("X-Sample-User", user);

        var received = await SendAndFindEventAsync(SampleAppHostFixture.WebApi, request, HttpStatusCode.Accepted);

        Assert.Equal("sample.button", received.Text("feature"));
        Assert.Equal("clicked", received.Text("action"));
        Assert.Equal(user, received.Text("samsExternalId"));
        Assert.Equal("sample-webapi", received.Text("serviceId"));
        Assert.Equal("aspire-test", received.Text("clientName"));
    }

    [Fact]
    public async Task NativeAotService_Order_EventReachesTheSameGateway()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders?items=3");

        var received = await SendAndFindEventAsync(SampleAppHostFixture.NativeAot, request, HttpStatusCode.Accepted);

        Assert.Equal("sampleOrders", received.Text("feature"));
        Assert.Equal("sample-nativeaot", received.Text("serviceId"));
        Assert.Equal(3, received["metadata"]?["items"]?.GetValue<double>());
    }

    [Fact]
    public void Gateway_Urls_ShowTheEventsPageAndKeepGrpcInTheDetails()
    {
        var urls = appHost.Snapshot(SampleAppHostFixture.Gateway).Urls;

        var page = Assert.Single(urls, url => url.Name == TelemetryDevGatewayResource.WebEndpointName);
        Assert.Equal("Telemetry events page", page.DisplayProperties.DisplayName);
        Assert.StartsWith("http://localhost:", page.Url, StringComparison.Ordinal);
        Assert.False(page.IsInternal);
        var grpc = Assert.Single(urls, url => url.Name == TelemetryDevGatewayResource.GrpcEndpointName);
        Assert.True(grpc.IsInternal, "the gRPC address (HTTP/2 only, no use in a browser) should be in the resource's details only");
    }

    [Fact]
    public void Reference_PassesConnectionStringAndItsName()
    {
        var environment = appHost.Snapshot(SampleAppHostFixture.WebApi).EnvironmentVariables.ToDictionary(variable => variable.Name, variable => variable.Value);

        Assert.Equal(SampleAppHostFixture.Gateway, environment["TelemetryGateway__ConnectionName"]);
        var connectionString = environment["ConnectionStrings__telemetry"];
        Assert.Matches("^Endpoint=http://localhost:[0-9]+;SamsUrl=http://localhost:[0-9]+;ClientId=sams_cid_devgateway;ClientSecret=.+$", connectionString);
    }

    [Fact]
    public async Task Gateway_Health_IsHealthyAndTheWebEndpointAnswers()
    {
        output.WriteLine($"The sample AppHost started and became healthy in {appHost.StartTime.TotalSeconds:F1} s.");
        using var gateway = appHost.CreateClient(SampleAppHostFixture.Gateway, "web");

        using var response = await gateway.GetAsync("/api/events?limit=0");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HealthStatus.Healthy, appHost.Snapshot(SampleAppHostFixture.Gateway).HealthStatus);
    }

    /// <summary>Sends <paramref name="request"/> to a service with a fresh interaction id, and finds that interaction's event on the gateway.</summary>
    private async Task<JsonObject> SendAndFindEventAsync(string service, HttpRequestMessage request, HttpStatusCode expected)
    {
        var interactionId = "aspire-" + Guid.NewGuid().ToString("N");
        request.Headers.Add("X-Sourcegraph-Interaction-ID", interactionId);
        using var api = appHost.CreateClient(service, "http");
        using var gateway = appHost.CreateClient(SampleAppHostFixture.Gateway, "web");

        using var response = await api.SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
        var received = await GatewayEvents.WaitForAsync(gateway, e => e.Text("interactionId") == interactionId, $"the event of interaction {interactionId}");
        Assert.Equal(interactionId, received.Text("interactionId"));
        return received;
    }
}
