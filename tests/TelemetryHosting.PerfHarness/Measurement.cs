using System.Diagnostics;

namespace TelemetryHosting.PerfHarness;

/// <summary>Wall-clock and this process's CPU time since it was started.</summary>
internal sealed class Measurement
{
    private readonly Stopwatch _wall = Stopwatch.StartNew();
    private readonly TimeSpan _cpu = Cpu();

    public TimeSpan Wall => _wall.Elapsed;

    public TimeSpan CpuUsed => Cpu() - _cpu;

    private static TimeSpan Cpu()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }
}
