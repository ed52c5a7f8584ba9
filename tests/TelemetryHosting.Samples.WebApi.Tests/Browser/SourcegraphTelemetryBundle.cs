using System.Diagnostics;

namespace TelemetryHosting.Samples.WebApi.Tests.Browser;

/// <summary>
/// Sourcegraph's real <c>@sourcegraph/telemetry</c>, bundled for the browser at test time with esbuild from
/// tests/js-clients (installed from its lock file by <c>npm ci --prefix tests/js-clients</c>, which .ci/test runs). The
/// repository holds no copy of the bundle; the sample serves this file when <c>Sample:SourcegraphTelemetryBundle</c> names it.
/// </summary>
internal static class SourcegraphTelemetryBundle
{
    private static readonly TimeSpan BuildLimit = TimeSpan.FromSeconds(60);

    /// <summary>Builds the bundle into <paramref name="directory"/> and returns its path; fails with what to install when it can't.</summary>
    public static async Task<string> BuildAsync(string directory)
    {
        var jsClients = RepositoryPath("tests/js-clients");
        foreach (var package in (string[])["@sourcegraph/telemetry", "esbuild"])
        {
            if (!Directory.Exists(Path.Combine(jsClients, "node_modules", package)))
            {
                throw new Xunit.Sdk.XunitException(
                    $"{package} is not installed in tests/js-clients, and the browser tests bundle the real @sourcegraph/telemetry from there: run `npm ci --prefix tests/js-clients` (.ci/test does).");
            }
        }

        var output = Path.Combine(directory, "sourcegraph-telemetry.js");
        var start = new ProcessStartInfo("node") { WorkingDirectory = jsClients, RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("-e");
        start.ArgumentList.Add("require('esbuild').buildSync({ entryPoints: ['browser-bundle-entry.js'], bundle: true, format: 'esm', platform: 'browser', outfile: process.argv[1], logLevel: 'warning' })");
        start.ArgumentList.Add(output);
        using var process = StartNode(start);
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        using var limit = new CancellationTokenSource(BuildLimit);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new Xunit.Sdk.XunitException($"esbuild did not finish bundling @sourcegraph/telemetry within {BuildLimit.TotalSeconds} s.");
        }

        return process.ExitCode == 0 && File.Exists(output)
            ? output
            : throw new Xunit.Sdk.XunitException($"esbuild failed to bundle @sourcegraph/telemetry (exit {process.ExitCode}): {await stderr}");
    }

    private static Process StartNode(ProcessStartInfo start)
    {
        try
        {
            return Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new Xunit.Sdk.XunitException("Node.js is not installed, and the browser tests bundle @sourcegraph/telemetry with it (esbuild): install Node.js 18 or later. " + e.Message);
        }
    }

    private static string RepositoryPath(string relative)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "TelemetryHosting.sln")))
            {
                return Path.Combine(directory.FullName, relative);
            }
        }

        throw new InvalidOperationException("The repository root (TelemetryHosting.sln) is not above " + AppContext.BaseDirectory);
    }
}
