namespace TelemetryHosting.Tests.TestSupport;

/// <summary>The gateway servers the delivery tests run against, by name (the data of their theories).</summary>
internal static class GatewayServers
{
    /// <summary>The development gateway: ASP.NET Core on Kestrel, in process.</summary>
    public const string Kestrel = "kestrel";

    /// <summary>The grpc-js gateway (tests/grpcjs-gateway): Node, in a child process.</summary>
    public const string GrpcJs = "grpc-js";

    /// <summary>Theory data: every server.</summary>
    public static TheoryData<string> All => [Kestrel, GrpcJs];

    public static async Task<IGatewayUnderTest> StartAsync(string name) => name switch
    {
        Kestrel => await DevelopmentGatewayUnderTest.StartAsync(),
        GrpcJs => await GrpcJsGateway.StartAsync(),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown gateway server"),
    };
}
