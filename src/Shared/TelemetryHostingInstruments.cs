// Linked into TelemetryHosting and TelemetryHosting.AspNetCore, whose instruments share one meter, and into the test
// projects that do not see TelemetryHosting's internals: every instrument's name is written here once.
namespace TelemetryHosting.Shared;

/// <summary>
/// The library's meter, the names of its instruments and their tag keys. docs/operations.md documents each instrument;
/// a test checks the page against the instruments the meter publishes.
/// </summary>
internal static class TelemetryHostingInstruments
{
    /// <summary>The meter's name, the package's; the ASP.NET Core package's instruments are on it too.</summary>
    public const string MeterName = "TelemetryHosting";

    public const string EventsRecorded = "telemetryhosting.events.recorded";
    public const string EventsExported = "telemetryhosting.events.exported";
    public const string EventsDropped = "telemetryhosting.events.dropped";
    public const string ExportFailures = "telemetryhosting.export.failures";
    public const string ExportDuration = "telemetryhosting.export.duration";
    public const string ExportBatchSize = "telemetryhosting.export.batch.size";
    public const string QueueDepth = "telemetryhosting.queue.depth";
    public const string AuthFailures = "telemetryhosting.auth.failures";
    public const string InteractionIdIgnored = "telemetryhosting.interaction_id.ignored";
    public const string SpillEventsWritten = "telemetryhosting.spill.events.written";
    public const string SpillEventsReplayed = "telemetryhosting.spill.events.replayed";
    public const string SpillFilesCorrupt = "telemetryhosting.spill.files.corrupt";
    public const string SpillFiles = "telemetryhosting.spill.files";
    public const string SpillSize = "telemetryhosting.spill.size";

    /// <summary>The tag of dropped events, authentication failures and ignored interaction ids: why.</summary>
    public const string ReasonTag = "reason";

    /// <summary>The tag of failed exports: the gRPC status's number, as OpenTelemetry's RPC conventions give it.</summary>
    public const string StatusTag = "rpc.grpc.status_code";
}
