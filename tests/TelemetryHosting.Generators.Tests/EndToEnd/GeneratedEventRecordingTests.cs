using TelemetryHosting.Testing;

namespace TelemetryHosting.Generators.Tests.EndToEnd;

/// <summary>Generated methods, compiled into this project, record the events their declarations describe.</summary>
public sealed class GeneratedEventRecordingTests
{
    [Fact]
    public void ExtensionMethod_EveryKindOfParameter_RecordsTheDeclaredEvent()
    {
        var recorder = new FakeTelemetryRecorder();
        var user = new TelemetryEventUser { SamsExternalId = "sams-1" };

        var accepted = recorder.RecordResultsViewed(3, cached: true, TimeSpan.FromSeconds(1.5), score: null, "grpc", page: 4, user, "interaction-1");

        Assert.True(accepted);
        var recorded = recorder.Single("search.results", "view");
        Assert.Equal(2, recorded.Version);
        Assert.Equal(new Dictionary<string, double> { ["resultCount"] = 3, ["cached"] = 1, ["elapsed"] = 1500 }, recorded.Metadata);
        Assert.Equal(new Dictionary<string, object?> { ["query"] = "grpc", ["pageNumber"] = 4 }, recorded.PrivateMetadata);
        Assert.Equal("code-search", recorded.Billing?.Product);
        Assert.Equal("core", recorded.Billing?.Category);
        Assert.Same(user, recorded.User);
        Assert.Equal("interaction-1", recorded.InteractionId);
    }

    [Fact]
    public void ExtensionMethod_NullableValueSet_RecordsItAndFalseAsZero()
    {
        var recorder = new FakeTelemetryRecorder();

        recorder.RecordResultsViewed(0, cached: false, TimeSpan.Zero, score: 0.25, "q", page: 1);

        var recorded = recorder.Single("search.results", "view");
        Assert.Equal(0.25, recorded.Metadata["score"]);
        Assert.Equal(0, recorded.Metadata["cached"]);
        Assert.Null(recorded.User);
        Assert.Null(recorded.InteractionId);
    }

    [Fact]
    public void ExtensionMethod_RecorderRefuses_ReturnsWhatRecordReturned()
    {
        var recorder = new FakeTelemetryRecorder { Accepting = false };

        Assert.False(recorder.RecordResultsCleared());
        Assert.Empty(recorder.Events);
    }

    [Fact]
    public void ExtensionMethod_OnlyConstantParameters_RecordsTheVersion()
    {
        var recorder = new FakeTelemetryRecorder();

        Assert.True(recorder.RecordResultsCleared());
        Assert.True(recorder.RecordResultsCleared());

        Assert.All(recorder.Where("search.results", "clear"), recorded =>
        {
            Assert.Equal(1, recorded.Version);
            Assert.Empty(recorded.Metadata);
        });
        Assert.Equal(2, recorder.Events.Count);
    }

    [Fact]
    public void InstanceMethod_PrimaryConstructorRecorder_RecordsThroughIt()
    {
        var recorder = new FakeTelemetryRecorder();

        new ExportJob(recorder).Run(0);

        var recorded = recorder.Single("exports", "succeeded");
        Assert.Equal(new Dictionary<string, double> { ["rows"] = 0, ["empty"] = 1 }, recorded.Metadata);
        Assert.Null(recorded.Billing);
    }
}
