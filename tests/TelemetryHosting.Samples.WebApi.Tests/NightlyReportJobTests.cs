namespace TelemetryHosting.Samples.WebApi.Tests;

public sealed class NightlyReportJobTests
{
    [Fact]
    public async Task Start_RecordsJobStartedWithoutTraceId()
    {
        await using var factory = new SampleAppFactory();
        using var client = factory.CreateClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var recorded = await factory.Telemetry.WaitForEventAsync("sample.reportJob", "started", timeout.Token);

        // Recorded outside any request, so there is no trace to attach.
        Assert.Null(recorded.TraceId);
    }
}
