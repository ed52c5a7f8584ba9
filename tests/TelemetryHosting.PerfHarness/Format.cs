using System.Globalization;

namespace TelemetryHosting.PerfHarness;

/// <summary>Number formatting for the results table (invariant culture).</summary>
internal static class Format
{
    public static string Rate(int events, TimeSpan wall) => Number(events / wall.TotalSeconds, "N0") + " events/s";

    public static string CpuPer100K(TimeSpan cpu, int events) => Number(cpu.TotalSeconds * 100_000 / events, "F2") + " CPU s / 100k events";

    public static string MiB(long bytes) => Number(bytes / (1024.0 * 1024.0), "F1") + " MiB";

    public static string Seconds(TimeSpan time) => Number(time.TotalSeconds, "F3") + " s";

    public static string Number(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
