using System.Runtime.InteropServices;

namespace Aspire.Hosting.Internal;

/// <summary>
/// Where the development gateway's files are: its framework-dependent build, which the package's build targets (or,
/// in the repository, the project reference) copy beside the AppHost into <c>telemetry-devgateway/</c>.
/// </summary>
internal static class DevGatewayFiles
{
    public const string FolderName = "telemetry-devgateway";
    public const string AssemblyName = "TelemetryHosting.DevGateway.dll";

    public static string Folder => Path.Combine(AppContext.BaseDirectory, FolderName);

    public static string Assembly => Path.Combine(Folder, AssemblyName);

    /// <summary>The dotnet host of the runtime that runs the AppHost (see <see cref="ResolveDotnetHost"/>).</summary>
    public static string DotnetHost => ResolveDotnetHost(
        Environment.ProcessPath,
        RuntimeEnvironment.GetRuntimeDirectory(),
        Environment.GetEnvironmentVariable("DOTNET_ROOT"),
        OperatingSystem.IsWindows(),
        File.Exists);

    /// <summary>
    /// The dotnet host (muxer) to run the gateway with, the one of the runtime running the AppHost, which has ASP.NET
    /// Core 10 since the AppHost needs it: the process itself when it is the muxer (<c>dotnet MyApp.AppHost.dll</c>);
    /// else the muxer three levels above the runtime's folder (<c>{root}/shared/Microsoft.NETCore.App/{version}/</c>),
    /// which is how <c>dotnet run</c> starts the AppHost's own executable (<c>DOTNET_HOST_PATH</c> is not set then);
    /// else the one in <c>DOTNET_ROOT</c>; else <c>dotnet</c> from <c>PATH</c>.
    /// </summary>
    internal static string ResolveDotnetHost(
        string? processPath, string runtimeDirectory, string? dotnetRoot, bool isWindows, Func<string, bool> fileExists)
    {
        var muxer = isWindows ? "dotnet.exe" : "dotnet";
        if (processPath is { Length: > 0 }
            && string.Equals(Path.GetFileName(processPath), muxer, isWindows ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal))
        {
            return processPath;
        }

        var root = Path.TrimEndingDirectorySeparator(runtimeDirectory);
        for (var level = 0; level < 3 && !string.IsNullOrEmpty(root); level++)
        {
            root = Path.GetDirectoryName(root);
        }

        if (!string.IsNullOrEmpty(root) && Path.Combine(root, muxer) is var besideRuntime && fileExists(besideRuntime))
        {
            return besideRuntime;
        }

        if (dotnetRoot is { Length: > 0 } && Path.Combine(dotnetRoot, muxer) is var inRoot && fileExists(inRoot))
        {
            return inRoot;
        }

        return "dotnet";
    }
}
