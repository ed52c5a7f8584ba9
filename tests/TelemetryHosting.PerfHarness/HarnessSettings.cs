using System.Globalization;

namespace TelemetryHosting.PerfHarness;

/// <summary>The harness's command-line settings.</summary>
/// <param name="GatewayLatency">
/// The delay the gateway adds before each response: per events payload on a RecordEvents stream and per unary
/// RecordEvent call, so the library and the naive integration see the same network latency. Zero (the default) adds none.
/// </param>
internal sealed record HarnessSettings(int Events, int NaiveEvents, int MemoryEvents, int MemoryQueue, int ShutdownEvents, int RecordThreads, TimeSpan GatewayLatency)
{
    public static HarnessSettings Parse(string[] args)
    {
        var settings = new HarnessSettings(Events: 200_000, NaiveEvents: 20_000, MemoryEvents: 1_000_000, MemoryQueue: 100_000, ShutdownEvents: 100_000, RecordThreads: 4, GatewayLatency: TimeSpan.Zero);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var value = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            settings = args[i] switch
            {
                "--events" => settings with { Events = value },
                "--naive-events" => settings with { NaiveEvents = value },
                "--memory-events" => settings with { MemoryEvents = value },
                "--memory-queue" => settings with { MemoryQueue = value },
                "--shutdown-events" => settings with { ShutdownEvents = value },
                "--record-threads" => settings with { RecordThreads = Math.Max(1, value) },
                "--gateway-latency-ms" => settings with { GatewayLatency = TimeSpan.FromMilliseconds(Math.Max(0, value)) },
                _ => throw new ArgumentException($"Unknown option '{args[i]}'."),
            };
        }

        return settings;
    }
}
