using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace TelemetryHosting.Testing.Tests;

public sealed class FakeTelemetryRecorderServiceCollectionExtensionsTests
{
    [Fact]
    public void AddFakeTelemetryRecorder_AfterAddTelemetryGateway_ReplacesRecorderAndWorker()
    {
        var services = new ServiceCollection();
        services.AddTelemetryGateway(options => options.ServiceId = "test");

        var fake = services.AddFakeTelemetryRecorder();

        using var provider = services.BuildServiceProvider();
        Assert.Same(fake, provider.GetRequiredService<ITelemetryRecorder>());
        Assert.Same(fake, provider.GetRequiredService<FakeTelemetryRecorder>());
        Assert.DoesNotContain(
            provider.GetServices<IHostedService>(),
            service => service.GetType().Assembly == typeof(ITelemetryRecorder).Assembly);
    }

    [Fact]
    public void AddFakeTelemetryRecorder_KeepsOtherHostedServices()
    {
        var services = new ServiceCollection();
        services.AddTelemetryGateway(options => options.ServiceId = "test");
        services.AddHostedService<IdleService>();

        services.AddFakeTelemetryRecorder();

        using var provider = services.BuildServiceProvider();
        Assert.IsType<IdleService>(Assert.Single(provider.GetServices<IHostedService>()));
    }

    [Fact]
    public void AddFakeTelemetryRecorder_CalledTwice_ReturnsSameFake()
    {
        var services = new ServiceCollection();

        var first = services.AddFakeTelemetryRecorder();
        var second = services.AddFakeTelemetryRecorder();

        Assert.Same(first, second);
        Assert.Single(services, descriptor => descriptor.ServiceType == typeof(ITelemetryRecorder));
    }

    [Fact]
    public void AddFakeTelemetryRecorder_GivenInstance_RegistersIt()
    {
        var services = new ServiceCollection();
        services.AddFakeTelemetryRecorder();
        var fake = new FakeTelemetryRecorder(new FakeTimeProvider());

        var registered = services.AddFakeTelemetryRecorder(fake);

        using var provider = services.BuildServiceProvider();
        Assert.Same(fake, registered);
        Assert.Same(fake, provider.GetRequiredService<ITelemetryRecorder>());
        Assert.Same(fake, provider.GetRequiredService<FakeTelemetryRecorder>());
    }

    [Fact]
    public async Task AddFakeTelemetryRecorder_InHost_StartsRecordsAndStops()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddTelemetryGateway(options =>
        {
            options.ServiceId = "test";
            // Nothing listens here: the fake must keep the host from ever connecting.
            options.Endpoint = new Uri("http://127.0.0.1:1");
        });
        var fake = builder.Services.AddFakeTelemetryRecorder();
        using var host = builder.Build();

        await host.StartAsync();
        host.Services.GetRequiredService<ITelemetryRecorder>().Record("search", "view");
        var flushed = await host.Services.GetRequiredService<ITelemetryRecorder>().FlushAsync();
        await host.StopAsync();

        Assert.Equal(1, flushed.Delivered);
        Assert.Single(fake.Events);
    }

    private sealed class IdleService : BackgroundService
    {
        protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.CompletedTask;
    }
}
