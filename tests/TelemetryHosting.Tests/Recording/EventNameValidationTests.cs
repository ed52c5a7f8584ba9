using TelemetryHosting.Tests.TestSupport;

namespace TelemetryHosting.Tests.Recording;

public sealed class EventNameValidationTests : IAsyncLifetime
{
    private const string BothRequired = "'feature', 'action' must both be provided";
    private const string FeatureTooLong = "'feature' must be less than 64 characters";
    private const string ActionTooLong = "'action' must be less than 64 characters";
    private const string FeaturePattern = "'feature' must start with a lowercase letter and contain only letters, dashes, and dots";
    private const string ActionPattern = "'action' must start with a lowercase letter and contain only letters, dashes, and dots";

    private RecorderHarness _harness = null!;

    public static TheoryData<string, string> ValidNames => new()
    {
        { "search", "view" },
        { "search.results", "view" },
        { "myFeature.subFeature", "succeeded" },
        { "cody.chat-panel", "message-sent" },
        { "ab", "cd" },
        { "a.", "b-" },
        { new string('a', 64), "view" },
        { "search", new string('a', 64) },
        { "search", "viewAll.Results" },
    };

    public static TheoryData<string?, string?, string> InvalidNames => new()
    {
        { "", "view", BothRequired },
        { "search", "", BothRequired },
        { null, "view", BothRequired },
        { "search", null, BothRequired },
        { "", "", BothRequired },
        { new string('a', 65), "view", FeatureTooLong },
        { "search", new string('a', 65), ActionTooLong },
        // Length is counted in UTF-8 bytes and checked before the pattern.
        { "a" + new string('é', 32), "view", FeatureTooLong },
        { new string('a', 65), new string('a', 65), FeatureTooLong },
        { "search", "a" + new string('é', 32), ActionTooLong },
        { "Search", "view", FeaturePattern },
        { "a", "view", FeaturePattern },
        { "search2", "view", FeaturePattern },
        { "search_results", "view", FeaturePattern },
        { "search results", "view", FeaturePattern },
        { ".search", "view", FeaturePattern },
        { "-search", "view", FeaturePattern },
        { "search\n", "view", FeaturePattern },
        { "séarch", "view", FeaturePattern },
        { "search", "View", ActionPattern },
        { "search", "v", ActionPattern },
        { "search", "view1", ActionPattern },
        { "search", "view\n", ActionPattern },
        { "search", "view/all", ActionPattern },
        { "Search", "View", FeaturePattern },
    };

