using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TelemetryHosting.Authentication.Internal;
using TelemetryHosting.Configuration.Internal;

namespace TelemetryHosting.Tests.Configuration;

/// <summary>The connection string an Aspire AppHost passes with a reference to the development gateway.</summary>
public sealed class ConnectionStringTests
{
    private const string Secret = "sams_cs_connection_string_secret";

    private const string AppHostConnectionString =
        "Endpoint=http://localhost:51000;SamsUrl=http://localhost:51001;ClientId=sams_cid_devgateway;ClientSecret=" + Secret;

    [Fact]
    public void Parse_AppHostForm_ReadsEveryKey()
    {
        var connection = GatewayConnectionString.Parse(AppHostConnectionString, out var error);

        Assert.Null(error);
        Assert.NotNull(connection);
        Assert.Equal(new Uri("http://localhost:51000"), connection.Endpoint);
        Assert.Equal(new Uri("http://localhost:51001"), connection.SamsUrl);
        Assert.Equal("sams_cid_devgateway", connection.ClientId);
        Assert.Equal(Secret, connection.ClientSecret);
    }

    [Fact]
    public void Parse_KeysInAnyCaseWithSpacesAndATrailingSemicolon_AreRead()
    {
        var connection = GatewayConnectionString.Parse(" endpoint = http://127.0.0.1:5080 ; CLIENTID=id;clientSecret = s;", out var error);

        Assert.Null(error);
        Assert.Equal(new Uri("http://127.0.0.1:5080"), connection!.Endpoint);
        Assert.Equal("id", connection.ClientId);
        Assert.Equal("s", connection.ClientSecret);
        Assert.Null(connection.SamsUrl);
    }

