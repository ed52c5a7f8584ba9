using System.Collections.Concurrent;
using System.Diagnostics;
using TelemetryHosting.Tests.TestSupport;

namespace TelemetryHosting.Tests.Export;

public sealed class ExportActivityTests
{
    [Fact]
    public async Task Export_RunsInItsOwnActivity_WhoseTraceIdIsTheRequestId()
    {
        var exports = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "TelemetryHosting",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = exports.Add,
        };
        ActivitySource.AddActivityListener(listener);
        await using var harness = await RecorderHarness.StartAsync();

        ActivityTraceId recordingTrace;
        using (var request = new Activity("request").SetIdFormat(ActivityIdFormat.W3C).Start())
        {
            recordingTrace = request.TraceId;
            harness.Recorder.Record("search", "view");
        }

        await harness.Recorder.FlushWithinLimitAsync();
        var received = Assert.Single(harness.Gateway.Events.Snapshot());
        var export = Assert.Single(exports, activity => activity.TraceId.ToHexString() == received.RequestId);
        Assert.Equal("TelemetryHosting.Export", export.OperationName);
        Assert.Equal(ActivityKind.Client, export.Kind);
        Assert.Equal(recordingTrace.ToHexString(), received.TraceId);
        Assert.NotEqual(received.TraceId, received.RequestId); // the export's trace, not the recording request's
    }
}
