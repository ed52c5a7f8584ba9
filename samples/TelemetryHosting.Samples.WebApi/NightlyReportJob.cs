namespace TelemetryHosting.Samples.WebApi;

/// <summary>A background job: the telemetry recorder works outside requests too (no trace id then).</summary>
public sealed partial class NightlyReportJob(ITelemetryRecorder telemetry, TimeProvider timeProvider) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        RecordStarted();
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(1), timeProvider);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            RecordRan();
        }
    }

    // Generated events (docs/telemetry-events.md) without parameters: the body records through 'telemetry'.
    [TelemetryEvent("sample.reportJob", "started")]
    private partial void RecordStarted();

    [TelemetryEvent("sample.reportJob", "ran")]
    private partial void RecordRan();
}
