using System.Net;

namespace TelemetryHosting.Samples.WebApi.Tests.Controllers;

public sealed class ExportsControllerTests(SampleAppFactory factory) : IClassFixture<SampleAppFactory>
{
    [Fact]
    public async Task Create_PositiveRows_RecordsSucceeded()
    {
        using var client = factory.CreateClient();
        factory.Telemetry.Clear();

        using var response = await client.PostAsync(new Uri("/api/exports?rows=2000", UriKind.Relative), content: null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var recorded = factory.Telemetry.Single("exports.csv", "succeeded");
        Assert.Equal(2000, recorded.Metadata["rows"]);
        Assert.True(recorded.FeatureFlags["csv-v2"]);
        Assert.Equal("sample", recorded.Billing?.Product);
        Assert.Equal("exports", recorded.Billing?.Category);
        Assert.Empty(factory.Telemetry.Where("exports.csv", "failed"));
    }

    [Fact]
    public async Task Create_ZeroRows_RecordsFailed()
    {
        using var client = factory.CreateClient();
        factory.Telemetry.Clear();

        using var response = await client.PostAsync(new Uri("/api/exports?rows=0", UriKind.Relative), content: null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var recorded = factory.Telemetry.Single("exports.csv", "failed");
        Assert.Equal("exports", recorded.Billing?.Category);
        Assert.Empty(factory.Telemetry.Where("exports.csv", "succeeded"));
    }
}
