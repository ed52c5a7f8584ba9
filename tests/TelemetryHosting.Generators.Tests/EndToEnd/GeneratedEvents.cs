namespace TelemetryHosting.Generators.Tests.EndToEnd;

/// <summary>Events this project declares; the generator, referenced as an analyzer, writes their bodies.</summary>
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

/// <summary>An instance event recorded through the type's field, as [LoggerMessage] logs through an ILogger field.</summary>
internal sealed partial class ExportJob(ITelemetryRecorder telemetry)
{
    public void Run(uint rows) => RecordExported(rows, rows == 0);

    [TelemetryEvent("exports", "succeeded")]
    private partial void RecordExported(ulong rows, bool empty);
}

/// <summary>An optional recorder: while it is null, its events are not recorded.</summary>
internal sealed partial class OptionalTelemetryJob(ITelemetryRecorder? telemetry)
{
    private readonly ITelemetryRecorder? _telemetry = telemetry;

    [TelemetryEvent("jobs", "started")]
    public partial bool RecordStarted(int rows);
}
