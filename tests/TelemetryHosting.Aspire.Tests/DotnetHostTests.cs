using Aspire.Hosting.Internal;

namespace TelemetryHosting.Aspire.Tests;

/// <summary>Which dotnet host runs the gateway: the one running the AppHost, not whichever is first on PATH.</summary>
public sealed class DotnetHostTests
{
    private const string RuntimeDirectory = "/opt/dotnet/shared/Microsoft.NETCore.App/10.0.1/";

    [Fact]
    public void Resolve_AppHostRunByTheMuxer_IsTheMuxer()
    {
        var host = DevGatewayFiles.ResolveDotnetHost("/home/dev/.dotnet/dotnet", RuntimeDirectory, dotnetRoot: null, isWindows: false, _ => true);

        Assert.Equal("/home/dev/.dotnet/dotnet", host);
    }

    [Fact]
    public void Resolve_AppHostRunByItsApphost_IsTheMuxerBesideTheRuntime()
    {
        // dotnet run starts the AppHost's own executable, and DOTNET_HOST_PATH is not set then.
        var host = DevGatewayFiles.ResolveDotnetHost(
            "/src/MyApp.AppHost/bin/Debug/net10.0/MyApp.AppHost", RuntimeDirectory, dotnetRoot: "/elsewhere", isWindows: false,
            path => path == "/opt/dotnet/dotnet");

        Assert.Equal("/opt/dotnet/dotnet", host);
    }

    [Fact]
    public void Resolve_Windows_MuxerIsDotnetExe()
    {
        var host = DevGatewayFiles.ResolveDotnetHost(
            "C:/src/App.AppHost.exe", "C:/Program Files/dotnet/shared/Microsoft.NETCore.App/10.0.1/", dotnetRoot: null, isWindows: true,
            path => path.Contains("Program Files", StringComparison.Ordinal) && path.EndsWith("dotnet.exe", StringComparison.Ordinal));

        Assert.Contains("Program Files", host, StringComparison.Ordinal);
        Assert.EndsWith("dotnet.exe", host, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_NoMuxerBesideTheRuntime_IsTheOneInDotnetRoot()
    {
        var host = DevGatewayFiles.ResolveDotnetHost(
            "/app/MyApp.AppHost", RuntimeDirectory, dotnetRoot: "/usr/lib/dotnet", isWindows: false, path => path == "/usr/lib/dotnet/dotnet");

        Assert.Equal("/usr/lib/dotnet/dotnet", host);
    }

    [Fact]
    public void Resolve_NothingFound_IsDotnetFromPath()
    {
        var host = DevGatewayFiles.ResolveDotnetHost("/app/MyApp.AppHost", RuntimeDirectory, dotnetRoot: "/usr/lib/dotnet", isWindows: false, _ => false);

        Assert.Equal("dotnet", host);
    }

    [Fact]
    public void DotnetHost_InThisProcess_IsAnExistingFile()
    {
        Assert.True(File.Exists(DevGatewayFiles.DotnetHost), DevGatewayFiles.DotnetHost);
    }
}
