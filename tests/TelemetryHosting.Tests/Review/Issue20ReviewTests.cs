using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using TelemetryHosting.Authentication.Internal;
using TelemetryHosting.Persistence.Internal;
using TelemetryHosting.Tests.TestSupport;

namespace TelemetryHosting.Tests.Review;

/// <summary>Review of issue 20's merged changes: reproductions of the findings (each fails on main at f966bce).</summary>
public sealed class Issue20ReviewTests : IDisposable
{
    private const string ClientId = "sams_cid_review";
    private const string Secret = "sams_cs_Rv20probe+Zk9/=&W4v";

    private readonly TemporaryDirectory _temporary = new("telemetryhosting-review20");

    public void Dispose() => _temporary.Dispose();

    /// <summary>
    /// Finding: the HttpRequestException is kept as the SamsTokenException's inner exception, raw. Its message quotes
    /// what the server sent (here an invalid status line echoing the request's Authorization header), so the Basic
    /// credentials reach exception.ToString(), the gRPC status's DebugException and any log that carries the exception
    /// (Polly's resilience telemetry logs the failed attempt's RpcException, whose InnerException chain includes it).
    /// </summary>
    [Fact]
    public async Task TokenRequest_InvalidStatusLineEchoingTheCredentials_NoExceptionInTheChainCarriesThem()
    {
        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes(WebUtility.UrlEncode(ClientId) + ":" + WebUtility.UrlEncode(Secret)));
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var stop = new CancellationTokenSource();
        var serving = Task.Run(() => EchoAsInvalidStatusLineAsync(listener, stop.Token));
        try
        {
            await using var harness = await RecorderHarness.StartAsync(options =>
            {
                options.Sams.Url = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/");
                options.Sams.ClientId = ClientId;
                options.Sams.ClientSecret = Secret;
            });

            var exception = await Assert.ThrowsAsync<SamsTokenException>(
                () => harness.Host.Services.GetRequiredService<SamsTokenProvider>().GetTokenAsync(CancellationToken.None).AsTask());

            var leaks = new List<string>();
            Assert.DoesNotContain(basic, exception.Message, StringComparison.Ordinal);
            if (exception.ToString().Contains(basic, StringComparison.Ordinal))
            {
                leaks.Add("exception.ToString() (its InnerException, an HttpRequestException)");
            }

            // And the logs: wait for the exports' failures to be logged with their exception (Polly's telemetry).
            harness.Recorder.Record("search", "view");
            await Eventually.HoldsWithinAsync(() => harness.Logs.GetSnapshot().Any(log => log.Exception is not null), TimeSpan.FromSeconds(20));
            foreach (var log in harness.Logs.GetSnapshot())
            {
                if ((log.Message + log.Exception).Contains(basic, StringComparison.Ordinal))
                {
                    leaks.Add($"log {log.Category}/{log.Id} ({log.Level}): {log.Message}");
                }
            }

            Assert.True(leaks.Count == 0, "The Basic credentials reach: " + string.Join("\n", leaks.Distinct()));
        }
        finally
        {
            await stop.CancelAsync();
            listener.Stop();
            await serving.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>
    /// Finding: the directories the library itself creates above the spill directory get the process's umask
    /// (0775 under umask 002, common with systemd UMask=0002 or user-private groups), and the start check then refuses
    /// them as group-writable: a nested Persistence:Directory that does not exist yet never starts under such a umask.
    /// </summary>
    [Fact]
    public void CreateOwnerOnlyDirectory_NestedUnderUmask002_TheParentsItCreatedPassTheParentsCheck()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        Directory.CreateDirectory(_temporary.Path);
        var nested = Path.Combine(_temporary.Path, "app", "data", "spill");
        var previous = umask(0b000_000_010);
        try
        {
            SpillFiles.CreateOwnerOnlyDirectory(nested);
        }
        finally
        {
            umask(previous);
        }

        var refused = Record.Exception(() => SpillFiles.RefuseUnsafeParents(nested));

        Assert.Null(refused);
    }

    /// <summary>
    /// Finding: "/path/link/" (a trailing slash, as configuration often has) is not seen as a link: readlink and lstat of
    /// "link/" follow it. The documented refusal of a symbolic link does not happen (the real path is used afterwards).
    /// </summary>
    [Fact]
    public void CreateOwnerOnlyDirectory_LinkWithATrailingSlash_IsRefusedLikeTheLink()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var target = Path.Combine(_temporary.Path, "target");
        var link = Path.Combine(_temporary.Path, "link");
        Directory.CreateDirectory(target);
        Directory.CreateSymbolicLink(link, target);

        Assert.Throws<IOException>(() => SpillFiles.CreateOwnerOnlyDirectory(link));
        Assert.Throws<IOException>(() => SpillFiles.CreateOwnerOnlyDirectory(Path.GetFullPath(link + "/")));
    }

    private static async Task EchoAsInvalidStatusLineAsync(TcpListener listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            using var client = await listener.AcceptTcpClientAsync(cancellationToken);
            var stream = client.GetStream();
            var buffer = new byte[16 * 1024];
            var request = new StringBuilder();
            while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                var read = await stream.ReadAsync(buffer, cancellationToken);
                if (read == 0)
                {
                    break;
                }

                request.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }

            var authorization = request.ToString().Split("\r\n").FirstOrDefault(line => line.StartsWith("Authorization:", StringComparison.OrdinalIgnoreCase)) ?? "none";
            await stream.WriteAsync(Encoding.ASCII.GetBytes("XTTP/1.1 echo " + authorization + "\r\n\r\n"), cancellationToken);
            await stream.FlushAsync(cancellationToken);
        }
    }

#pragma warning disable SA1300, IDE1006
    [DllImport("libc")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern uint umask(uint mask);
#pragma warning restore SA1300, IDE1006
}
