using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;

namespace TelemetryHosting.Testing.Tests;

public sealed class FakeTelemetryRecorderTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public void Record_ValidEvent_CapturesEverything()
    {
        var time = new FakeTimeProvider(Start);
        var recorder = new FakeTelemetryRecorder(time);
        var billing = new TelemetryBillingMetadata { Product = "sample", Category = "exports" };
        var user = new TelemetryEventUser { SamsExternalId = "sams-1" };
        var client = new TelemetryEventClient { Name = "vscode", Version = "1.2.3" };
        var tracking = new TelemetryMarketingTracking { Url = "https://sourcegraph.com/search", CohortId = "2026-01" };

        var accepted = recorder.Record("search.results", "view", new TelemetryEventParameters
        {
            Version = 2,
            Metadata = new Dictionary<string, double> { ["resultCount"] = 3 },
            PrivateMetadata = new Dictionary<string, object?> { ["query"] = "grpc" },
            FeatureFlags = new Dictionary<string, bool> { ["csv-v2"] = true },
            Billing = billing,
            User = user,
            Client = client,
            InteractionId = "interaction-1",
            MarketingTracking = tracking,
        });

        Assert.True(accepted);
        var recorded = Assert.Single(recorder.Events);
        Assert.Equal("search.results", recorded.Feature);
        Assert.Equal("view", recorded.Action);
        Assert.Equal(Start, recorded.Timestamp);
        Assert.Equal(7, recorded.Id.Version);
        Assert.Equal(2, recorded.Version);
        Assert.Equal(3, recorded.Metadata["resultCount"]);
        Assert.Equal("grpc", recorded.PrivateMetadata["query"]);
        Assert.True(recorded.FeatureFlags["csv-v2"]);
        Assert.Same(billing, recorded.Billing);
        Assert.Same(user, recorded.User);
        Assert.Same(client, recorded.Client);
        Assert.Same(tracking, recorded.MarketingTracking);
        Assert.Equal("interaction-1", recorded.InteractionId);
        Assert.Null(recorded.TraceId);
    }

    [Fact]
    public void Record_NoParameters_LeavesCollectionsEmpty()
    {
        var recorder = new FakeTelemetryRecorder();

        recorder.Record("sample.reportJob", "started");

        var recorded = recorder.Single("sample.reportJob", "started");
        Assert.Empty(recorded.Metadata);
        Assert.Empty(recorded.PrivateMetadata);
        Assert.Empty(recorded.FeatureFlags);
        Assert.Equal(0, recorded.Version);
        Assert.Null(recorded.Billing);
        Assert.Equal("sample.reportJob/started", recorded.ToString());
    }

    [Fact]
    public void Record_TimestampGiven_KeepsIt()
    {
        var recorder = new FakeTelemetryRecorder(new FakeTimeProvider(Start));
        var earlier = Start.AddHours(-1);

        recorder.Record("search", "view", new TelemetryEventParameters { Timestamp = earlier });

        Assert.Equal(earlier, recorder.Single("search", "view").Timestamp);
    }

    [Fact]
    public void Record_InsideActivity_CapturesTraceId()
    {
        var recorder = new FakeTelemetryRecorder();
        using var activity = new Activity("request").SetIdFormat(ActivityIdFormat.W3C).Start();

        recorder.Record("search", "view");

        Assert.Equal(activity.TraceId, recorder.Single("search", "view").TraceId);
    }

    [Fact]
    public void Record_DictionariesChangedAfterwards_EventUnchanged()
    {
        var recorder = new FakeTelemetryRecorder();
        var metadata = new Dictionary<string, double> { ["rows"] = 1 };
        var flags = new Dictionary<string, bool> { ["flag"] = true };

        recorder.Record("exports.csv", "succeeded", new TelemetryEventParameters { Metadata = metadata, FeatureFlags = flags });
        metadata["rows"] = 2;
        flags.Clear();

        var recorded = recorder.Single("exports.csv", "succeeded");
        Assert.Equal(1, recorded.Metadata["rows"]);
        Assert.True(recorded.FeatureFlags["flag"]);
    }

    [Fact]
    public void Record_NotAccepting_ReturnsFalseAndCapturesNothing()
    {
        var recorder = new FakeTelemetryRecorder { Accepting = false };

        Assert.False(recorder.Record("search", "view"));
        Assert.Empty(recorder.Events);

        recorder.Accepting = true;
        Assert.True(recorder.Record("search", "view"));
        Assert.Single(recorder.Events);
    }

    [Fact]
    public void Record_NotAcceptingAndInvalidName_StillThrows()
    {
        var recorder = new FakeTelemetryRecorder { Accepting = false };

        Assert.Throws<ArgumentException>(() => recorder.Record("Search", "view"));
    }

    [Fact]
    public void Where_SeveralEvents_ReturnsMatchesInOrder()
    {
        var time = new FakeTimeProvider(Start);
        var recorder = new FakeTelemetryRecorder(time);
        recorder.Record("search", "view");
        time.Advance(TimeSpan.FromSeconds(1));
        recorder.Record("search", "click");
        time.Advance(TimeSpan.FromSeconds(1));
        recorder.Record("search", "view");

        var views = recorder.Where("search", "view");

        Assert.Equal([Start, Start.AddSeconds(2)], views.Select(recorded => recorded.Timestamp));
        Assert.Empty(recorder.Where("search", "hover"));
    }

    [Fact]
    public void Single_NoMatch_ThrowsListingRecordedEvents()
    {
        var recorder = new FakeTelemetryRecorder();
        recorder.Record("search", "click", new TelemetryEventParameters { Metadata = new Dictionary<string, double> { ["rank"] = 1.5 } });

        var exception = Assert.Throws<InvalidOperationException>(() => recorder.Single("search", "view"));

        Assert.Equal(
            "Expected exactly one telemetry event search/view, but found none. Recorded: search/click {rank=1.5}.",
            exception.Message);
    }

    [Fact]
    public void Single_TwoMatches_Throws()
    {
        var recorder = new FakeTelemetryRecorder();
        recorder.Record("search", "view");
        recorder.Record("search", "view");

        var exception = Assert.Throws<InvalidOperationException>(() => recorder.Single("search", "view"));

        Assert.Contains("found more than one", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Clear_AfterEvents_ForgetsThem()
    {
        var recorder = new FakeTelemetryRecorder();
        recorder.Record("search", "view");

        recorder.Clear();

        Assert.Empty(recorder.Events);
        Assert.Throws<InvalidOperationException>(() => recorder.Single("search", "view"));
    }

    [Fact]
    public async Task FlushAsync_AfterEvents_ReportsAcceptedAsDelivered()
    {
        var recorder = new FakeTelemetryRecorder();
        recorder.Record("search", "view");
        recorder.Record("search", "view");
        recorder.Accepting = false;
        recorder.Record("search", "view");

        var result = await recorder.FlushAsync();

        Assert.Equal(new TelemetryFlushResult(2, 0, 0), result);
        Assert.True(result.IsComplete);
    }

    [Fact]
    public async Task WaitForEventAsync_EventRecordedLater_Completes()
    {
        var recorder = new FakeTelemetryRecorder();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var waiting = recorder.WaitForEventAsync("sample.reportJob", "ran", timeout.Token);
        Assert.False(waiting.IsCompleted);
        recorder.Record("sample.reportJob", "started");
        Assert.False(waiting.IsCompleted);
        _ = Task.Run(() => recorder.Record("sample.reportJob", "ran"), timeout.Token);

        var recorded = await waiting;
        Assert.Equal("ran", recorded.Action);
    }

    [Fact]
    public async Task WaitForEventAsync_EventAlreadyRecorded_ReturnsIt()
    {
        var recorder = new FakeTelemetryRecorder();
        recorder.Record("search", "view");

        var waiting = recorder.WaitForEventAsync("search", "view");

        Assert.True(waiting.IsCompletedSuccessfully);
        Assert.Same(recorder.Events[0], await waiting);
    }

    [Fact]
    public async Task WaitForEventAsync_Cancelled_Throws()
    {
        var recorder = new FakeTelemetryRecorder();
        using var cancellation = new CancellationTokenSource();

        var waiting = recorder.WaitForEventAsync("search", "view", cancellation.Token);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        recorder.Record("search", "view");
        Assert.True(waiting.IsCanceled);
    }

    [Fact]
    public async Task Record_ConcurrentCallers_CapturesEveryEvent()
    {
        var recorder = new FakeTelemetryRecorder();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 500; i++)
            {
                recorder.Record("search", "view");
            }
        })));

        Assert.Equal(4_000, recorder.Events.Count);
    }
}
