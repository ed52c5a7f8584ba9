using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace TelemetryHosting.Tests.TestSupport;

/// <summary>
/// The grpc-js gateway (tests/grpcjs-gateway/server.js) in a Node child process on loopback ports, driven through its
/// JSON control API. It has no SAMS: the recorder sends no token to a loopback gateway. The process is killed on
/// dispose and when the test process exits; it also exits by itself when its standard input closes.
/// </summary>
internal sealed class GrpcJsGateway : IGatewayUnderTest
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private readonly Process _process;
    private readonly HttpClient _control;
    private readonly StringBuilder _stderr;
    private readonly EventHandler _killOnExit;

    private GrpcJsGateway(Process process, StringBuilder stderr, int grpcPort, int controlPort)
    {
        _process = process;
        _stderr = stderr;
        Address = new Uri($"http://127.0.0.1:{grpcPort}");
        _control = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{controlPort}"), Timeout = TimeSpan.FromSeconds(10) };
        _killOnExit = (_, _) => Kill();
        AppDomain.CurrentDomain.ProcessExit += _killOnExit;
    }

    public string Name => GatewayServers.GrpcJs;

    public Uri Address { get; }

    /// <summary>What the gateway wrote on its standard error so far (its crash reports).</summary>
    public string Errors
    {
        get { lock (_stderr) { return _stderr.ToString(); } }
    }

    public static async Task<GrpcJsGateway> StartAsync()
    {
        var directory = Path.Combine(RepositoryRoot(), "tests", "grpcjs-gateway");
        if (!Directory.Exists(Path.Combine(directory, "node_modules", "@grpc", "grpc-js")))
        {
            throw new InvalidOperationException(
                $"The grpc-js gateway's packages are not installed in {directory}/node_modules: run 'npm ci --prefix tests/grpcjs-gateway' " +
                "from the repository root first (.ci/test does it).");
        }

        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("server.js");
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("The grpc-js gateway needs Node.js ('node' on the PATH), which could not be started.", e);
        }

        var stderr = new StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            lock (stderr)
            {
                stderr.AppendLine(e.Data);
            }
        };
        process.BeginErrorReadLine();

        try
        {
            using var timeout = new CancellationTokenSource(StartTimeout);
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token)
                ?? throw new InvalidOperationException($"The grpc-js gateway exited before printing its ports: {Text(stderr)}");
            var ports = JsonSerializer.Deserialize<Ports>(line)
                ?? throw new InvalidOperationException($"The grpc-js gateway printed '{line}' instead of its ports.");
            return new GrpcJsGateway(process, stderr, ports.GrpcPort, ports.ControlPort);
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    public async Task<IReadOnlyList<GatewayReceipt>> ReceivedAsync()
    {
        var events = await ControlAsync(() => _control.GetFromJsonAsync<List<ReceivedJson>>("/events")) ?? [];
        return [.. events.Select(e => new GatewayReceipt(e.Id, (int)e.Metadata["seq"]))];
    }

    public async Task<int> DistinctCountAsync() => (await StateAsync()).Events.Distinct;

    public Task RefuseNextStreamsAsync(int count) => ArmAsync(new { kind = "refuse", streams = Streams(count) });

    public async Task<int> RefusedStreamsAsync() => (await TakenAsync()).GetValueOrDefault("refuse");

    public Task NeverReadNextStreamsAsync(int count) => ArmAsync(new { kind = "never-read", streams = Streams(count) });

    public Task AbortNextStreamsAsync(int count, bool acceptEventsFirst) =>
        ArmAsync(new { kind = "abort", streams = Streams(count), accept = acceptEventsFirst, ack = false });

    /// <summary>The next <paramref name="count"/> streams' connections are reset after their first payload was published and acknowledged.</summary>
    public Task AbortNextStreamsAfterAckAsync(int count) => ArmAsync(new { kind = "abort", streams = Streams(count), accept = true, ack = true });

    public Task GoAwayNextStreamsAsync(int count) => ArmAsync(new { kind = "goaway", streams = Streams(count), graceMs = 200 });

    /// <summary>
    /// The next <paramref name="count"/> streams get GOAWAY with last stream id 0 as they start: the client is told they
    /// were never processed and may send them again on a new connection.
    /// </summary>
    public Task GoAwayUnprocessedNextStreamsAsync(int count) => ArmAsync(new { kind = "unprocessed", streams = Streams(count), graceMs = 200 });

    public Task DelayResponsesAsync(TimeSpan delay) =>
        ArmAsync(new { kind = "slow", streams = (int?)null, delayMs = (int)delay.TotalMilliseconds });

    public Task RejectFractionAsync(double fraction, int seed) => ArmAsync(new { kind = "reject", fraction, seed });

    public async Task<int> RejectedCountAsync() => (await StateAsync()).Events.Rejected;

    public async Task<int> PendingStreamFaultsAsync() => (await StateAsync()).Pending;

    /// <summary>How many streams took each kind of fault since the last reset.</summary>
    public async Task<IReadOnlyDictionary<string, int>> TakenAsync() => (await StateAsync()).Taken;

    public Task ResetAsync() => PostAsync("/reset");

    public Task StopAsync() => PostAsync("/grpc/stop");

    public Task RestartAsync() => PostAsync("/grpc/start");

    public async ValueTask DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= _killOnExit;
        _control.Dispose();
        Kill();
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        _process.Dispose();
    }

    private static int? Streams(int count) => count == int.MaxValue ? null : count;

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private async Task ArmAsync(object fault)
    {
        using var response = await ControlAsync(() => _control.PostAsJsonAsync("/faults", fault));
        await EnsureSuccessAsync(response);
    }

    private async Task PostAsync(string path)
    {
        using var response = await ControlAsync(() => _control.PostAsync(path, content: null));
        await EnsureSuccessAsync(response);
    }

    private async Task<State> StateAsync() =>
        await ControlAsync(() => _control.GetFromJsonAsync<State>("/state")) ?? throw new InvalidOperationException("no state");

    /// <summary>Calls the control API; when the gateway is gone, says so with what it wrote on standard error.</summary>
    private async Task<T> ControlAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (HttpRequestException e)
        {
            throw new InvalidOperationException($"The grpc-js gateway's control API failed (process exited: {_process.HasExited}); its standard error: {Errors}", e);
        }
    }

    private async Task EnsureSuccessAsync(HttpResponseMessage response)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync();
            throw new InvalidOperationException(string.Create(
                CultureInfo.InvariantCulture,
                $"grpc-js gateway control API: {(int)response.StatusCode} {body} {Errors}"));
        }
    }

    private static string Text(StringBuilder stderr)
    {
        lock (stderr)
        {
            return stderr.ToString();
        }
    }

    /// <summary>The directory holding TelemetryHosting.sln, found by walking up from the test assembly's directory.</summary>
    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "TelemetryHosting.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"TelemetryHosting.sln not found above {AppContext.BaseDirectory}.");
    }

    private sealed record Ports([property: JsonPropertyName("grpcPort")] int GrpcPort, [property: JsonPropertyName("controlPort")] int ControlPort);

    private sealed record ReceivedJson(
        [property: JsonPropertyName("id")] string Id,
        [property: JsonPropertyName("metadata")] Dictionary<string, double> Metadata);

    private sealed record EventCounts(
        [property: JsonPropertyName("received")] int Received,
        [property: JsonPropertyName("distinct")] int Distinct,
        [property: JsonPropertyName("duplicates")] int Duplicates,
        [property: JsonPropertyName("rejected")] int Rejected);

    private sealed record State(
        [property: JsonPropertyName("events")] EventCounts Events,
        [property: JsonPropertyName("pending")] int Pending,
        [property: JsonPropertyName("taken")] Dictionary<string, int> Taken);
}
