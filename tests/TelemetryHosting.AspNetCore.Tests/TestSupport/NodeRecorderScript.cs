using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace TelemetryHosting.AspNetCore.Tests.TestSupport;

/// <summary>
/// Runs tests/js-clients/node-recorder.js: Sourcegraph's real <c>@sourcegraph/telemetry</c> recording a known set of
/// events and posting them to a client event endpoint in one request shape. Bounded: a run that takes longer than its
/// timeout is killed (with its children) and fails with what it wrote on standard error.
/// </summary>
internal static class NodeRecorderScript
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>Runs the script and returns the JSON summary it printed on standard output.</summary>
    /// <param name="url">The endpoint's absolute URL.</param>
    /// <param name="shape">The request shape: <c>events</c>, <c>graphql-web</c>, <c>graphql-plain</c> or <c>graphql-cody</c>.</param>
    /// <param name="headers">Headers sent with every request (the test user's).</param>
    public static async Task<JsonElement> RunAsync(Uri url, string shape, params (string Name, string Value)[] headers)
    {
        var directory = Path.Combine(RepositoryRoot(), "tests", "js-clients");
        if (!Directory.Exists(Path.Combine(directory, "node_modules", "@sourcegraph", "telemetry")))
        {
            throw new InvalidOperationException(
                $"@sourcegraph/telemetry is not installed in {directory}/node_modules: run npm ci --prefix tests/js-clients " +
                "from the repository root first (.ci/test does it).");
        }

        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("node-recorder.js");
        start.ArgumentList.Add("--url");
        start.ArgumentList.Add(url.AbsoluteUri);
        start.ArgumentList.Add("--shape");
        start.ArgumentList.Add(shape);
        foreach (var (name, value) in headers)
        {
            start.ArgumentList.Add("--header");
            start.ArgumentList.Add($"{name}: {value}");
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException("The Node client tests need Node.js 18 or later ('node' on the PATH), which could not be started.", e);
        }

        using (process)
        {
            var stderr = new StringBuilder();
            process.ErrorDataReceived += (_, e) =>
            {
                lock (stderr)
                {
                    stderr.AppendLine(e.Data);
                }
            };
            process.BeginErrorReadLine();
            using var timeout = new CancellationTokenSource(Timeout);
            try
            {
                var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
                await process.WaitForExitAsync(timeout.Token);
                var output = await stdout;
                if (process.ExitCode != 0)
                {
                    throw new InvalidOperationException($"node-recorder.js --shape {shape} exited with {process.ExitCode}: {Text(stderr)}");
                }

                using var document = JsonDocument.Parse(output);
                return document.RootElement.Clone();
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"node-recorder.js --shape {shape} did not finish within {Timeout.TotalSeconds} s and was killed: {Text(stderr)}");
            }
        }
    }

    private static string Text(StringBuilder stderr)
    {
        lock (stderr)
        {
            return stderr.ToString();
        }
    }

    /// <summary>The directory holding TelemetryHosting.sln, found by walking up from the test assembly's directory.</summary>
    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "TelemetryHosting.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"TelemetryHosting.sln not found above {AppContext.BaseDirectory}.");
    }
}
