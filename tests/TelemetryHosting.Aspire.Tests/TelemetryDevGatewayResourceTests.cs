using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace TelemetryHosting.Aspire.Tests;

/// <summary>The resource's model (endpoints, settings, what a reference passes), built without starting anything.</summary>
public sealed class TelemetryDevGatewayResourceTests
{
    [Fact]
    public async Task Options_BecomeTheGatewaysDevGatewaySettings()
    {
        var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions { DisableDashboard = true });
        var gateway = builder.AddTelemetryDevGateway("telemetry")
            .WithRequireAuthentication(false)
            .WithJsonLinesFile("events.jsonl")
            .WithMaxStoredEvents(50)
            .WithFault("FailCalls", injectionRate: 0.5, maxInjections: 3)
            .WithGatewaySetting("Faults:FailCalls:StatusCode", "Internal");

        var environment = await EnvironmentAsync(gateway.Resource);

        Assert.Equal("false", environment["DevGateway__RequireAuthentication"]);
        Assert.Equal(Path.Combine(builder.AppHostDirectory, "events.jsonl"), environment["DevGateway__JsonLinesPath"]);
        Assert.Equal("50", environment["DevGateway__MaxStoredEvents"]);
        Assert.Equal("true", environment["DevGateway__Faults__FailCalls__Enabled"]);
        Assert.Equal("0.5", environment["DevGateway__Faults__FailCalls__InjectionRate"]);
        Assert.Equal("3", environment["DevGateway__Faults__FailCalls__MaxInjections"]);
        Assert.Equal("Internal", environment["DevGateway__Faults__FailCalls__StatusCode"]);
        Assert.Contains("DevGateway__Port", environment.Keys);
        Assert.Contains("DevGateway__WebPort", environment.Keys);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.PositiveInfinity)]
    public void WithFault_RateOutsideZeroToOne_IsRefused(double rate)
    {
        var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions { DisableDashboard = true });
        var gateway = builder.AddTelemetryDevGateway("telemetry");

        var exception = Assert.Throws<ArgumentOutOfRangeException>(() => gateway.WithFault("FailCalls", rate));

        Assert.Equal("injectionRate", exception.ParamName);
    }

    [Fact]
    public void WithFault_NaNWithoutTheSignBit_IsRefused()
    {
        // double.NaN has its sign bit set, so ThrowIfNegative refuses it by accident; this NaN does not.
        var nan = BitConverter.Int64BitsToDouble(0x7FF8_0000_0000_0000);
        Assert.True(double.IsNaN(nan) && !double.IsNegative(nan));
        var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions { DisableDashboard = true });
        var gateway = builder.AddTelemetryDevGateway("telemetry");

        Assert.Throws<ArgumentOutOfRangeException>(() => gateway.WithFault("FailCalls", nan));
    }

    [Fact]
    public void Ports_Pinned_AreTheEndpointsPorts()
    {
        var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions { DisableDashboard = true });

        var gateway = builder.AddTelemetryDevGateway("telemetry", grpcPort: 15580, webPort: 15581);

        var endpoints = gateway.Resource.Annotations.OfType<EndpointAnnotation>().ToDictionary(endpoint => endpoint.Name);
        Assert.Equal(15580, endpoints[TelemetryDevGatewayResource.GrpcEndpointName].Port);
        Assert.Equal(15581, endpoints[TelemetryDevGatewayResource.WebEndpointName].Port);
        Assert.All(endpoints.Values, endpoint => Assert.Equal("http", endpoint.UriScheme));
    }

    [Fact]
    public async Task WithReference_PlainCall_PassesTheConnectionStringAndItsName()
    {
        var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions { DisableDashboard = true });
        var gateway = builder.AddTelemetryDevGateway("gateway");

        var service = builder.AddExecutable("service", "dotnet", ".").WithReference(gateway);

        var environment = await EnvironmentAsync(service.Resource);
        Assert.Equal("gateway", environment["TelemetryGateway__ConnectionName"]);
        Assert.Contains("ConnectionStrings__gateway", environment.Keys);
        Assert.Contains(service.Resource.Annotations.OfType<ResourceRelationshipAnnotation>(),
            relationship => relationship.Resource == gateway.Resource && relationship.Type == "Reference");
    }

    [Fact]
    public async Task WithReference_ConnectionName_NamesTheConnectionStringAndTheOption()
    {
        var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions { DisableDashboard = true });
        var gateway = builder.AddTelemetryDevGateway("gateway");

        var service = builder.AddExecutable("service", "dotnet", ".").WithReference(gateway, "other");

        var environment = await EnvironmentAsync(service.Resource);
        Assert.Equal("other", environment["TelemetryGateway__ConnectionName"]);
        Assert.Contains("ConnectionStrings__other", environment.Keys);
        Assert.DoesNotContain("ConnectionStrings__gateway", environment.Keys);
    }

    [Fact]
    public async Task PublishMode_GatewayIsNotInTheManifest_AndTheReferencePassesNothing()
    {
        var builder = PublishModeBuilder();
        Assert.True(builder.ExecutionContext.IsPublishMode);
        var gateway = builder.AddTelemetryDevGateway("telemetry");

        var service = builder.AddExecutable("service", "dotnet", ".").WithReference(gateway);

        Assert.True(gateway.Resource.IsExcludedFromPublish());
        var environment = await EnvironmentAsync(service.Resource);
        Assert.DoesNotContain(environment.Keys, key => key.Contains("telemetry", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain("TelemetryGateway__ConnectionName", environment.Keys);
    }

    [Fact]
    public void RunMode_GatewayIsNotExcluded()
    {
        var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions { DisableDashboard = true });

        var gateway = builder.AddTelemetryDevGateway("telemetry");

        Assert.False(gateway.Resource.IsExcludedFromPublish());
    }

    /// <summary>A builder as <c>dotnet run -- --publisher manifest</c> makes it (the model only; nothing is written).</summary>
    private static IDistributedApplicationBuilder PublishModeBuilder() =>
        DistributedApplication.CreateBuilder(new DistributedApplicationOptions
        {
            Args = ["--publisher", "manifest", "--output-path", Path.Combine(Path.GetTempPath(), "telemetry-manifest-test")],
            DisableDashboard = true,
        });

    /// <summary>The resource's environment as its callbacks set it (in publish mode, so that no endpoint needs a port yet).</summary>
    private static async Task<Dictionary<string, string>> EnvironmentAsync(IResource resource)
    {
        var context = new EnvironmentCallbackContext(new DistributedApplicationExecutionContext(DistributedApplicationOperation.Publish));
        foreach (var callback in resource.Annotations.OfType<EnvironmentCallbackAnnotation>())
        {
            await callback.Callback(context);
        }

        return context.EnvironmentVariables.ToDictionary(variable => variable.Key, variable => variable.Value?.ToString() ?? string.Empty);
    }
}
