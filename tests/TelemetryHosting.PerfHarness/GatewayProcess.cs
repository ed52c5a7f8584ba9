using System.Diagnostics;
using System.Globalization;
using System.Reflection;

namespace TelemetryHosting.PerfHarness;

/// <summary>The parent side: starts this program in <c>gateway</c> mode and asks it for its counts and CPU time.</summary>
internal sealed class GatewayProcess : IAsyncDisposable
{
    private readonly Process _process;

    private GatewayProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    /// <param name="latency">The gateway's delay before each response (per events payload, per unary call).</param>
    /// <param name="maxStoredEvents">How many events the gateway keeps (counts are kept regardless).</param>
    public static async Task<GatewayProcess> StartAsync(TimeSpan latency, int maxStoredEvents = 1_000)
    {
        var self = Environment.ProcessPath!;
        var start = new ProcessStartInfo
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.FileName = self;
            start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        }
        else
        {
            start.FileName = self;
        }

        start.ArgumentList.Add("gateway");
        start.ArgumentList.Add(maxStoredEvents.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add(((long)latency.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
        var process = Process.Start(start)!;
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("READY ", StringComparison.Ordinal))
            {
                return new GatewayProcess(process, new Uri(line["READY ".Length..]));
            }
        }

        throw new InvalidOperationException("The gateway process ended before it was ready.");
    }

    /// <summary>Gets the gateway's distinct event count and CPU time so far.</summary>
    public async Task<(int Distinct, TimeSpan Cpu)> StatsAsync()
    {
        await _process.StandardInput.WriteLineAsync("stats");
        await _process.StandardInput.FlushAsync();
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("STATS ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                return (int.Parse(parts[1], CultureInfo.InvariantCulture), TimeSpan.FromTicks(long.Parse(parts[2], CultureInfo.InvariantCulture)));
            }
        }

        throw new InvalidOperationException("The gateway process ended.");
    }

    /// <summary>Waits until the gateway has seen <paramref name="distinct"/> distinct events.</summary>
    public async Task<(int Distinct, TimeSpan Cpu)> WaitForDistinctAsync(int distinct, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var stats = await StatsAsync();
            if (stats.Distinct >= distinct || deadline.Elapsed > timeout)
            {
                return stats;
            }

            await Task.Delay(5);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _process.StandardInput.WriteLineAsync("exit");
        await _process.StandardInput.FlushAsync();
        if (!_process.WaitForExit(TimeSpan.FromSeconds(10)))
        {
            _process.Kill();
        }

        _process.Dispose();
    }
}
