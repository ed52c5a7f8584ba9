using System.Runtime.InteropServices;

namespace TelemetryHosting.PerfHarness;

/// <summary>One line saying where the numbers were taken.</summary>
internal static class MachineDescription
{
    public static string Describe() =>
        $"# {Environment.ProcessorCount} logical cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, " +
        $"{RuntimeInformation.ProcessArchitecture}, GC {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")}, " +
        $"{GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024 * 1024 * 1024.0):F0} GiB available";
}
