using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using TelemetryHosting.Authentication.Internal;

namespace TelemetryHosting.Tests.Authentication;

public sealed class TransportSecurityOptionsTests
{
    private const string Secret = "sams_cs_do_not_print_0123456789";

    [Fact]
    public async Task Start_PlainHttpToRemoteHost_FailsNamingTheRule()
    {
        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => StartWithAsync(new()
        {
            ["TelemetryGateway:Endpoint"] = "http://telemetry-gateway.example.com",
        }));

        Assert.Contains("'http://telemetry-gateway.example.com' is plain http to a host that is not loopback", exception.Message, StringComparison.Ordinal);
        Assert.Contains("AllowInsecureTransport", exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_PlainHttpSamsToRemoteHost_FailsNamingTheRule()
    {
        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => StartWithAsync(new()
        {
            ["TelemetryGateway:Sams:Url"] = "http://accounts.example.com",
        }));

        Assert.Contains("Sams:Url", exception.Message, StringComparison.Ordinal);
        Assert.Contains("client secret would travel unencrypted", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_PlainHttpWithOptIn_StartsAndWarns()
    {
        var logs = await StartWithAsync(new()
        {
            ["TelemetryGateway:Endpoint"] = "http://telemetry-gateway.internal",
            ["TelemetryGateway:AllowInsecureTransport"] = "true",
        });

        var warning = Assert.Single(logs.GetSnapshot(), log => log.Id.Id == 107);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("http://telemetry-gateway.internal", warning.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://localhost:5080")]
    [InlineData("http://127.0.0.1:5080")]
    [InlineData("http://127.1.2.3:5080")]
    [InlineData("http://[::1]:5080")]
    public async Task Start_PlainHttpToLoopbackWithoutClient_Starts(string endpoint)
    {
        var logs = await StartWithAsync(new() { ["TelemetryGateway:Endpoint"] = endpoint }, withClient: false);

        Assert.DoesNotContain(logs.GetSnapshot(), log => log.Id.Id == 107);
    }

    [Fact]
    public async Task Start_RemoteGatewayWithoutClient_FailsAskingForTheClient()
    {
        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => StartWithAsync(new(), withClient: false));

        Assert.Contains("Sams:ClientId and Sams:ClientSecret are required", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_ClientIdWithoutSecret_FailsNamingTheSecret()
    {
        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => StartWithAsync(new()
        {
            ["TelemetryGateway:Sams:ClientId"] = "sams_cid_x",
            ["TelemetryGateway:Sams:ClientSecret"] = "",
        }, withClient: false));

        Assert.Contains("Sams:ClientSecret: is required with Sams:ClientId ('sams_cid_x')", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("telemetry_gateway::events::publish", "the action must be read, write or delete")]
    [InlineData("telemetry_gateway:events:write", "service::permission::action")]
    [InlineData("Telemetry::events::write", "the service must be")]
    public async Task Start_MalformedScope_FailsNamingTheScope(string scope, string reason)
    {
        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => StartWithAsync(new()
        {
            ["TelemetryGateway:Sams:Scopes:0"] = scope,
        }));

        Assert.Contains($"'{scope}' is not a valid SAMS scope", exception.Message, StringComparison.Ordinal);
        Assert.Contains(reason, exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SamsOptions_ToString_LeavesTheSecretOut()
    {
        var options = new TelemetryGatewaySamsOptions { ClientId = "sams_cid_x", ClientSecret = Secret };

        var text = options.ToString();

        Assert.Contains("sams_cid_x", text, StringComparison.Ordinal);
        Assert.Contains("ClientSecret = (set)", text, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_FallBackToTheEnvironmentThenToProduction()
    {
        var environment = new Dictionary<string, string> { ["SAMS_URL"] = "https://accounts.sgdev.org", ["SAMS_API_URL"] = "https://api.accounts.sgdev.org" };
        var fromEnvironment = new TelemetryGatewayOptions();
        new SamsOptionsDefaults(name => environment.GetValueOrDefault(name)).PostConfigure(null, fromEnvironment);
        var fromConfiguration = new TelemetryGatewayOptions { Sams = { Url = new Uri("https://accounts.example.com") } };
        new SamsOptionsDefaults(name => environment.GetValueOrDefault(name)).PostConfigure(null, fromConfiguration);
        var bare = new TelemetryGatewayOptions();
        new SamsOptionsDefaults(_ => null).PostConfigure(null, bare);

        Assert.Equal(new Uri("https://accounts.sgdev.org"), fromEnvironment.Sams.Url);
        Assert.Equal(new Uri("https://api.accounts.sgdev.org/oauth/token"), SamsTokenClient.TokenEndpoint(fromEnvironment.Sams));
        Assert.Equal(new Uri("https://accounts.example.com"), fromConfiguration.Sams.Url);
        Assert.Equal(new Uri("https://accounts.sourcegraph.com"), bare.Sams.Url);
        Assert.Equal(new Uri("https://accounts.sourcegraph.com/oauth/token"), SamsTokenClient.TokenEndpoint(bare.Sams));
        Assert.Equal(["telemetry_gateway::events::write"], bare.Sams.Scopes);
        Assert.Equal(TimeSpan.FromSeconds(60), bare.Sams.TokenRenewalMargin);
    }

    private static async Task<FakeLogCollector> StartWithAsync(Dictionary<string, string?> settings, bool withClient = true)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        settings.TryAdd("TelemetryGateway:ServiceId", "my-service");
        if (withClient)
        {
            settings.TryAdd("TelemetryGateway:Sams:ClientId", "sams_cid_x");
            settings.TryAdd("TelemetryGateway:Sams:ClientSecret", Secret);
        }

        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddFakeLogging();
        builder.Services.AddTelemetryGateway();
        using var host = builder.Build();
        await host.StartAsync();
        await host.StopAsync();
        return host.Services.GetFakeLogCollector();
    }
}
