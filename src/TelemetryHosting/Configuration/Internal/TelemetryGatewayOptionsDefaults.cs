using System.Reflection;
using Microsoft.Extensions.Options;

namespace TelemetryHosting.Configuration.Internal;

/// <summary>Fills the defaults of <see cref="TelemetryGatewayOptions"/> that depend on the running application.</summary>
internal sealed class TelemetryGatewayOptionsDefaults : IPostConfigureOptions<TelemetryGatewayOptions>
{
    public void PostConfigure(string? name, TelemetryGatewayOptions options)
    {
        options.ServiceVersion ??= EntryAssemblyVersion();
    }

    private static string EntryAssemblyVersion()
    {
        var assembly = Assembly.GetEntryAssembly();
        return assembly?.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly?.GetName().Version?.ToString()
            ?? "0.0.0";
    }
}
