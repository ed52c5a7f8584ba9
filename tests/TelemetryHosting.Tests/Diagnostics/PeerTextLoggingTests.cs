using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using TelemetryHosting.Authentication.Internal;
using TelemetryHosting.Tests.TestSupport;

namespace TelemetryHosting.Tests.Diagnostics;

/// <summary>
/// Text a peer chose (the SAMS error description, the gateway's status detail) reaches the library's log lines and
/// health check escaped: a line break in it cannot forge a log line, nor other control characters rewrite a terminal.
/// </summary>
public sealed class PeerTextLoggingTests
{
    private const string Forged = "info: TelemetryHosting[101] SAMS token issued to client admin";

    [Fact]
    public async Task GatewayStatusDetail_WithLineBreaks_CannotForgeALogLine()
    {
        // A gateway (h2c, as gRPC on http:// speaks) refusing every call with a status detail carrying CR/LF, an
        // escape sequence and a right-to-left override; grpc-message is percent-encoded on the wire.
        await using var gateway = await LoopbackHttpServer.StartAsync(
            context =>
            {
                context.Response.ContentType = "application/grpc";
                context.Response.Headers["grpc-status"] = "7";
                context.Response.Headers["grpc-message"] = "denied%0D%0A" + Uri.EscapeDataString(Forged) + "%1B%5B2J%E2%80%AEgnp.exe";
                return Task.CompletedTask;
            },
            http2Only: true);
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        await using var harness = await RecorderHarness.StartAsync(
            gateway.Address,
            timeProvider: time,
            configureServices: services => services.AddHealthChecks().AddTelemetryGateway(configure: options => options.FailingThreshold = TimeSpan.FromSeconds(30)));

        harness.Recorder.Record("search", "view");
        await Eventually.HoldsAsync(
            () => CheckAsync(harness).GetAwaiter().GetResult().Status == HealthStatus.Degraded,
            "the health check reports the failing exports",
            step: () => time.Advance(TimeSpan.FromSeconds(1)));
        await Eventually.HoldsAsync(() => harness.LibraryLogs().Any(log => log.Id.Id == 8), "the export failure is logged");
        var health = await CheckAsync(harness);

        var denied = Assert.Single(harness.LibraryLogs(), log => log.Id.Id == 106);
        Assert.Contains(@"denied\r\n" + Forged + @"\u001B[2J\u202Egnp.exe", denied.Message, StringComparison.Ordinal);
        Assert.Contains(@"denied\r\n", health.Description, StringComparison.Ordinal);
        foreach (var log in harness.LibraryLogs())
        {
            AssertSingleLine(log);
        }

        AssertPrintable(health.Description!);
    }

    [Fact]
    public async Task SamsErrorDescription_WithControlCharacters_IsEscapedInTheLogAndException()
    {
        await using var endpoint = await LoopbackHttpServer.StartAsync(context =>
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return context.Response.WriteAsJsonAsync(new
            {
                error = "invalid_request\u001b[31m",
                error_description = "bad\r\n" + Forged + "\u001b[2J\u202Egnp.exe\u0085\u2028\u0000\u009b",
            });
        });
        var services = new ServiceCollection();
        services.AddFakeLogging();
        services.AddTelemetryGateway(options =>
        {
            options.ServiceId = "test-service";
            options.Endpoint = new Uri("http://127.0.0.1:1");
            options.Sams.Url = endpoint.Address;
            options.Sams.ClientId = "sams_cid_peer_text";
            options.Sams.ClientSecret = "sams_cs_peer_text_0123456789";
        });
        using var provider = services.BuildServiceProvider();

        var exception = await Assert.ThrowsAsync<SamsTokenException>(
            () => provider.GetRequiredService<SamsTokenProvider>().GetTokenAsync(CancellationToken.None).AsTask());

        var refused = Assert.Single(provider.GetFakeLogCollector().GetSnapshot(), log => log.Id.Id == 104);
        Assert.Contains(@"bad\r\n" + Forged + @"\u001B[2J\u202Egnp.exe\u0085\u2028\u0000\u009B", exception.Message, StringComparison.Ordinal);
        Assert.Contains(@"invalid_request\u001B[31m", exception.Message, StringComparison.Ordinal);
        AssertPrintable(exception.Message);
        AssertSingleLine(refused);
    }

    private static void AssertSingleLine(FakeLogRecord log)
    {
        AssertPrintable(log.Message);
        foreach (var pair in log.StructuredState ?? [])
        {
            AssertPrintable(pair.Value ?? string.Empty);
        }
    }

    private static void AssertPrintable(string text)
    {
        foreach (var c in text)
        {
            Assert.False(
                char.IsControl(c) || c is '\u2028' or '\u2029' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069'),
                $"U+{(int)c:X4} in: {text}");
        }
    }

    private static async Task<HealthReportEntry> CheckAsync(RecorderHarness harness)
    {
        var report = await harness.Host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        return report.Entries["telemetry-gateway"];
    }
}
