using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace TelemetryHosting.DevGateway;

/// <summary>
/// Runs the development gateway on its own: <c>dotnet run --project src/TelemetryHosting.DevGateway</c>.
/// Settings come from the <c>DevGateway</c> section of appsettings.json, environment variables (<c>DevGateway__Port</c>)
/// and the command line (<c>--DevGateway:Port=6000</c>); an unknown key stops the start with a clear message.
/// </summary>
/// <remarks>
/// An explicit internal class rather than top-level statements: those generate a public global <c>Program</c>, which
/// would become part of this library's API and clash with the <c>Program</c> of every app that references it.
/// </remarks>
internal static class Program
{
    public static async Task Main(string[] args)
    {
        // appsettings.json is read from beside the program, so that the installed tool finds it from any folder.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        var options = new DevelopmentGatewayOptions { Port = DevelopmentGateway.DefaultPort, WebPort = DevelopmentGateway.DefaultWebPort };
        builder.Configuration.GetSection("DevGateway").Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);

        await using var gateway = await DevelopmentGateway.StartAsync(builder, options, CancellationToken.None).ConfigureAwait(false);
        await gateway.WaitForShutdownAsync().ConfigureAwait(false);
    }
}
