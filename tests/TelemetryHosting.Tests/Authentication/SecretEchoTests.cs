using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using TelemetryHosting.Authentication.Internal;
using TelemetryHosting.Resilience.Internal;
using TelemetryHosting.Tests.TestSupport;

namespace TelemetryHosting.Tests.Authentication;

/// <summary>
/// A token endpoint that echoes what it was sent, in every encoding the secret can travel in, into its error answer:
/// the secret must surface nowhere — not in the log, the exception, the gRPC status the export failed with, nor the
/// health check.
/// </summary>
public sealed class SecretEchoTests
{
    private const string ClientId = "sams_cid_echo";

    // Characters that URL, JSON and base64 encodings all change; the letter runs mark any leak of any form.
    private const string Secret = "sams_cs_Qx7probe+Zk9/=& W4v\"\\end";

    private static readonly string[] Fragments = ["Qx7probe", "Zk9", "W4v"];

    public static TheoryData<string> Echoes => ["form", "form-lowercase-hex", "form-%20", "json", "basic", "decoded", "error-code", "text"];

    [Theory]
    [MemberData(nameof(Echoes))]
    public async Task TokenFailure_EndpointEchoesTheSecret_NoFormOfItSurfacesAnywhere(string echo)
    {
        await using var endpoint = await LoopbackHttpServer.StartAsync(context => EchoAsync(context, echo));
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        await using var harness = await RecorderHarness.StartAsync(
            options =>
            {
                options.Sams.Url = endpoint.Address;
                options.Sams.ClientId = ClientId;
                options.Sams.ClientSecret = Secret;
            },
            timeProvider: time,
            configureServices: services => services.AddHealthChecks().AddTelemetryGateway(configure: options => options.FailingThreshold = TimeSpan.FromSeconds(30)));

        harness.Recorder.Record("search", "view");
        await Eventually.HoldsAsync(
            () => CheckAsync(harness).GetAwaiter().GetResult().Status == HealthStatus.Degraded,
            "the health check reports the failing exports",
            step: () => time.Advance(TimeSpan.FromSeconds(1)));

        var health = await CheckAsync(harness);
        var recorded = harness.Host.Services.GetRequiredService<ExportHealth>().LastFailure;
        var exception = await Assert.ThrowsAsync<SamsTokenException>(
            () => harness.Host.Services.GetRequiredService<SamsTokenProvider>().GetTokenAsync(CancellationToken.None).AsTask());
        var logs = harness.Logs.GetSnapshot();

        // The failure did surface in each place, naming the endpoint's answer.
        Assert.Contains(logs, log => log.Id.Id == 104 && log.Level == LogLevel.Error);
        Assert.Contains("refused the token request", exception.Message, StringComparison.Ordinal);
        Assert.Contains("refused the token request", recorded.Detail, StringComparison.Ordinal);
        Assert.Contains("refused the token request", health.Description, StringComparison.Ordinal);

        AssertNoSecret("the exception", exception.ToString());
        AssertNoSecret("the gRPC status", recorded.Detail + "\n" + recorded.DebugException);
        AssertNoSecret("the health check", health.Description + "\n" + string.Join('\n', health.Data.Values) + "\n" + health.Exception);
        foreach (var log in logs)
        {
            AssertNoSecret($"log {log.Category}/{log.Id}", string.Join(
                '\n',
                log.Message,
                log.Exception?.ToString() ?? string.Empty,
                string.Join('\n', log.StructuredState?.Select(pair => pair.Value) ?? [])));
        }

        SecretAssert.NothingLeaked(harness.Logs, Secret);
    }

    private static void AssertNoSecret(string where, string text)
    {
        foreach (var form in Fragments.Concat([Basic(FormEncode(ClientId) + ":" + FormEncode(Secret)), Basic(ClientId + ":" + Secret)]))
        {
            Assert.False(text.Contains(form, StringComparison.OrdinalIgnoreCase), $"{where} contains '{form}': {text}");
        }
    }

    private static string FormEncode(string value) => WebUtility.UrlEncode(value);

    private static string Basic(string credentials) => Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials));

    private static async Task EchoAsync(HttpContext context, string echo)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync();
        if (authorization.Length > 0)
        {
            if (echo == "basic")
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                await context.Response.WriteAsJsonAsync(new { error = "access_denied", error_description = "not allowed: Authorization: " + authorization });
                return;
            }

            // Refuses Basic, so that the secret comes again in the form body.
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            await context.Response.WriteAsJsonAsync(new { error = "invalid_client" });
            return;
        }

        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        var fields = body.Split('&').Select(field => field.Split('=', 2)).ToDictionary(pair => WebUtility.UrlDecode(pair[0]), pair => WebUtility.UrlDecode(pair[1]));
        var description = echo switch
        {
            "form" => "unexpected body: " + body,
            "form-lowercase-hex" => "unexpected body: " + System.Text.RegularExpressions.Regex.Replace(body, "%[0-9A-F]{2}", match => match.Value.ToLowerInvariant()),
            "form-%20" => "unexpected body: " + body.Replace("+", "%20", StringComparison.Ordinal),
            "json" => "unexpected fields: " + JsonSerializer.Serialize(fields),
            "decoded" => "unexpected secret " + fields["client_secret"],
            _ => null,
        };

        if (echo == "error-code")
        {
            await context.Response.WriteAsJsonAsync(new { error = body });
        }
        else if (echo == "text")
        {
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync("unexpected body: " + body);
        }
        else
        {
            await context.Response.WriteAsJsonAsync(new { error = "invalid_request", error_description = description });
        }
    }

    private static async Task<HealthReportEntry> CheckAsync(RecorderHarness harness)
    {
        var report = await harness.Host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        return report.Entries["telemetry-gateway"];
    }
}
