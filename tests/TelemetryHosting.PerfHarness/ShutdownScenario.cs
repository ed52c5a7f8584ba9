using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace TelemetryHosting.PerfHarness;

/// <summary>
/// Queues events before the delivery worker runs, then stops it: the time the stop takes to drain them all to the
/// development gateway.
/// </summary>
internal static class ShutdownScenario
{
    public static async Task RunAsync(HarnessSettings settings, ResultTable results)
    {
        Console.WriteLine($"# shutdown: drain {settings.ShutdownEvents:N0} queued events on stop");
        await using var gateway = await GatewayProcess.StartAsync(settings.GatewayLatency);

        // Warm-up in a host of its own, a full-size drain: JIT (tiered compilation keeps recompiling hot methods for the
        // first seconds) and the gateway's start-up are not part of the stop.
        using (var warmUp = RecorderHost.Build(gateway.Address, settings.ShutdownEvents, TimeSpan.FromSeconds(60)))
        {
            await warmUp.StartAsync();
            for (var i = 0; i < settings.ShutdownEvents; i++)
            {
                warmUp.Recorder().Record("search.results", "view", RecorderHost.Parameters);
            }

            await warmUp.Recorder().FlushAsync();
            await warmUp.StopAsync();
        }

        // The host is not started, so the events wait in the queue; stopping the worker drains them.
        using var host = RecorderHost.Build(gateway.Address, settings.ShutdownEvents, TimeSpan.FromSeconds(60));
        var recorder = host.Recorder();
        for (var i = 0; i < settings.ShutdownEvents; i++)
        {
            recorder.Record("search.results", "view", RecorderHost.Parameters);
        }

        var before = await gateway.StatsAsync();
        var worker = host.Services.GetServices<IHostedService>().Single(s => s.GetType().Namespace!.StartsWith("TelemetryHosting.", StringComparison.Ordinal));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var measurement = new Measurement();
        await worker.StopAsync(timeout.Token);
        var wall = measurement.Wall;
        var cpu = measurement.CpuUsed;
        var after = await gateway.StatsAsync();

        var delivered = after.Distinct - before.Distinct;
        var scenario = $"shutdown drain ({settings.ShutdownEvents:N0} queued)";
        results.Add(scenario, "delivered / queued", $"{delivered:N0} / {settings.ShutdownEvents:N0}");
        results.Add(scenario, "time to stop (drain to the last acknowledgement)", Format.Seconds(wall));
        results.Add(scenario, "drain rate", Format.Rate(delivered, wall));
        results.Add(scenario, "client CPU", Format.CpuPer100K(cpu, settings.ShutdownEvents));
        results.Add(scenario, "gateway CPU (separate process)", Format.CpuPer100K(after.Cpu - before.Cpu, settings.ShutdownEvents));
    }
}
