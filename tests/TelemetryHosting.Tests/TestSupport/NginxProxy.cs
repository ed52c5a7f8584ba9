using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace TelemetryHosting.Tests.TestSupport;

/// <summary>
/// A real reverse proxy in front of a gateway under test: nginx (Debian's package) in a child process, listening for
/// plaintext HTTP/2 on a loopback port and passing gRPC on with <c>grpc_pass</c>. It answers as proxies and load
/// balancers do when the gateway behind them is down (502), too slow (504), sent a body over its limit (413), or has
/// served a connection's share of requests (GOAWAY). The process is killed on dispose and when the test process exits.
/// </summary>
internal sealed class NginxProxy : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);
    private readonly Process _process;
    private readonly TemporaryDirectory _directory;
    private readonly EventHandler _killOnExit;

    private NginxProxy(Process process, TemporaryDirectory directory, int port)
    {
        _process = process;
        _directory = directory;
        Address = new Uri($"http://127.0.0.1:{port}");
        _killOnExit = (_, _) => Kill();
        AppDomain.CurrentDomain.ProcessExit += _killOnExit;
    }

    /// <summary>The proxy's plaintext loopback gRPC address.</summary>
    public Uri Address { get; }

    /// <summary>
    /// The HTTP status of each request the proxy answered, in order (from its access log): 200 for a call the gateway
    /// answered, whatever its gRPC status; 502, 504 or 413 for one the proxy ended itself.
    /// </summary>
    public IReadOnlyList<int> Statuses()
    {
        var log = Path.Combine(_directory.Path, "access.log");
        if (!File.Exists(log))
        {
            return [];
        }

        using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return [.. reader.ReadToEnd()
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => int.Parse(line, CultureInfo.InvariantCulture))];
    }

    /// <summary>What nginx wrote in its error log so far (why it ended a call).</summary>
    public string Errors()
    {
        var log = Path.Combine(_directory.Path, "error.log");
        if (!File.Exists(log))
        {
            return string.Empty;
        }

        using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Starts nginx in front of <paramref name="upstream"/> (a plaintext loopback gRPC address).</summary>
    public static async Task<NginxProxy> StartAsync(Uri upstream, NginxProxyOptions? options = null)
    {
        // The free port is found before nginx binds it, so another process may take it meanwhile: then nginx exits
        // ("Address already in use") and it is started again on another port.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnFreePortAsync(upstream, options);
            }
            catch (InvalidOperationException e) when (attempt < 3 && e.Message.Contains("Address already in use", StringComparison.Ordinal))
            {
            }
        }
    }

    private static async Task<NginxProxy> StartOnFreePortAsync(Uri upstream, NginxProxyOptions? options)
    {
        options ??= new NginxProxyOptions();
        var nginx = Find();
        var directory = new TemporaryDirectory("nginx");
        try
        {
            Directory.CreateDirectory(directory.Path);
            var port = FreePort();
            var config = Path.Combine(directory.Path, "nginx.conf");
            await File.WriteAllTextAsync(config, Config(directory.Path, port, upstream, options));

            var start = new ProcessStartInfo(nginx)
            {
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[] { "-p", directory.Path, "-c", config, "-e", Path.Combine(directory.Path, "error.log") })
            {
                start.ArgumentList.Add(argument);
            }

            var process = Process.Start(start) ?? throw new InvalidOperationException("nginx did not start.");
            var proxy = new NginxProxy(process, directory, port);
            try
            {
                await proxy.WaitUntilListeningAsync();
                return proxy;
            }
            catch
            {
                await proxy.DisposeAsync();
                throw;
            }
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= _killOnExit;
        Kill();
        try
        {
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            _process.Dispose();
            _directory.Dispose();
        }
    }

    private static string Find()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (var directory in new[] { "/usr/sbin", "/usr/local/sbin" }.Concat(path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)))
        {
            var candidate = Path.Combine(directory, "nginx");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            "The proxy tests need nginx: run 'sudo apt-get install -y nginx' first (.ci/test does it).");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Config(string directory, int port, Uri upstream, NginxProxyOptions options)
    {
        static string Seconds(TimeSpan value) => string.Create(CultureInfo.InvariantCulture, $"{(int)Math.Ceiling(value.TotalMilliseconds)}ms");

        var config = new StringBuilder();
        config.AppendLine("daemon off;");
        config.AppendLine("master_process off;");
        config.AppendLine(CultureInfo.InvariantCulture, $"pid {directory}/nginx.pid;");
        config.AppendLine("events { worker_connections 256; }");
        config.AppendLine("http {");
        config.AppendLine("  log_format status '$status';");
        config.AppendLine(CultureInfo.InvariantCulture, $"  access_log {directory}/access.log status;");
        foreach (var temp in new[] { "client_body", "proxy", "fastcgi", "uwsgi", "scgi" })
        {
            config.AppendLine(CultureInfo.InvariantCulture, $"  {temp}_temp_path {directory}/{temp};");
        }

        config.AppendLine("  server {");
        config.AppendLine(CultureInfo.InvariantCulture, $"    listen 127.0.0.1:{port} http2;");
        config.AppendLine(CultureInfo.InvariantCulture, $"    client_max_body_size {options.MaxBodyBytes};");
        config.AppendLine(CultureInfo.InvariantCulture, $"    keepalive_requests {options.RequestsPerConnection};");
        config.AppendLine("    location / {");
        config.AppendLine(CultureInfo.InvariantCulture, $"      grpc_pass grpc://{upstream.Host}:{upstream.Port};");
        config.AppendLine(CultureInfo.InvariantCulture, $"      grpc_connect_timeout {Seconds(options.UpstreamTimeout)};");
        config.AppendLine(CultureInfo.InvariantCulture, $"      grpc_read_timeout {Seconds(options.UpstreamTimeout)};");
        config.AppendLine(CultureInfo.InvariantCulture, $"      grpc_send_timeout {Seconds(options.UpstreamTimeout)};");
        config.AppendLine("    }");
        config.AppendLine("  }");
        config.AppendLine("}");
        return config.ToString();
    }

    /// <summary>Waits until nginx has bound its port: it writes its pid file only then.</summary>
    private async Task WaitUntilListeningAsync()
    {
        var clock = Stopwatch.StartNew();
        while (!File.Exists(Path.Combine(_directory.Path, "nginx.pid")))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"nginx exited with {_process.ExitCode}: {await _process.StandardError.ReadToEndAsync()} {Errors()}");
            }

            if (clock.Elapsed > StartTimeout)
            {
                throw new InvalidOperationException($"nginx did not start within {StartTimeout}: {Errors()}");
            }

            await Task.Delay(50);
        }
    }

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
}

/// <summary>How <see cref="NginxProxy"/> is configured.</summary>
internal sealed record NginxProxyOptions
{
    /// <summary>nginx's <c>client_max_body_size</c>: a call whose request body grows past it is ended with 413. nginx's default is 1 MiB.</summary>
    public int MaxBodyBytes { get; init; } = 64 * 1024 * 1024;

    /// <summary>nginx's <c>keepalive_requests</c>: after this many calls on one connection, nginx sends GOAWAY. nginx's default is 1,000.</summary>
    public int RequestsPerConnection { get; init; } = 1_000;

    /// <summary>How long nginx waits to connect to, read from or write to the gateway before answering 502 or 504.</summary>
    public TimeSpan UpstreamTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
