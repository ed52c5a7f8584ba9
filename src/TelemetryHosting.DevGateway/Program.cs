// Runs the development gateway on its own: `dotnet run --project src/TelemetryHosting.DevGateway`.
// Settings come from the DevGateway section of appsettings.json, environment variables (DevGateway__Port) and the
// command line (--DevGateway:Port=6000); an unknown key stops the start with a clear message.
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using TelemetryHosting.DevGateway;

var builder = WebApplication.CreateSlimBuilder(args);
var options = new DevelopmentGatewayOptions { Port = DevelopmentGateway.DefaultPort, WebPort = DevelopmentGateway.DefaultWebPort };
builder.Configuration.GetSection("DevGateway").Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);

await using var gateway = await DevelopmentGateway.StartAsync(builder, options, CancellationToken.None).ConfigureAwait(false);
await gateway.WaitForShutdownAsync().ConfigureAwait(false);
