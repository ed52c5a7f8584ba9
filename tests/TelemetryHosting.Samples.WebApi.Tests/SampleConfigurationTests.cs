using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace TelemetryHosting.Samples.WebApi.Tests;

public sealed class SampleConfigurationTests(SampleAppFactory factory) : IClassFixture<SampleAppFactory>
{
    [Fact]
    public void Start_EndpointConfigured_DoesNotStartDevelopmentGateway()
    {
        using var client = factory.CreateClient();

        // When the sample starts a development gateway it also points SAMS at it with the development client; the
        // factory configures no SAMS client, so one present here could only come from a gateway started anyway.
        var configuration = factory.Services.GetRequiredService<IConfiguration>();
        Assert.Null(configuration["TelemetryGateway:Sams:ClientId"]);
        Assert.Null(configuration["TelemetryGateway:Sams:Url"]);
        Assert.Equal("http://127.0.0.1:1", configuration["TelemetryGateway:Endpoint"]);
    }
}
