using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace TelemetryHosting.Tests.Configuration;

public sealed class RegistrationTests
{
    [Fact]
    public void AddTelemetryGateway_CalledTwice_RegistersNothingTwice()
    {
        var once = new ServiceCollection();
        once.AddTelemetryGateway(UseServiceA);
        var twice = new ServiceCollection();
        twice.AddTelemetryGateway(UseServiceA);
        twice.AddTelemetryGateway(options => options.ServiceEnvironment = "b");

        Assert.Equal(Registrations(once, typeof(ITelemetryRecorder)), Registrations(twice, typeof(ITelemetryRecorder)));
        Assert.Equal(1, Registrations(twice, typeof(IHostedService)));

        using var provider = twice.BuildServiceProvider();
        Assert.Single(provider.GetServices<IHostedService>());
        var options = provider.GetRequiredService<IOptions<TelemetryGatewayOptions>>().Value;
        Assert.Equal("a", options.ServiceId);
        Assert.Equal("b", options.ServiceEnvironment);
    }

    [Fact]
    public void AddTelemetryGateway_ReturnsBuilderOverTheSameServices()
    {
        var services = new ServiceCollection();

        var builder = services.AddTelemetryGateway(UseServiceA);

        Assert.Same(services, builder.Services);
    }

    [Fact]
    public void AddTelemetryGateway_Section_BindsFromThatSection()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Custom:ServiceId"] = "from-section", ["Custom:Endpoint"] = "http://127.0.0.1:1" })
            .Build();
        var services = new ServiceCollection();

        services.AddTelemetryGateway(configuration.GetSection("Custom"));

        using var provider = services.BuildServiceProvider();
        Assert.Equal("from-section", provider.GetRequiredService<IOptions<TelemetryGatewayOptions>>().Value.ServiceId);
    }

    [Fact]
    public void Recorder_IsOneSingleton()
    {
        var services = new ServiceCollection();
        services.AddTelemetryGateway(UseServiceA);
        using var provider = services.BuildServiceProvider();

        Assert.Same(provider.GetRequiredService<ITelemetryRecorder>(), provider.GetRequiredService<ITelemetryRecorder>());
    }

    // A loopback gateway needs no SAMS client, which keeps these tests about registration.
    private static void UseServiceA(TelemetryGatewayOptions options)
    {
        options.ServiceId = "a";
        options.Endpoint = new Uri("http://127.0.0.1:1");
    }

    private static int Registrations(IServiceCollection services, Type type) => services.Count(d => d.ServiceType == type);
}
