using Microsoft.Extensions.DependencyInjection;
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

    [Fact]
    public void InstanceMethod_NullableRecorderFieldNull_RecordsNothing()
    {
        Assert.False(new OptionalTelemetryJob(null).RecordStarted(3));

        var recorder = new FakeTelemetryRecorder();
        Assert.True(new OptionalTelemetryJob(recorder).RecordStarted(3));
        Assert.Equal(3, recorder.Single("jobs", "started").Metadata["rows"]);
    }

    [Fact]
    public void ExtensionMethod_NullableReceiverNull_RecordsNothing()
    {
        ITelemetryRecorder? none = null;
        Assert.False(none.RecordFinished(3));

        var recorder = new FakeTelemetryRecorder();
        Assert.True(((ITelemetryRecorder?)recorder).RecordFinished(3));
        Assert.Equal(3, recorder.Single("jobs", "finished").Metadata["rows"]);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public async Task ExtensionMethod_NonFiniteMetadata_ThrowsAsRecordDoes(double score)
    {
        var fake = new FakeTelemetryRecorder();
        await using var services = new ServiceCollection()
            .AddTelemetryGateway(options =>
            {
                options.Endpoint = new Uri("http://127.0.0.1:9/");
                options.ServiceId = "generator-tests";
            })
            .Services.BuildServiceProvider();
        var library = services.GetRequiredService<ITelemetryRecorder>();

        // The fake recorder (Record) and the library's (the generated path's own entry point) refuse it alike.
        var viaRecord = Assert.Throws<ArgumentException>(() => fake.RecordResultsViewed(1, cached: true, TimeSpan.Zero, score, "q", page: 1));
        var viaEntryPoint = Assert.Throws<ArgumentException>(() => library.RecordResultsViewed(1, cached: true, TimeSpan.Zero, score, "q", page: 1));

        Assert.Equal(viaRecord.Message, viaEntryPoint.Message);
        Assert.Empty(fake.Events);
        Assert.True(library.RecordResultsViewed(1, cached: true, TimeSpan.Zero, 0.5, "q", page: 1));
        Assert.Equal(1, (await library.FlushAsync(new CancellationToken(canceled: true))).Pending);
    }

    [Fact]
    public void ExtensionMethod_NullableBoolDurationDecimal_RecordedWhenSetLeftOutWhenNull()
    {
        var recorder = new FakeTelemetryRecorder();

        recorder.RecordNullables(cached: false, TimeSpan.FromMilliseconds(2.5), 1.25m);
        recorder.RecordNullables(cached: true, elapsed: null, cost: null);
        recorder.RecordNullables(cached: null, elapsed: null, cost: null);

        var recorded = recorder.Where("search", "nullables").ToList();
        Assert.Equal(new Dictionary<string, double> { ["cached"] = 0, ["elapsed"] = 2.5, ["cost"] = 1.25 }, recorded[0].Metadata);
        Assert.Equal(new Dictionary<string, double> { ["cached"] = 1 }, recorded[1].Metadata);
        Assert.Empty(recorded[2].Metadata);
    }

    [Fact]
    public void ExtensionMethod_ParametersNamedLikeGeneratedNames_RecordTheirValues()
    {
        var recorder = new FakeTelemetryRecorder();

        recorder.RecordCollision(__metadata: 4, __privateMetadata: "p", metadata: "m");

        var recorded = recorder.Single("search", "collision");
        Assert.Equal(4, recorded.Metadata["metadata"]);
        Assert.Equal("p", recorded.PrivateMetadata["privateMetadata"]);
        Assert.Equal("m", recorded.PrivateMetadata["plain"]);
    }
}