    public async Task InitializeAsync() => _harness = await RecorderHarness.StartAsync(startHost: false);

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Theory]
    [MemberData(nameof(ValidNames))]
    public void Record_ValidName_IsAccepted(string feature, string action)
    {
        Assert.True(_harness.Recorder.Record(feature, action));
    }

    [Theory]
    [MemberData(nameof(InvalidNames))]
    public void Record_InvalidName_ThrowsWithGatewayMessage(string? feature, string? action, string message)
    {
        var exception = Assert.Throws<ArgumentException>(() => _harness.Recorder.Record(feature!, action!));

        Assert.StartsWith(message, exception.Message, StringComparison.Ordinal);
        var expectedParameter = message == BothRequired
            ? string.IsNullOrEmpty(feature) ? "feature" : "action"
            : message.StartsWith("'feature'", StringComparison.Ordinal) ? "feature" : "action";
        Assert.Equal(expectedParameter, exception.ParamName);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void Record_NonFiniteMetadata_Throws(double value)
    {
        var parameters = new TelemetryEventParameters { Metadata = new Dictionary<string, double> { ["count"] = value } };

        var exception = Assert.Throws<ArgumentException>(() => _harness.Recorder.Record("search", "view", parameters));

        Assert.Contains("'count'", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Record_EmptyMetadataKey_Throws()
    {
        var parameters = new TelemetryEventParameters { Metadata = new Dictionary<string, double> { [""] = 1 } };

        Assert.Throws<ArgumentException>(() => _harness.Recorder.Record("search", "view", parameters));
    }

    [Fact]
    public void Record_UnsupportedPrivateMetadataType_ThrowsWithoutRevealingValues()
    {
        var parameters = new TelemetryEventParameters
        {
            PrivateMetadata = new Dictionary<string, object?>
            {
                ["query"] = "secret-query-text",
                ["nested"] = new Dictionary<string, object?> { ["bad"] = new Uri("https://secret.example/path") },
            },
        };

        var exception = Assert.Throws<ArgumentException>(() => _harness.Recorder.Record("search", "view", parameters));

        Assert.Equal(
            "Private metadata value at 'privateMetadata.nested.<key>' has unsupported type System.Uri; use strings, numbers, booleans, null, dictionaries or lists.",
            exception.Message);
        Assert.DoesNotContain("secret", exception.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Record_UnsupportedValueUnderANestedKey_DoesNotQuoteTheNestedKeys()
    {
        // Nested keys are data (a map keyed by e-mail address): only the top-level key, which the developer chose, is named.
        var parameters = new TelemetryEventParameters
        {
            PrivateMetadata = new Dictionary<string, object?>
            {
                ["m"] = new Dictionary<string, object?>
                {
                    ["alice@example.com"] = new Dictionary<string, object?> { ["bob@example.com"] = new List<object?> { "x", new Uri("https://example.com") } },
                    ["carol@example.com"] = new Dictionary<string, object?> { [""] = 1 },
                },
            },
        };

        var exception = Assert.Throws<ArgumentException>(() => _harness.Recorder.Record("search", "view", parameters));

        Assert.Equal(
            "Private metadata value at 'privateMetadata.m.<key>.<key>[1]' has unsupported type System.Uri; use strings, numbers, booleans, null, dictionaries or lists.",
            exception.Message);
        Assert.DoesNotContain("example.com", exception.Message, StringComparison.Ordinal);

        var emptyKey = new TelemetryEventParameters
        {
            PrivateMetadata = new Dictionary<string, object?>
            {
                ["m"] = new Dictionary<string, object?> { ["carol@example.com"] = new Dictionary<string, object?> { [""] = 1 } },
            },
        };
        exception = Assert.Throws<ArgumentException>(() => _harness.Recorder.Record("search", "view", emptyKey));
        Assert.Equal("Private metadata keys must not be empty (in 'privateMetadata.m.<key>').", exception.Message);
    }

    [Fact]
    public void Record_NonFiniteNumberInAPrivateMetadataList_NamesItsIndex()
    {
        var parameters = new TelemetryEventParameters
        {
            PrivateMetadata = new Dictionary<string, object?>
            {
                ["nested"] = new Dictionary<string, object?> { ["scores"] = new List<object?> { 1.0, double.NaN } },
            },
        };

        var exception = Assert.Throws<ArgumentException>(() => _harness.Recorder.Record("search", "view", parameters));

        Assert.Equal("Private metadata number at 'privateMetadata.nested.<key>[1]' must be finite.", exception.Message);
    }

    public static TheoryData<string, TelemetryMarketingTracking, string> InvalidMarketingTracking => new()
    {
        {
            "a URL one character too long",
            new TelemetryMarketingTracking { Url = "https://example.com/" + new string('a', 2_029) },
            "Marketing tracking Url must be at most 2048 characters long, but is 2049."
        },
        {
            "the last field far too long",
            new TelemetryMarketingTracking { CohortId = "c", SessionFirstUrl = new string('x', 10_000) },
            "Marketing tracking SessionFirstUrl must be at most 2048 characters long, but is 10000."
        },
        {
            "a lone high surrogate at the end",
            new TelemetryMarketingTracking { Referrer = "https://example.com/\uD83C" },
            "Marketing tracking Referrer is not valid UTF-16: it has a lone surrogate at index 20."
        },
        {
            "a lone low surrogate after a pair",
            new TelemetryMarketingTracking { DeviceSessionId = "🎉\uDF89x" },
            "Marketing tracking DeviceSessionId is not valid UTF-16: it has a lone surrogate at index 2."
        },
        {
            "two high surrogates",
            new TelemetryMarketingTracking { FirstSourceUrl = "a\uD83C\uD83C\uDF89" },
            "Marketing tracking FirstSourceUrl is not valid UTF-16: it has a lone surrogate at index 1."
        },
    };

    [Theory]
    [MemberData(nameof(InvalidMarketingTracking))]
    public void Record_InvalidMarketingTracking_ThrowsNamingTheField(string scenario, TelemetryMarketingTracking tracking, string message)
    {
        var parameters = new TelemetryEventParameters { MarketingTracking = tracking };

        var exception = Assert.Throws<ArgumentException>(() => _harness.Recorder.Record("search", "view", parameters));

        Assert.True(message == exception.Message, $"{scenario}: '{exception.Message}'");
        Assert.Equal(0, _harness.Counts().Pending);
    }

    [Fact]
    public void Record_MarketingTrackingAtTheLimits_IsAccepted()
    {
        var parameters = new TelemetryEventParameters
        {
            MarketingTracking = new TelemetryMarketingTracking
            {
                Url = new string('u', 2_048),
                FirstSourceUrl = string.Empty,
                Referrer = "https://example.com/🎉" + new string('r', 2_048 - 22),
                CohortId = "🎉",
            },
        };

        Assert.True(_harness.Recorder.Record("search", "view", parameters));
        Assert.Equal(1, _harness.Counts().Pending);
    }

    [Fact]
    public void Record_InvalidEvent_IsNotQueued()
    {
        Assert.Throws<ArgumentException>(() => _harness.Recorder.Record("Bad", "view"));
        Assert.Equal(0, _harness.Counts().Pending);
        Assert.True(_harness.Recorder.Record("good", "view"));

        // The host is not started: a queued event stays pending, so the refused one was never queued.
        Assert.Equal(1, _harness.Counts().Pending);
        Assert.Empty(_harness.Dropped.GetMeasurementSnapshot());
    }
}
