using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace TelemetryHosting.PerfHarness;

/// <summary>
/// Records events as fast as possible while the gateway is down (nothing listens on the endpoint), with a bounded
/// queue, sampling working set and managed heap: both must level off once the queue is full and drops begin.
/// </summary>
internal static class MemoryScenario
{
    private const int Checkpoint = 100_000;

    public static async Task RunAsync(HarnessSettings settings, ResultTable results)
    {
        Console.WriteLine($"# memory: {settings.MemoryEvents:N0} events, gateway down, queue bound {settings.MemoryQueue:N0}");
        using var host = RecorderHost.Build(new Uri($"http://127.0.0.1:{FreePort()}/"), settings.MemoryQueue, TimeSpan.FromSeconds(1));
        await host.StartAsync();
        var recorder = host.Recorder();
        using var process = Process.GetCurrentProcess();

        var baselineLive = GC.GetTotalMemory(forceFullCollection: true);
        process.Refresh();
        var baselineWorkingSet = process.WorkingSet64;
        Console.WriteLine($"  before: working set {Format.MiB(baselineWorkingSet)}, live heap {Format.MiB(baselineLive)}");
        Console.WriteLine("  recorded | accepted | working set | heap (not collected) | live heap (after full GC)");

        long accepted = 0;
        long peakHeap = 0;
        long liveWhenDropsBegan = -1;
        long acceptedWhenDropsBegan = 0;
        long workingSetWhenDropsBegan = -1;
        long live = 0;
        long workingSet = 0;
        var measurement = new Measurement();
        for (var i = 1; i <= settings.MemoryEvents; i++)
        {
            if (recorder.Record("search.results", "view", RecorderHost.Parameters))
            {
                accepted++;
            }

            if (i % 10_000 == 0)
            {
                peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(forceFullCollection: false));
            }

            if (i % Checkpoint == 0)
            {
                live = GC.GetTotalMemory(forceFullCollection: true);
                process.Refresh();
                workingSet = process.WorkingSet64;
                Console.WriteLine($"  {i,9:N0} | {accepted,9:N0} | {Format.MiB(workingSet),11} | {Format.MiB(peakHeap),20} | {Format.MiB(live),10}");
                if (liveWhenDropsBegan < 0 && accepted < i)
                {
                    liveWhenDropsBegan = live;
                    acceptedWhenDropsBegan = accepted;
                    workingSetWhenDropsBegan = workingSet;
                }
            }
        }

        var wall = measurement.Wall;
        process.Refresh();
        var scenario = $"memory, gateway down ({settings.MemoryEvents:N0} recorded, queue {settings.MemoryQueue:N0})";
        results.Add(scenario, "accepted / not queued (Record returned false)", $"{accepted:N0} / {settings.MemoryEvents - accepted:N0}");
        results.Add(scenario, "time to record all", Format.Seconds(wall));
        results.Add(scenario, "peak working set (process)", Format.MiB(process.PeakWorkingSet64));
        results.Add(scenario, "peak managed heap (sampled every 10k)", Format.MiB(peakHeap));
        if (liveWhenDropsBegan < 0)
        {
            results.Add(scenario, "drops", "none began (record more events than the queue holds to measure the bound)");
        }
        else
        {
            results.Add(scenario, "live heap: before / first checkpoint with drops / end", $"{Format.MiB(baselineLive)} / {Format.MiB(liveWhenDropsBegan)} / {Format.MiB(live)}");
            results.Add(scenario, "working set: before / first checkpoint with drops / end", $"{Format.MiB(baselineWorkingSet)} / {Format.MiB(workingSetWhenDropsBegan)} / {Format.MiB(workingSet)}");
            results.Add(scenario, "live heap growth after drops began", Format.MiB(live - liveWhenDropsBegan));

            // Per event held when drops began: the queue's and the one batch the worker holds.
            results.Add(scenario, "live heap per accepted event", Format.Number((liveWhenDropsBegan - baselineLive) / (double)acceptedWhenDropsBegan, "F0") + " B");
        }

        await host.StopAsync();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
