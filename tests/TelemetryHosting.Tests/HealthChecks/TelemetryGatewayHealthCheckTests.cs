using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using TelemetryHosting.Tests.TestSupport;

namespace TelemetryHosting.Tests.HealthChecks;

public sealed class TelemetryGatewayHealthCheckTests
{
    [Fact]
    public async Task Check_DeliveringNormally_IsHealthy()
    {
        await using var harness = await StartAsync();
        harness.Recorder.Record("search", "view");
        await harness.Recorder.FlushWithinLimitAsync();

        var entry = await CheckAsync(harness);

        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal(0, entry.Data["queue_depth"]);
    }

    [Fact]
    public async Task Check_QueueAboveHighWaterMark_IsDegradedAndSaysSo()
    {
        await using var harness = await StartAsync(options => options.QueueCapacity = 10, startHost: false);
        for (var i = 0; i < 9; i++)
        {
            harness.Recorder.Record("search", "view");
        }

        var entry = await CheckAsync(harness);

        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Contains("holds 9 of 10 events", entry.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_EventsBeingDropped_IsUnhealthyUntilTheDropWindowPasses()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        await using var harness = await StartAsync(options => options.QueueCapacity = 2, startHost: false, timeProvider: time);
        for (var i = 0; i < 3; i++)
        {
            harness.Recorder.Record("search", "view");
        }

        var dropping = await CheckAsync(harness);
        time.Advance(TimeSpan.FromMinutes(6));
        var later = await CheckAsync(harness);

        Assert.Equal(HealthStatus.Unhealthy, dropping.Status);
        Assert.Contains("reason 'queue_full'", dropping.Description, StringComparison.Ordinal);
        Assert.Equal("queue_full", dropping.Data["last_drop_reason"]);
        Assert.Equal(HealthStatus.Degraded, later.Status);
    }

    [Fact]
    public async Task Check_ExportsFailingLongerThanThreshold_IsDegradedThenHealthyAfterRecovery()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        await using var harness = await StartAsync(timeProvider: time);
        harness.Gateway.Faults.FailNextCalls(int.MaxValue);
        harness.Recorder.Record("search", "view");

        await Eventually.HoldsAsync(
            () => CheckAsync(harness).GetAwaiter().GetResult().Status == HealthStatus.Degraded,
            "the check reports the failing exports",
            step: () => time.Advance(TimeSpan.FromSeconds(1)));
        var failing = await CheckAsync(harness);
        harness.Gateway.Faults.Reset();
        await Eventually.HoldsAsync(
            () => harness.Gateway.Events.DistinctCount == 1,
            "the event is delivered after recovery",
            step: () => time.Advance(TimeSpan.FromSeconds(1)));

        // The gateway stores the event before the recorder has read its acknowledgement: healthy follows shortly.
        await Eventually.HoldsAsync(
            () => CheckAsync(harness).GetAwaiter().GetResult().Status == HealthStatus.Healthy,
            "the check reports healthy once the export's acknowledgement is read");
        Assert.Contains("failing for", failing.Description, StringComparison.Ordinal);
        Assert.Contains("Unavailable", failing.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_OutOfRange_FailValidationNamingTheMember()
    {
        var services = new ServiceCollection();
        services.AddHealthChecks().AddTelemetryGateway(configure: options => options.DropWindow = TimeSpan.Zero);
        using var provider = services.BuildServiceProvider();

        var exception = Assert.Throws<OptionsValidationException>(
            () => provider.GetRequiredService<IOptionsMonitor<TelemetryGatewayHealthCheckOptions>>().Get("telemetry-gateway"));

        Assert.Contains("DropWindow must be between 00:00:01 and 1.00:00:00.", exception.Message, StringComparison.Ordinal);
    }

    private static Task<RecorderHarness> StartAsync(
        Action<TelemetryGatewayOptions>? configure = null, bool startHost = true, FakeTimeProvider? timeProvider = null) =>
        RecorderHarness.StartAsync(
            configure,
            timeProvider: timeProvider,
            startHost: startHost,
            configureServices: services => services.AddHealthChecks().AddTelemetryGateway(configure: options => options.FailingThreshold = TimeSpan.FromSeconds(30)));

    private static async Task<HealthReportEntry> CheckAsync(RecorderHarness harness)
    {
        var report = await harness.Host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        return report.Entries["telemetry-gateway"];
    }
}
