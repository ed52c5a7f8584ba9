using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace TelemetryHosting.AspNetCore.Tests.TestSupport;

/// <summary>
/// Runs a Node.js script that needs no packages (the browser exporter's tests in tests/js-clients/exporter-tests).
/// Bounded: a run that takes longer than its timeout is killed (with its children) and reported with what it printed.
/// </summary>
internal static class NodeScript
{
    /// <summary>What a finished run printed (standard output and standard error, in the order they came) and its exit code.</summary>
    public sealed record Result(int ExitCode, string Output);

    /// <summary>Runs <c>node script</c> in the script's directory and waits for it to exit, at most <paramref name="timeout"/>.</summary>
    /// <exception cref="TimeoutException">The script did not exit in time (it was killed); the message holds its output.</exception>
    public static async Task<Result> RunAsync(string script, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = Path.GetDirectoryName(script)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(script);

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException("The Node tests need Node.js 18 or later ('node' on the PATH), which could not be started.", e);
        }

        using (process)
        {
            var output = new StringBuilder();
            void Append(object sender, DataReceivedEventArgs e)
            {
                if (e.Data is not null)
                {
                    lock (output)
                    {
                        output.AppendLine(e.Data);
                    }
                }
            }

            process.OutputDataReceived += Append;
            process.ErrorDataReceived += Append;
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            using var cancel = new CancellationTokenSource(timeout);
            try
            {
                await process.WaitForExitAsync(cancel.Token);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
                throw new TimeoutException($"node {Path.GetFileName(script)} did not finish within {timeout.TotalSeconds} s and was killed. Its output:\n{Text(output)}");
            }

            // Without a token, WaitForExit also waits for the redirected streams to be read to their end.
            await process.WaitForExitAsync(CancellationToken.None);
            return new Result(process.ExitCode, Text(output));
        }
    }

    private static string Text(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
