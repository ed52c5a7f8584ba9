using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using OpenTelemetry;
using TelemetryHosting.Export.Internal;
using TelemetryHosting.Recording.Internal;
using TelemetryHosting.Tests.TestSupport;

namespace TelemetryHosting.Tests.Recording;

/// <summary>
/// The entry point of generated <c>[TelemetryEvent]</c> methods records what <see cref="ITelemetryRecorder.Record"/>
/// records for the same event: compared on the queued events, with the host not started (nothing drains the queue).
/// </summary>
public sealed class TelemetryEventDefinitionTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private static readonly TelemetryEventDefinition Viewed = new(
        "search.results", "view", version: 2, metadataKeys: ["resultCount", "cached", "score"], privateMetadataKeys: ["query", "page"],
        billingProduct: "code-search", billingCategory: "core");

    private static readonly TelemetryEventDefinition Cleared = new("search.results", "clear");

    [Fact]
    public async Task Record_EveryPart_QueuesTheEventRecordQueues()
    {
        await using var harness = await RecorderHarness.StartAsync(startHost: false, timeProvider: new FakeTimeProvider(Start));
        var user = new TelemetryEventUser { SamsExternalId = "sams-1", UserId = 7 };

        using (new Activity("request").SetIdFormat(ActivityIdFormat.W3C).Start())
        {
            Assert.True(Viewed.Record(harness.Recorder, [3, 1, null], ["repo:foo", 2], "interaction-1", user));
            Assert.True(harness.Recorder.Record("search.results", "view", new TelemetryEventParameters
            {
                Version = 2,
                Metadata = new Dictionary<string, double> { ["resultCount"] = 3, ["cached"] = 1 },
                PrivateMetadata = new Dictionary<string, object?> { ["query"] = "repo:foo", ["page"] = 2 },
                Billing = new TelemetryBillingMetadata { Product = "code-search", Category = "core" },
                User = user,
                InteractionId = "interaction-1",
            }));
        }

        var (generated, recorded) = TwoQueued(harness);
        AssertSameEvent(recorded, generated);
        Assert.NotEqual(default, generated.TraceId);
        Assert.Equal(Start, generated.Timestamp);
        Assert.Equal([new("resultCount", 3), new("cached", 1)], generated.Metadata!);
    }

    [Fact]
    public async Task Record_NothingPerCall_QueuesTheBareEventRecordQueues()
    {
        await using var harness = await RecorderHarness.StartAsync(startHost: false, timeProvider: new FakeTimeProvider(Start));

        Assert.True(Cleared.Record(harness.Recorder));
        Assert.True(harness.Recorder.Record("search.results", "clear"));

        var (generated, recorded) = TwoQueued(harness);
        AssertSameEvent(recorded, generated);
        Assert.Null(generated.Metadata);
        Assert.Null(generated.PrivateMetadata);
    }

    [Fact]
    public async Task Record_EnrichersAndBaggage_FillWhatTheCallLeftUnsetAsForRecord()
    {
        await using var harness = await RecorderHarness.StartAsync(startHost: false, timeProvider: new FakeTimeProvider(Start), configureServices: services =>
            services.TryAddEnumerable(ServiceDescriptor.Singleton<ITelemetryEventEnricher, UserEnricher>()));

        Baggage.SetBaggage(TelemetryEventParameters.InteractionIdBaggageKey, "from-baggage");
        try
        {
            Viewed.Record(harness.Recorder, [1, 0, 0.5], ["q", null]);
            harness.Recorder.Record("search.results", "view", new TelemetryEventParameters
            {
                Version = 2,
                Metadata = new Dictionary<string, double> { ["resultCount"] = 1, ["cached"] = 0, ["score"] = 0.5 },
                PrivateMetadata = new Dictionary<string, object?> { ["query"] = "q", ["page"] = null },
                Billing = new TelemetryBillingMetadata { Product = "code-search", Category = "core" },
            });

            // What the caller passes wins over both.
            Viewed.Record(harness.Recorder, [1, 0, 0.5], ["q", null], "explicit", new TelemetryEventUser { UserId = 1 });
        }
        finally
        {
            Baggage.ClearBaggage();
        }

        var queue = harness.Host.Services.GetRequiredService<TelemetryEventQueue>();
        var (generated, recorded) = TwoQueued(harness);
        AssertSameEvent(recorded, generated);
        Assert.Equal("from-baggage", generated.InteractionId);
        Assert.Equal("enriched-user", generated.User?.SamsExternalId);
        Assert.True(queue.TryRead(out var explicitParts));
        Assert.Equal("explicit", explicitParts.InteractionId);
        Assert.Equal(1, explicitParts.User?.UserId);
    }

    [Fact]
    public async Task Record_QueueFullThenShutdown_ReturnsFalseAndCountsEachAsRecordDoes()
    {
        await using var harness = await RecorderHarness.StartAsync(options => options.QueueCapacity = 1, startHost: false);

        Assert.True(Cleared.Record(harness.Recorder));
        Assert.False(Cleared.Record(harness.Recorder));
        Assert.False(harness.Recorder.Record("search.results", "clear"));
        Assert.Equal(2, harness.DroppedWithReason("queue_full"));
        Assert.Single(harness.LibraryLogs(), log => log.Id.Id == 1);

        harness.Host.Services.GetRequiredService<TelemetryEventQueue>().Close();
        Assert.False(Viewed.Record(harness.Recorder, [1, 1, 1], ["q", 1]));
        Assert.False(harness.Recorder.Record("search.results", "clear"));
        Assert.Equal(2, harness.DroppedWithReason("shutdown"));
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public async Task Record_NonFiniteMetadata_ThrowsWhatRecordThrowsAndQueuesNothing(double value)
    {
        await using var harness = await RecorderHarness.StartAsync(startHost: false);

        var generated = Assert.Throws<ArgumentException>(() => Viewed.Record(harness.Recorder, [1, value, null], ["q", 1]));
        var recorded = Assert.Throws<ArgumentException>(() => harness.Recorder.Record("search.results", "view", new TelemetryEventParameters
        {
            Metadata = new Dictionary<string, double> { ["resultCount"] = 1, ["cached"] = value },
        }));

        Assert.Equal(recorded.Message, generated.Message);
        Assert.Contains("'cached' must be a finite number", generated.Message, StringComparison.Ordinal);
        Assert.Equal(0, harness.Counts().Pending);
    }

    [Fact]
    public async Task Record_UnsupportedPrivateMetadataValue_ThrowsWhatRecordThrows()
    {
        await using var harness = await RecorderHarness.StartAsync(startHost: false);
        var value = new Uri("https://example.com/");

        var generated = Assert.Throws<ArgumentException>(() => Viewed.Record(harness.Recorder, [1, 1, 1], [value, 1]));
        var recorded = Assert.Throws<ArgumentException>(() => harness.Recorder.Record("search.results", "view", new TelemetryEventParameters
        {
            PrivateMetadata = new Dictionary<string, object?> { ["query"] = value },
        }));

        Assert.Equal(recorded.Message, generated.Message);
        Assert.Equal(0, harness.Counts().Pending);
    }

    [Fact]
    public async Task Record_ValuesNotOnePerKey_Throws()
    {
        await using var harness = await RecorderHarness.StartAsync(startHost: false);

        Assert.Throws<ArgumentException>("metadata", () => Viewed.Record(harness.Recorder, [1, 1], ["q", 1]));
        Assert.Throws<ArgumentException>("privateMetadata", () => Viewed.Record(harness.Recorder, [1, 1, 1], ["q"]));
        Assert.Throws<ArgumentNullException>("recorder", () => Viewed.Record(null!));
    }

    [Fact]
    public void Constructor_BrokenNameOrKeys_ThrowsOnceWhenTheDefinitionIsCreated()
    {
        var name = Assert.Throws<ArgumentException>("feature", () => new TelemetryEventDefinition("Search", "view"));
        Assert.StartsWith("'feature' must start with a lowercase letter", name.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>("action", () => new TelemetryEventDefinition("search", "v"));
        Assert.Throws<ArgumentException>("metadataKeys", () => new TelemetryEventDefinition("search", "view", metadataKeys: ["a", "a"]));
        Assert.Throws<ArgumentException>("metadataKeys", () => new TelemetryEventDefinition("search", "view", metadataKeys: [""]));
        Assert.Throws<ArgumentException>("privateMetadataKeys", () => new TelemetryEventDefinition("search", "view", privateMetadataKeys: ["q", "q"]));
        Assert.Throws<ArgumentException>("billingCategory", () => new TelemetryEventDefinition("search", "view", billingProduct: "code-search"));
        Assert.Throws<ArgumentException>("billingProduct", () => new TelemetryEventDefinition("search", "view", billingProduct: "", billingCategory: "core"));
    }

    [Fact]
    public void Record_AnotherRecorder_CallsRecordWithTheEquivalentParameters()
    {
        var recorder = new CapturingRecorder();

        Viewed.Record(recorder, [3, null, 0.5], ["q", 2], "interaction-1");
        Cleared.Record(recorder);

        var (feature, action, parameters) = recorder.Calls[0];
        Assert.Equal(("search.results", "view"), (feature, action));
        Assert.NotNull(parameters);
        Assert.Equal(2, parameters.Version);
        Assert.Equal(new Dictionary<string, double> { ["resultCount"] = 3, ["score"] = 0.5 }, parameters.Metadata);
        Assert.Equal(new Dictionary<string, object?> { ["query"] = "q", ["page"] = 2 }, parameters.PrivateMetadata);
        Assert.Equal(("code-search", "core"), (parameters.Billing?.Product, parameters.Billing?.Category));
        Assert.Equal("interaction-1", parameters.InteractionId);
        Assert.Null(parameters.User);
        Assert.Equal(("search.results", "clear", (TelemetryEventParameters?)null), recorder.Calls[1]);
    }

    private static (PendingEvent First, PendingEvent Second) TwoQueued(RecorderHarness harness)
    {
        var queue = harness.Host.Services.GetRequiredService<TelemetryEventQueue>();
        Assert.True(queue.TryRead(out var first));
        Assert.True(queue.TryRead(out var second));
        return (first, second);
    }

    private static void AssertSameEvent(PendingEvent expected, PendingEvent actual)
    {
        Assert.NotEqual(expected.Id, actual.Id);
        Assert.Equal(expected.Timestamp, actual.Timestamp);
        Assert.Equal(expected.Feature, actual.Feature);
        Assert.Equal(expected.Action, actual.Action);
        Assert.Equal(expected.Version, actual.Version);
        Assert.Equal(expected.TraceId, actual.TraceId);
        Assert.Equal(expected.Metadata, actual.Metadata);
        Assert.Equal(expected.PrivateMetadata, actual.PrivateMetadata);
        Assert.Equal((expected.Billing?.Product, expected.Billing?.Category), (actual.Billing?.Product, actual.Billing?.Category));
        Assert.Equal((expected.User?.SamsExternalId, expected.User?.UserId), (actual.User?.SamsExternalId, actual.User?.UserId));
        Assert.Equal(expected.InteractionId, actual.InteractionId);
        Assert.Equal(expected.Client, actual.Client);
        Assert.Equal(expected.FeatureFlags, actual.FeatureFlags);
        Assert.Equal(expected.MarketingTracking, actual.MarketingTracking);
        Assert.Equal(expected.VariableBytesBound(), actual.VariableBytesBound());
    }

    private sealed class UserEnricher : ITelemetryEventEnricher
    {
        public void Enrich(ref TelemetryEventEnrichment enrichment) => enrichment.SamsExternalId = "enriched-user";
    }

    private sealed class CapturingRecorder : ITelemetryRecorder
    {
        public List<(string Feature, string Action, TelemetryEventParameters? Parameters)> Calls { get; } = [];

        public bool Record(string feature, string action, TelemetryEventParameters? parameters = null)
        {
            Calls.Add((feature, action, parameters));
            return true;
        }

        public Task<TelemetryFlushResult> FlushAsync(CancellationToken cancellationToken = default) =>
            Task.FromResult(new TelemetryFlushResult(0, 0, 0));
    }
}
