namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// The development Telemetry Gateway as a resource of an Aspire AppHost: a process serving the gateway's gRPC service
/// on the <c>grpc</c> endpoint (HTTP/2 without TLS), and the events page, <c>/api/events</c> and a SAMS token endpoint
/// emulator on the <c>web</c> endpoint (HTTP/1.1).
/// </summary>
/// <remarks>
/// Its connection string, which a referencing service's <c>AddTelemetryGateway()</c> reads, has the form
/// <c>Endpoint={grpc URL};SamsUrl={web URL};ClientId={id};ClientSecret={secret}</c>, with the gateway's development
/// SAMS client.
/// </remarks>
/// <param name="name">The name of the resource.</param>
/// <param name="command">The program that runs the gateway (the <c>dotnet</c> host of the AppHost's runtime).</param>
/// <param name="workingDirectory">The folder of the gateway's files.</param>
public sealed class TelemetryDevGatewayResource(string name, string command, string workingDirectory)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    /// <summary>The name of the gRPC endpoint (HTTP/2 without TLS), the address services send events to.</summary>
    public const string GrpcEndpointName = "grpc";

    /// <summary>The name of the web endpoint: the events page, <c>/api/events</c> and the SAMS token endpoint.</summary>
    public const string WebEndpointName = "web";

    // The gateway's development SAMS client (DevelopmentGatewayOptions.DefaultClientId and DefaultClientSecret). The
    // secret protects nothing: the gateway listens on loopback only and is for development.
    internal const string DevelopmentClientId = "sams_cid_devgateway";
    internal const string DevelopmentClientSecret = "sams_cs_devgateway_local_only";

    private EndpointReference? _grpcEndpoint;
    private EndpointReference? _webEndpoint;

    /// <summary>Gets the gRPC endpoint, the address services send events to.</summary>
    public EndpointReference GrpcEndpoint => _grpcEndpoint ??= new(this, GrpcEndpointName);

    /// <summary>Gets the web endpoint: the events page, <c>/api/events</c> and the SAMS token endpoint (the SAMS URL).</summary>
    public EndpointReference WebEndpoint => _webEndpoint ??= new(this, WebEndpointName);

    /// <summary>
    /// Gets the connection string: <c>Endpoint={grpc URL};SamsUrl={web URL};ClientId={id};ClientSecret={secret}</c>.
    /// </summary>
    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Endpoint={GrpcEndpoint.Property(EndpointProperty.Url)};SamsUrl={WebEndpoint.Property(EndpointProperty.Url)};ClientId={DevelopmentClientId};ClientSecret={DevelopmentClientSecret}");
}
