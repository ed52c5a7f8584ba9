// The sample AppHost: one development gateway, and two services that send their events to it.
//
// AddTelemetryDevGateway starts the development gateway (gRPC, SAMS token endpoint emulator, events page); its events
// page is linked from the dashboard. WithReference passes each service the gateway's connection string, from which the
// service's AddTelemetryGateway() takes the endpoint, the SAMS URL and the development client: the services need no
// telemetry configuration of their own. WaitFor starts them once the gateway answers.
var builder = DistributedApplication.CreateBuilder(args);

var telemetry = builder.AddTelemetryDevGateway("telemetry");

builder.AddProject<Projects.TelemetryHosting_Samples_WebApi>("webapi")
    .WithReference(telemetry)
    .WaitFor(telemetry);

// The native-AOT sample's service, run as an ordinary (JIT-compiled) project here; it has no launch profile, so the
// AppHost gives it its HTTP endpoint.
builder.AddProject<Projects.TelemetryHosting_Samples_NativeAot>("nativeaot")
    .WithHttpEndpoint()
    .WithReference(telemetry)
    .WaitFor(telemetry);

await builder.Build().RunAsync();
