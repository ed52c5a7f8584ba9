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

    /// <summary>The dotnet host that runs the AppHost (the SDK sets <c>DOTNET_HOST_PATH</c>), else <c>dotnet</c> from PATH.</summary>
    public static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
}
