namespace TelemetryHosting.PerfHarness;

/// <summary>
/// Records N events as fast as possible into the development gateway on loopback and times until all are
/// acknowledged; in the same run, the naive integration (one unary RecordEvent call per event), sequential and with
/// 8 concurrent callers. CPU is counted separately for this process (the client) and the gateway's process.
/// </summary>
internal static class EndToEndScenario
{
    private const string Feature = "search.results";
    private const string Action = "view";

    public static async Task RunAsync(HarnessSettings settings, ResultTable results)
    {
        Console.WriteLine($"# e2e: {settings.Events:N0} events through the library, {settings.NaiveEvents:N0} through the naive unary integration, gateway latency {settings.GatewayLatency.TotalMilliseconds:0} ms");
        await using var gateway = await GatewayProcess.StartAsync(settings.GatewayLatency);

        // Warm-up: connections, the gateway's own start-up, and JIT. Tiered compilation keeps recompiling hot methods
        // (instrumented, then optimized with the profile) for the first seconds of a process: a full-size run of each
        // path first, so that the measured runs see steady-state code on both sides rather than the compiler's threads.
        await RunLibraryAsync(gateway, settings.Events, settings.Events, settings.RecordThreads);
        await RunNaiveAsync(gateway, settings.NaiveEvents / 2, concurrency: 1);
        await RunNaiveAsync(gateway, settings.NaiveEvents / 2, concurrency: 8);

        var library = await RunLibraryAsync(gateway, settings.Events, settings.Events, settings.RecordThreads);
        var naive = await RunNaiveAsync(gateway, settings.NaiveEvents, concurrency: 1);
        var naiveConcurrent = await RunNaiveAsync(gateway, settings.NaiveEvents, concurrency: 8);

        var latency = settings.GatewayLatency > TimeSpan.Zero ? $", {settings.GatewayLatency.TotalMilliseconds:0} ms latency" : string.Empty;
        Report(results, $"e2e library ({settings.Events:N0}, {settings.RecordThreads} recording threads{latency})", library);
        Report(results, $"e2e naive unary, sequential ({settings.NaiveEvents:N0}{latency})", naive);
        Report(results, $"e2e naive unary, 8 concurrent callers ({settings.NaiveEvents:N0}{latency})", naiveConcurrent);
        results.Add("e2e ratio", "library / naive sequential, events/s", Format.Number(library.Rate / naive.Rate, "F1") + "×");
        results.Add("e2e ratio", "library / naive 8 concurrent, events/s", Format.Number(library.Rate / naiveConcurrent.Rate, "F1") + "×");
        results.Add("e2e ratio", "naive sequential / library, client CPU per event", Format.Number(naive.ClientCpuPerEvent / library.ClientCpuPerEvent, "F1") + "×");
    }

    private static void Report(ResultTable results, string scenario, Run run)
    {
        results.Add(scenario, "delivered (acknowledged) / recorded", $"{run.Delivered:N0} / {run.Events:N0}");
        results.Add(scenario, "throughput, record to last acknowledgement", Format.Rate(run.Delivered, run.Wall));
        if (run.RecordTime is { } recordTime)
        {
            results.Add(scenario, "time to record (caller side)", Format.Seconds(recordTime));
        }

        results.Add(scenario, "client CPU", Format.CpuPer100K(run.ClientCpu, run.Events));
        results.Add(scenario, "gateway CPU (separate process)", Format.CpuPer100K(run.GatewayCpu, run.Events));
    }

    private static async Task<Run> RunLibraryAsync(GatewayProcess gateway, int events, int queueCapacity, int threads)
    {
        using var host = RecorderHost.Build(gateway.Address, queueCapacity, TimeSpan.FromSeconds(60));
        await host.StartAsync();
        var recorder = host.Recorder();
        var before = await gateway.StatsAsync();

        var measurement = new Measurement();
        await Task.WhenAll(Enumerable.Range(0, threads).Select(thread => Task.Run(() =>
        {
            for (var i = thread; i < events; i += threads)
            {
                if (!recorder.Record(Feature, Action, RecorderHost.Parameters))
                {
                    throw new InvalidOperationException("The queue was full: raise the queue capacity.");
                }
            }
        })));

        var recordTime = measurement.Wall;
        var flush = await recorder.FlushAsync();
        var wall = measurement.Wall;
        var cpu = measurement.CpuUsed;

        var after = await gateway.StatsAsync();
        await host.StopAsync();
        if (flush.Delivered != events)
        {
            Console.WriteLine($"!! flush reported {flush.Delivered:N0} delivered, {flush.Failed:N0} failed, {flush.Pending:N0} pending");
        }

        return new Run(events, after.Distinct - before.Distinct, wall, cpu, after.Cpu - before.Cpu, recordTime);
    }

    private static async Task<Run> RunNaiveAsync(GatewayProcess gateway, int events, int concurrency)
    {
        using var naive = new NaiveUnaryIntegration(gateway.Address);
        var metadata = RecorderHost.Parameters.Metadata!;
        var before = await gateway.StatsAsync();

        var measurement = new Measurement();
        var next = -1;
        var callers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) < events)
            {
                await naive.RecordAsync(Feature, Action, metadata);
            }
        }));
        await Task.WhenAll(callers);
        var wall = measurement.Wall;
        var cpu = measurement.CpuUsed;

        var after = await gateway.StatsAsync();
        return new Run(events, after.Distinct - before.Distinct, wall, cpu, after.Cpu - before.Cpu, RecordTime: null);
    }

    private sealed record Run(int Events, int Delivered, TimeSpan Wall, TimeSpan ClientCpu, TimeSpan GatewayCpu, TimeSpan? RecordTime)
    {
        public double Rate => Delivered / Wall.TotalSeconds;

        public double ClientCpuPerEvent => ClientCpu.TotalSeconds / Events;
    }
}
