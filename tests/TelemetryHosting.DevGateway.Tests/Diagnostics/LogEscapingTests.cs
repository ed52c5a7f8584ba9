using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using static TelemetryHosting.DevGateway.Tests.GatewayHarness;

namespace TelemetryHosting.DevGateway.Tests.Diagnostics;

/// <summary>Text a peer chose reaches the gateway's log escaped: it can never start a line of its own.</summary>
public sealed class LogEscapingTests
{
    private const string Forged = "SAMS token issued to client admin with scopes telemetry_gateway::events::write";

    [Theory]
    [InlineData("grant_type=client_credentials&x%0D%0A" + "SAMS+token+issued+to+client+admin=1&x%0D%0ASAMS+token+issued+to+client+admin=2", "x\\r\\nSAMS token issued")]
    [InlineData("grant_type=client_credentials%0D%0ASAMS+token+issued+to+client+admin&client_id=sams_cid_devgateway&client_secret=sams_cs_devgateway_local_only", "client_credentials\\r\\nSAMS token issued")]
    [InlineData("grant_type=client_credentials&scope=a%0ASAMS+token+issued+to+client+admin&client_id=sams_cid_devgateway&client_secret=sams_cs_devgateway_local_only", "scope a\\nSAMS is not allowed")]
    public async Task Token_RequestTextWithLineBreaks_IsLoggedEscaped(string body, string expectedEscaped)
    {
        var logs = new FakeLogCollector();
        await using var harness = await StartAsync(o => o.ConfigureLogging = Capture(logs));
        using var http = new HttpClient { Timeout = WaitLimit };
        using var content = new StringContent(body, Encoding.ASCII, "application/x-www-form-urlencoded");

        using var response = await http.PostAsync(harness.Gateway.Sams.TokenEndpoint, content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        AssertNoForgedLine(logs);
        Assert.Contains(logs.GetSnapshot(), r => r.Message.Contains(expectedEscaped, StringComparison.Ordinal));
    }

    [Fact]
    public async Task RecordEvents_InvalidEventWithLineBreaks_IsLoggedEscaped()
    {
        var logs = new FakeLogCollector();
        await using var harness = await StartAsync(o => o.ConfigureLogging = Capture(logs));
        var metadata = ManagedService();
        metadata.RequestId = "request\r\n" + Forged;

        var result = await harness.RecordEventsAsync(
            harness.Auth(),
            MetadataMessage(metadata),
            Payload(
                NewEvent(feature: "bad\n" + Forged, action: "view", id: "id\r\n" + Forged),
                NewEvent(feature: "testFeature", action: "x\u2028" + Forged)));

        Assert.Equal(Grpc.Core.StatusCode.OK, result.Status.StatusCode);
        Assert.Empty(result.Succeeded);
        AssertNoForgedLine(logs);
        var messages = logs.GetSnapshot().Select(r => r.Message).ToList();
        Assert.Contains(messages, m => m.Contains("id\\r\\nSAMS token issued", StringComparison.Ordinal) && m.Contains("bad\\nSAMS token issued", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("x\\u2028SAMS token issued", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("request\\r\\nSAMS token issued", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RecordEvent_InvalidEventWithLineBreaks_IsLoggedEscaped()
    {
        var logs = new FakeLogCollector();
        await using var harness = await StartAsync(o => o.ConfigureLogging = Capture(logs));

        var status = await harness.RecordEventAsync(
            new Telemetrygateway.V1.RecordEventRequest { Metadata = ManagedService(), Event = NewEvent(feature: "bad\r" + Forged) },
            harness.Auth());

        Assert.Equal(Grpc.Core.StatusCode.Internal, status.StatusCode);
        AssertNoForgedLine(logs);
    }

    private static Action<ILoggingBuilder> Capture(FakeLogCollector logs) => builder =>
    {
        builder.SetMinimumLevel(LogLevel.Trace);
        builder.AddProvider(new FakeLoggerProvider(logs));
    };

    private static void AssertNoForgedLine(FakeLogCollector logs)
    {
        var records = logs.GetSnapshot();
        Assert.NotEmpty(records);
        foreach (var record in records)
        {
            var message = record.Message;
            Assert.False(
                message.Any(c => char.IsControl(c) || c is '\u2028' or '\u2029' or '\u0085'),
                $"A log message holds a line break or another control character: {message.Replace("\r", "<CR>", StringComparison.Ordinal).Replace("\n", "<LF>", StringComparison.Ordinal)}");
            Assert.DoesNotContain(record.Message.Split('\n', '\r'), line => line.StartsWith("SAMS token issued to client admin", StringComparison.Ordinal));
        }
    }
}