    [Theory]
    [InlineData("Endpoint=http://localhost:1;Password=x", "part 2 has an unknown key (the keys are Endpoint, SamsUrl, ClientId, ClientSecret).")]
    [InlineData("Endpoint=http://localhost:1;ClientSecret=", "'ClientSecret' has no value.")]
    [InlineData("ClientId=a;clientid=b", "'ClientId' is given more than once.")]
    [InlineData("Endpoint=localhost:1:2", "'Endpoint' must be an absolute http or https address.")]
    [InlineData("SamsUrl=/oauth", "'SamsUrl' must be an absolute http or https address.")]
    [InlineData("http://localhost:1", "part 1 must have the form key=value.")]
    [InlineData("Endpoint=http://localhost:1;ClientId=sams_cid_x", "'ClientId' and 'ClientSecret' go together: give both or neither.")]
    [InlineData("ClientSecret=sams_cs_x", "'ClientId' and 'ClientSecret' go together: give both or neither.")]
    public void Parse_Malformed_SaysWhatIsWrong(string text, string expected)
    {
        var connection = GatewayConnectionString.Parse(text, out var error);

        Assert.Null(connection);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void Parse_SecretAloneWithoutKey_IsNotQuoted()
    {
        GatewayConnectionString.Parse("Endpoint=http://localhost:1;" + Secret, out var error);

        Assert.NotNull(error);
        Assert.DoesNotContain(Secret, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ClientSecret=hunter2;Part2=tail-of-secret")]
    [InlineData("ClientSecret=hunter2;tail-of-secret")]
    [InlineData("ClientSecret=hunter2;tail-of-secret=x")]
    [InlineData("Endpoint=ftp://user:tail-of-secret@gateway.example.com")]
    [InlineData("SamsUrl=tail-of-secret")]
    [InlineData("Endpoint=http://localhost:1;ENDPOINT=tail-of-secret")]
    public void Parse_Malformed_NeverQuotesTheConnectionStringsText(string text)
    {
        var connection = GatewayConnectionString.Parse(text, out var error);

        Assert.Null(connection);
        Assert.NotNull(error);
        Assert.DoesNotContain("tail-of-secret", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Part2", error, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_ConnectionName_ConnectionStringWinsOverTheSection()
    {
        var options = await StartAsync(new()
        {
            ["TelemetryGateway:ServiceId"] = "my-service",
            ["TelemetryGateway:Endpoint"] = "https://telemetry-gateway.sgdev.org:443",
            ["TelemetryGateway:Sams:Url"] = "https://accounts.sgdev.org",
            ["TelemetryGateway:Sams:ClientId"] = "sams_cid_section",
            ["TelemetryGateway:Sams:ClientSecret"] = "sams_cs_section",
            ["TelemetryGateway:ConnectionName"] = "telemetry",
            ["ConnectionStrings:telemetry"] = AppHostConnectionString,
        });

        Assert.Equal(new Uri("http://localhost:51000"), options.Endpoint);
        Assert.Equal(new Uri("http://localhost:51001"), options.Sams.Url);
        Assert.Equal("sams_cid_devgateway", options.Sams.ClientId);
        Assert.Equal(Secret, options.Sams.ClientSecret);
    }

    [Fact]
    public async Task Start_SamsApiUrlConfigured_ConnectionStringsSamsUrlReplacesItToo()
    {
        var options = await StartAsync(new()
        {
            ["TelemetryGateway:ServiceId"] = "my-service",
            ["TelemetryGateway:Sams:ApiUrl"] = "https://accounts-api.sgdev.org",
            ["TelemetryGateway:ConnectionName"] = "telemetry",
            ["ConnectionStrings:telemetry"] = AppHostConnectionString,
        });

        // Tokens are requested from ApiUrl ?? Url: the development client's secret must not go to a real SAMS.
        Assert.Equal(new Uri("http://localhost:51001"), options.Sams.ApiUrl);
    }

    [Fact]
    public void PostConfigure_SamsApiUrlVariableSet_DoesNotReplaceTheConnectionStringsSamsUrl()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:telemetry"] = AppHostConnectionString })
            .Build();
        using var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).BuildServiceProvider();
        var options = new TelemetryGatewayOptions { ConnectionName = "telemetry" };

        // In the order AddTelemetryGateway registers them: the connection string, then the SAMS defaults.
        new ConnectionStringOptions(services).PostConfigure(Options.DefaultName, options);
        new SamsOptionsDefaults(variable => variable == SamsOptionsDefaults.ApiUrlVariable ? "https://accounts-api.sourcegraph.com" : null)
            .PostConfigure(Options.DefaultName, options);

        Assert.Equal(new Uri("http://localhost:51001"), options.Sams.ApiUrl);
        Assert.Equal(new Uri("http://localhost:51001"), options.Sams.Url);
    }

    [Fact]
    public async Task Start_ConnectionNameWithoutServiceId_TakesOtelServiceName()
    {
        // What a project under the AppHost has: the reference's two variables and Aspire's OTEL_SERVICE_NAME.
        var options = await StartAsync(new()
        {
            ["TelemetryGateway:ConnectionName"] = "telemetry",
            ["ConnectionStrings:telemetry"] = AppHostConnectionString,
            ["OTEL_SERVICE_NAME"] = "api",
        });

        Assert.Equal("api", options.ServiceId);
    }

    [Fact]
    public async Task Start_ConnectionNameAndServiceId_KeepsTheServiceId()
    {
        var options = await StartAsync(new()
        {
            ["TelemetryGateway:ServiceId"] = "my-service",
            ["TelemetryGateway:ConnectionName"] = "telemetry",
            ["ConnectionStrings:telemetry"] = AppHostConnectionString,
            ["OTEL_SERVICE_NAME"] = "api",
        });

        Assert.Equal("my-service", options.ServiceId);
    }

    [Fact]
    public async Task Start_NoConnectionName_OtelServiceNameIsNotTheServiceId()
    {
        using var host = Build(new()
        {
            ["TelemetryGateway:Endpoint"] = "http://127.0.0.1:5080",
            ["OTEL_SERVICE_NAME"] = "api",
        });

        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("ServiceId", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_ConnectionStringWithoutSomeKeys_KeepsTheSectionsValuesForThem()
    {
        var options = await StartAsync(new()
        {
            ["TelemetryGateway:ServiceId"] = "my-service",
            ["TelemetryGateway:Sams:Url"] = "http://127.0.0.1:5081",
            ["TelemetryGateway:ConnectionName"] = "gateway",
            ["ConnectionStrings:gateway"] = "Endpoint=http://127.0.0.1:5080",
        });

        Assert.Equal(new Uri("http://127.0.0.1:5080"), options.Endpoint);
        Assert.Equal(new Uri("http://127.0.0.1:5081"), options.Sams.Url);
        Assert.Null(options.Sams.ClientId);
    }

    [Fact]
    public async Task Start_NoConnectionName_IgnoresConnectionStrings()
    {
        var options = await StartAsync(new()
        {
            ["TelemetryGateway:ServiceId"] = "my-service",
            ["TelemetryGateway:Endpoint"] = "http://127.0.0.1:5080",
            ["ConnectionStrings:telemetry"] = AppHostConnectionString,
        });

        Assert.Equal(new Uri("http://127.0.0.1:5080"), options.Endpoint);
        Assert.Null(options.Sams.ClientId);
    }

    [Fact]
    public async Task Start_ConnectionNameWithoutConnectionString_FailsNamingIt()
    {
        using var host = Build(new()
        {
            ["TelemetryGateway:ServiceId"] = "my-service",
            ["TelemetryGateway:ConnectionName"] = "telemetry",
        });

        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("'ConnectionStrings:telemetry' is not configured", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_MalformedConnectionString_FailsWithoutQuotingTheSecret()
    {
        using var host = Build(new()
        {
            ["TelemetryGateway:ServiceId"] = "my-service",
            ["TelemetryGateway:ConnectionName"] = "telemetry",
            ["ConnectionStrings:telemetry"] = AppHostConnectionString + ";Timeout=5",
        });

        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("'ConnectionStrings:telemetry' is not valid: part 5 has an unknown key", exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Timeout", exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, exception.Message, StringComparison.Ordinal);
    }

    private static async Task<TelemetryGatewayOptions> StartAsync(Dictionary<string, string?> settings)
    {
        using var host = Build(settings);
        await host.StartAsync();
        var options = host.Services.GetRequiredService<IOptions<TelemetryGatewayOptions>>().Value;
        await host.StopAsync();
        return options;
    }

    private static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddTelemetryGateway();
        return builder.Build();
    }
}
