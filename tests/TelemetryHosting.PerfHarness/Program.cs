using System.Globalization;
using TelemetryHosting.PerfHarness;

// dotnet run -c Release --project tests/TelemetryHosting.PerfHarness -- e2e|memory|shutdown|all [--events N] [--naive-events N] [--gateway-latency-ms N]
// "gateway" is internal: the harness runs the development gateway in a child process of its own, so that the
// CPU time measured here is the client's alone.
var mode = args.Length > 0 ? args[0] : "all";
if (mode == "gateway")
{
    await GatewayChild.RunAsync(int.Parse(args[1], CultureInfo.InvariantCulture), TimeSpan.FromMilliseconds(int.Parse(args[2], CultureInfo.InvariantCulture)));
    return 0;
}

var settings = HarnessSettings.Parse(args.Skip(1).ToArray());
var results = new ResultTable();
Console.WriteLine(MachineDescription.Describe());

if (mode is "e2e" or "all")
{
    await EndToEndScenario.RunAsync(settings, results);
}

if (mode is "memory" or "all")
{
    await MemoryScenario.RunAsync(settings, results);
}

if (mode is "shutdown" or "all")
{
    await ShutdownScenario.RunAsync(settings, results);
}

if (mode is not ("e2e" or "memory" or "shutdown" or "all"))
{
    await Console.Error.WriteLineAsync($"Unknown mode '{mode}'. Use e2e, memory, shutdown or all.");
    return 2;
}

results.Print();
return 0;
