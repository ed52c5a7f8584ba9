using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace TelemetryHosting.Samples.WebApi.Tests;

public sealed class SampleConfigurationTests(SampleAppFactory factory) : IClassFixture<SampleAppFactory>
{
    [Fact]
    public void Start_EndpointConfigured_DoesNotStartDevelopmentGateway()
    {
        using var client = factory.CreateClient();

        // The sample replaces the endpoint with the development gateway's address when it starts one.
        var configuration = factory.Services.GetRequiredService<IConfiguration>();
        Assert.Equal("http://127.0.0.1:1", configuration["TelemetryGateway:Endpoint"]);
    }
}
