namespace TelemetryHosting;

/// <summary>
/// Events the tests declare as an application would; the generator, referenced as an analyzer by each test project that
/// links this file, writes their bodies. One method takes every kind of parameter: the generator's end-to-end tests
/// record it into FakeTelemetryRecorder, TelemetryHosting.Tests delivers it over gRPC to the development gateway.
/// </summary>
internal static partial class GeneratedEvents
{
    [TelemetryEvent("search.results", "view", Version = 2, BillingProduct = "code-search", BillingCategory = "core")]
    public static partial bool RecordResultsViewed(
        this ITelemetryRecorder recorder,
        int resultCount,
        bool cached,
        TimeSpan elapsed,
        double? score,
        [PrivateMetadata] string query,
        [PrivateMetadata(Key = "pageNumber")] int page,
        TelemetryEventUser? user = null,
        string? interactionId = null);

    [TelemetryEvent("search.results", "clear", Version = 1)]
    public static partial bool RecordResultsCleared(this ITelemetryRecorder recorder);

    [TelemetryEvent("search", "nullables")]
    public static partial bool RecordNullables(this ITelemetryRecorder recorder, bool? cached, TimeSpan? elapsed, decimal? cost);

    // Parameters named as the generator once named its locals.
    [TelemetryEvent("search", "collision")]
    public static partial bool RecordCollision(this ITelemetryRecorder recorder, [Metadata("metadata")] int __metadata,
        [PrivateMetadata(Key = "privateMetadata")] string __privateMetadata, [PrivateMetadata(Key = "plain")] string metadata);
}
