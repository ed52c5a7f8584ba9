using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace TelemetryHosting.Tests.Configuration;

public sealed class OptionsTests
{
    [Fact]
    public async Task Start_ServiceIdMissing_FailsNamingServiceId()
    {
        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => StartWithAsync(new()
        {
            ["TelemetryGateway:Endpoint"] = "http://127.0.0.1:1",
        }));

        Assert.Contains("ServiceId", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_UnknownKey_FailsNamingTheKey()
    {
        var exception = await Assert.ThrowsAsync<InvalidOperationException>(() => StartWithAsync(new()
        {
            ["TelemetryGateway:ServiceId"] = "my-service",
            ["TelemetryGateway:FlushIntervall"] = "00:00:01",
        }));

        Assert.Contains("'FlushIntervall'", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("QueueCapacity", "0", "QueueCapacity")]
    [InlineData("MaxBatchSize", "-1", "MaxBatchSize")]
    [InlineData("ExportTimeout", "00:05:00", "ExportTimeout")]
    [InlineData("FlushInterval", "00:00:00", "FlushInterval")]
    [InlineData("Endpoint", "ftp://gateway.example", "'ftp://gateway.example'")]
    [InlineData("MaxPayloadBytes", "8388608", "MaxPayloadBytes: must not be larger than MaxBatchBytes (4194304), but is 8388608.")]
    [InlineData("MaxRetryDelay", "00:00:00.500", "MaxRetryDelay: must not be shorter than RetryDelay (00:00:01), but is 00:00:00.5000000.")]
    [InlineData("ServiceVersion", "  ", "ServiceVersion")]
    public async Task Start_BadValue_FailsWithMessageNamingIt(string key, string value, string expected)
    {
        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => StartWithAsync(new()
        {
            ["TelemetryGateway:ServiceId"] = "my-service",
            [$"TelemetryGateway:{key}"] = value,
        }));

        Assert.Contains(expected, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_ValidSection_BindsEveryValue()
    {
        using var host = Build(new()
        {
            ["TelemetryGateway:Endpoint"] = "https://telemetry-gateway.sgdev.org:443",
            ["TelemetryGateway:ServiceId"] = "my-service",
            ["TelemetryGateway:ServiceEnvironment"] = "dev",
            ["TelemetryGateway:QueueCapacity"] = "500",
            ["TelemetryGateway:FlushInterval"] = "00:00:02",
            ["TelemetryGateway:Sams:ClientId"] = "sams_cid_test",
            ["TelemetryGateway:Sams:ClientSecret"] = "sams_cs_test",
        });
        await host.StartAsync();

        var options = host.Services.GetRequiredService<IOptions<TelemetryGatewayOptions>>().Value;
        Assert.Equal(new Uri("https://telemetry-gateway.sgdev.org:443"), options.Endpoint);
        Assert.Equal("dev", options.ServiceEnvironment);
        Assert.Equal(500, options.QueueCapacity);
        Assert.Equal(TimeSpan.FromSeconds(2), options.FlushInterval);
        Assert.False(string.IsNullOrEmpty(options.ServiceVersion));
        Assert.Equal("sams_cid_test", options.Sams.ClientId);
        await host.StopAsync();
    }

    [Fact]
    public void Defaults_AreTheDocumentedOnes()
    {
        var options = new TelemetryGatewayOptions();

        Assert.Equal(new Uri("https://telemetry-gateway.sourcegraph.com:443"), options.Endpoint);
        Assert.Equal(10_000, options.QueueCapacity);
        Assert.Equal(1_000, options.MaxBatchSize);
        Assert.Equal(4 * 1024 * 1024, options.MaxBatchBytes);
        Assert.Equal(1024 * 1024, options.MaxPayloadBytes);
        Assert.Equal(TimeSpan.FromSeconds(5), options.FlushInterval);
        Assert.Equal(TimeSpan.FromSeconds(30), options.ExportTimeout);
        Assert.Equal(5, options.MaxEventAttempts);
    }

    private static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddTelemetryGateway();
        return builder.Build();
    }

    private static async Task StartWithAsync(Dictionary<string, string?> settings)
    {
        using var host = Build(settings);
        await host.StartAsync();
        await host.StopAsync();
    }
}
