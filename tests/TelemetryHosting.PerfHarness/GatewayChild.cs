using System.Diagnostics;
using System.Globalization;
using TelemetryHosting.DevGateway;

namespace TelemetryHosting.PerfHarness;

/// <summary>
/// The child process side: runs a development gateway (no authentication, few stored events, optionally a response
/// delay as network latency) and answers <c>stats</c> on standard input with its distinct event count and its own CPU time.
/// </summary>
internal static class GatewayChild
{
    public static async Task RunAsync(int maxStoredEvents, TimeSpan latency)
    {
        var options = new DevelopmentGatewayOptions
        {
            RequireAuthentication = false,
            MaxStoredEvents = maxStoredEvents,
        };
        options.Faults.DelayResponses = new() { Enabled = latency > TimeSpan.Zero, Delay = latency };
        await using var gateway = await DevelopmentGateway.StartAsync(options);
        Console.WriteLine("READY " + gateway.Address);
        using var process = Process.GetCurrentProcess();
        while (await Console.In.ReadLineAsync() is { } command && command != "exit")
        {
            process.Refresh();
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"STATS {gateway.Events.DistinctCount} {process.TotalProcessorTime.Ticks}"));
        }
    }
}
