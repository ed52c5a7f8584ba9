namespace TelemetryHosting.Samples.WebApi;

/// <summary>A background job: the telemetry recorder works outside requests too (no trace id then).</summary>
public sealed class NightlyReportJob(ITelemetryRecorder telemetry, TimeProvider timeProvider) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        telemetry.Record("sample.reportJob", "started");
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(1), timeProvider);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            telemetry.Record("sample.reportJob", "ran");
        }
    }
}
