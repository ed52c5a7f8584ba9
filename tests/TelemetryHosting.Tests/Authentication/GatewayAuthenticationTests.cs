using Grpc.Core;
using Microsoft.Extensions.Logging;
using TelemetryHosting.DevGateway;
using TelemetryHosting.Tests.TestSupport;

namespace TelemetryHosting.Tests.Authentication;

/// <summary>Delivery through the development gateway with authentication required, as the real gateway does.</summary>
public sealed class GatewayAuthenticationTests
{
    [Fact]
    public async Task Record_WithSamsClient_DeliversWithOneToken()
    {
        var harness = await RecorderHarness.StartAsync();
        await using (harness)
        {
            for (var i = 0; i < 20; i++)
            {
                harness.Recorder.Record("search", "view");
                await harness.Recorder.FlushWithinLimitAsync();
            }

            Assert.Equal(20, harness.Gateway.Events.DistinctCount);
            Assert.Equal(1, harness.Gateway.Sams.IssuedTokenCount);
        }

        SecretAssert.NothingLeaked(harness.Logs);
    }

    [Fact]
    public async Task Export_Unauthenticated_RenewsTokenOnceAndRetriesAtOnce()
    {
        var harness = await RecorderHarness.StartAsync();
        await using (harness)
        {
            harness.Recorder.Record("search", "view");
            await harness.WaitForDistinctAsync(1);
            harness.Gateway.Faults.FailNextCalls(1, StatusCode.Unauthenticated);

            harness.Recorder.Record("search", "view");
            await harness.WaitForDistinctAsync(2);

            Assert.Equal(2, harness.Gateway.Sams.IssuedTokenCount);
            Assert.Equal(1, harness.AuthFailuresWithReason("unauthenticated"));
            Assert.Single(harness.LibraryLogs(), log => log.Id.Id == 105);
            Assert.DoesNotContain(harness.LibraryLogs(), log => log.Id.Id == 3); // not left to the retry pipeline
        }

        SecretAssert.NothingLeaked(harness.Logs);
    }

    [Fact]
    public async Task Export_TokenEndpointDown_LosesNoEventOnceItRecovers()
    {
        var harness = await RecorderHarness.StartAsync(gatewayOptions: new DevelopmentGatewayOptions { SamsOutage = true });
        await using (harness)
        {
            for (var i = 0; i < 10; i++)
            {
                harness.Recorder.Record("search", "view");
            }

            await Eventually.HoldsAsync(() => harness.AuthFailuresWithReason("token_unavailable") >= 3, "token requests failed several times");
            Assert.Equal(0, harness.Gateway.Events.Count);
            harness.Gateway.Sams.Outage = false;
            await harness.WaitForDistinctAsync(10);

            Assert.Equal(0, harness.Dropped.GetMeasurementSnapshot().Sum(m => m.Value));
            Assert.Single(harness.LibraryLogs(), log => log.Id.Id == 103 && log.Level == LogLevel.Warning);
            Assert.Contains(harness.LibraryLogs(), log => log.Id.Id == 3 && log.Message.Contains("SAMS token endpoint", StringComparison.Ordinal));
        }

        SecretAssert.NothingLeaked(harness.Logs);
    }

    [Fact]
    public async Task Export_PermissionDenied_LogsOnceBacksOffKeepsEventsAndRecovers()
    {
        var harness = await RecorderHarness.StartAsync();
        await using (harness)
        {
            harness.Gateway.Faults.RejectTokens = true;
            for (var i = 0; i < 5; i++)
            {
                harness.Recorder.Record("search", "view");
            }

            await Eventually.HoldsAsync(() => harness.AuthFailuresWithReason("permission_denied") >= 3, "the gateway refused several exports");
            Assert.Single(harness.LibraryLogs(), log => log.Id.Id == 106 && log.Level == LogLevel.Error);
            Assert.Equal(0, harness.Dropped.GetMeasurementSnapshot().Sum(m => m.Value));

            harness.Gateway.Faults.RejectTokens = false;
            await harness.WaitForDistinctAsync(5);
        }

        SecretAssert.NothingLeaked(harness.Logs);
    }

    [Fact]
    public async Task Export_RevokedToken_UsesAFreshTokenOnTheNextAttempt()
    {
        var harness = await RecorderHarness.StartAsync();
        await using (harness)
        {
            harness.Recorder.Record("search", "view");
            await harness.WaitForDistinctAsync(1);
            harness.Gateway.Sams.RevokeAll();

            harness.Recorder.Record("search", "view");
            await harness.WaitForDistinctAsync(2);

            Assert.Equal(2, harness.Gateway.Sams.IssuedTokenCount);
        }

        SecretAssert.NothingLeaked(harness.Logs);
    }

    [Fact]
    public async Task Export_ClientWithoutTheWriteScope_TakesThePermissionDeniedPath()
    {
        var readOnly = new SamsClient { ClientId = "sams_cid_readonly", ClientSecret = "sams_cs_readonly_secret" };
        readOnly.Scopes.Add("telemetry_gateway::events::read");
        var gatewayOptions = new DevelopmentGatewayOptions();
        gatewayOptions.Clients.Add(readOnly);
        var harness = await RecorderHarness.StartAsync(
            options =>
            {
                options.Sams.ClientId = readOnly.ClientId;
                options.Sams.ClientSecret = readOnly.ClientSecret;
                options.Sams.Scopes.Add("telemetry_gateway::events::read");
            },
            gatewayOptions: gatewayOptions,
            shutdownTimeout: TimeSpan.FromMilliseconds(500));
        await using (harness)
        {
            harness.Recorder.Record("search", "view");

            await Eventually.HoldsAsync(() => harness.AuthFailuresWithReason("permission_denied") >= 2, "the gateway refused the token's scope");
            Assert.Equal(0, harness.Gateway.Events.Count);
            Assert.Equal(0, harness.Dropped.GetMeasurementSnapshot().Sum(m => m.Value));
            var error = Assert.Single(harness.LibraryLogs(), log => log.Id.Id == 106);
            Assert.Contains("telemetry_gateway::events::write", error.Message, StringComparison.Ordinal);
        }

        SecretAssert.NothingLeaked(harness.Logs, readOnly.ClientSecret);
    }
}
