using System.Net;

namespace TelemetryHosting.Samples.WebApi.Tests.Controllers;

public sealed class SearchControllerTests(SampleAppFactory factory) : IClassFixture<SampleAppFactory>
{
    [Fact]
    public async Task Search_Query_RecordsResultsView()
    {
        using var client = factory.CreateClient();
        factory.Telemetry.Clear();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/search?q=grpc");
        request.Headers.Add("X-Sourcegraph-Interaction-ID", "interaction-1");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var recorded = factory.Telemetry.Single("search.results", "view");
        Assert.Equal(1, recorded.Version);
        Assert.Equal(1, recorded.Metadata["resultCount"]);
        Assert.Equal(0, recorded.Metadata["cached"]);
        Assert.Equal("grpc", recorded.PrivateMetadata["query"]);
        Assert.Equal("interaction-1", recorded.InteractionId);
        // The sample enables ASP.NET Core tracing, so the request's trace id is captured.
        Assert.NotNull(recorded.TraceId);
    }

    [Fact]
    public async Task Search_NoMatch_RecordsZeroResults()
    {
        using var client = factory.CreateClient();
        factory.Telemetry.Clear();

        using var response = await client.GetAsync(new Uri("/api/search?q=nothing-matches&cached=true", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var recorded = factory.Telemetry.Single("search.results", "view");
        Assert.Equal(0, recorded.Metadata["resultCount"]);
        Assert.Equal(1, recorded.Metadata["cached"]);
    }
}
