using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using static TelemetryHosting.DevGateway.Tests.GatewayHarness;

namespace TelemetryHosting.DevGateway.Tests.Web;

/// <summary>
/// The events page in a real headless Chromium: an event sent over gRPC must appear in the DOM the page's script renders.
/// Chromium is required (Debian: <c>apt-get install -y chromium</c>); without it these tests fail, they do not skip.
/// </summary>
public sealed class EventsPageBrowserTests
{
    [Fact]
    public async Task Page_EventSent_AppearsInRenderedDom()
    {
        await using var harness = await StartAsync();
        var ev = NewEvent("browserTest.page", "rendered");
        ev.Interaction = new Telemetrygateway.V1.EventInteraction { TraceId = "0af7651916cd43dd8448eb211c80319c" };
        ev.Parameters.PrivateMetadata = new Struct();
        ev.Parameters.PrivateMetadata.Fields["note"] = Value.ForString("private-note-123");
        var result = await harness.RecordEventsAsync(harness.Auth(), MetadataMessage(ManagedService("browser-service")), Payload(ev));
        Assert.Equal(StatusCode.OK, result.Status.StatusCode);

        var dom = await RunChromiumAsync(harness.Gateway.WebAddress, "--dump-dom");
        if (Environment.GetEnvironmentVariable("DEVGATEWAY_SCREENSHOT") is { Length: > 0 } screenshot)
        {
            // For a person to look at: DEVGATEWAY_SCREENSHOT=/tmp/page.png dotnet test ...
            await RunChromiumAsync(harness.Gateway.WebAddress, "--screenshot=" + Path.GetFullPath(screenshot), "--window-size=1400,600");
        }

        // Rendered by the script from /api/events: the static HTML holds none of these.
        Assert.Contains($"data-id=\"{ev.Id}\"", dom, StringComparison.Ordinal);
        Assert.Contains(">browserTest.page</td>", dom, StringComparison.Ordinal);
        Assert.Contains(">rendered</td>", dom, StringComparison.Ordinal);
        Assert.Contains(">0af7651916cd43dd8448eb211c80319c</td>", dom, StringComparison.Ordinal);
        Assert.Contains("browser-service", dom, StringComparison.Ordinal);
        Assert.Contains("private-note-123", dom, StringComparison.Ordinal);
        Assert.Contains("<b id=\"count\">1</b>", dom, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Page_HostileFeatureText_RenderedAsTextNotMarkup()
    {
        await using var harness = await StartAsync(o => o.RequireAuthentication = false);
        var ev = NewEvent();
        ev.Parameters.PrivateMetadata = new Struct();
        ev.Parameters.PrivateMetadata.Fields["html"] = Value.ForString("<img id=\"injected\" src=x>");
        await harness.RecordEventsAsync(null, MetadataMessage(ManagedService()), Payload(ev));

        var dom = await RunChromiumAsync(harness.Gateway.WebAddress, "--dump-dom");

        Assert.Contains($"data-id=\"{ev.Id}\"", dom, StringComparison.Ordinal);
        Assert.DoesNotContain("<img id=\"injected\"", dom, StringComparison.Ordinal);
        Assert.Contains("&lt;img id=", dom, StringComparison.Ordinal);
    }

    private static string FindChromium()
    {
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } configured)
        {
            candidates.Add(configured);
        }

        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            candidates.Add(Path.Combine(directory, "chromium"));
            candidates.Add(Path.Combine(directory, "chromium-browser"));
        }

        return candidates.FirstOrDefault(File.Exists)
            ?? throw new Xunit.Sdk.XunitException("Chromium is not installed, and the events page test needs a real browser: run `apt-get install -y chromium` (or set CHROMIUM_PATH).");
    }

    private static async Task<string> RunChromiumAsync(Uri page, params string[] action)
    {
        var chromium = FindChromium();
        var profile = Directory.CreateTempSubdirectory("devgateway-chromium-");
        try
        {
            var start = new ProcessStartInfo(chromium)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            string[] arguments =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile.FullName,

                // Virtual time lets the page's fetch and first polls finish before the DOM is dumped, without waiting on a wall clock.
                "--virtual-time-budget=3000",
                .. action,
                page.ToString(),
            ];
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start) ?? throw new InvalidOperationException("Chromium did not start.");
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            var stdout = process.StandardOutput.ReadToEndAsync(cts.Token);
            var stderr = process.StandardError.ReadToEndAsync(cts.Token);
            try
            {
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }

            var output = await stdout;
            if (action[0] == "--dump-dom")
            {
                Assert.True(output.Contains("</html>", StringComparison.Ordinal), "Chromium printed no DOM. stderr: " + await stderr);
            }

            return output;
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }
}
