using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using TelemetryHosting.Testing;

namespace TelemetryHosting.Samples.WebApi.Tests;

/// <summary>
/// The sample web API in memory, with the fake telemetry recorder in place of the real one. An endpoint is
/// configured so that the sample does not start its in-process development gateway; nothing listens there, and
/// the fake removes the delivery worker, so nothing ever connects.
/// </summary>
public sealed class SampleAppFactory : WebApplicationFactory<Program>
{
    public FakeTelemetryRecorder Telemetry { get; private set; } = null!;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("TelemetryGateway:Endpoint", "http://127.0.0.1:1");
        builder.ConfigureTestServices(services => Telemetry = services.AddFakeTelemetryRecorder());
    }
}
