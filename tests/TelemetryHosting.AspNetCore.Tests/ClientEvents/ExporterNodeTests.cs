using TelemetryHosting.AspNetCore.Tests.TestSupport;
using Xunit.Abstractions;

namespace TelemetryHosting.AspNetCore.Tests.ClientEvents;

/// <summary>
/// The browser exporter (src/js/telemetryhosting-exporter/exporter.js) under Node, with a fake fetch, localStorage and
/// page: each script in tests/js-clients/exporter-tests/*.test.mjs is one area (storage, page close, timers, headers,
/// callbacks) and exits non-zero when a case fails. The scripts need no packages. Their output goes to the test output,
/// and into the failure message when a script fails.
/// </summary>
public sealed class ExporterNodeTests(ITestOutputHelper output)
{
    // Each script runs its cases one after another, each bounded at 10 s; this is the last resort.
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    public static TheoryData<string> Scripts()
    {
        var data = new TheoryData<string>();
        foreach (var script in Directory.GetFiles(ScriptDirectory(), "*.test.mjs").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(script));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Scripts))]
    public async Task Script_AllCasesPass(string script)
    {
        var result = await NodeScript.RunAsync(Path.Combine(ScriptDirectory(), script), Timeout);

        output.WriteLine(result.Output);
        Assert.True(result.ExitCode == 0, $"node {script} exited with {result.ExitCode}. Its output:\n{result.Output}");
    }

    private static string ScriptDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "TelemetryHosting.sln")))
            {
                return Path.Combine(directory.FullName, "tests", "js-clients", "exporter-tests");
            }
        }

        throw new InvalidOperationException("The repository root (TelemetryHosting.sln) is not above " + AppContext.BaseDirectory);
    }
}
