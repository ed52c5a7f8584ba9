namespace TelemetryHosting.Generators.Tests.EndToEnd;

/// <summary>An optional recorder: while it is null, its events are not recorded.</summary>
internal sealed partial class OptionalTelemetryJob(ITelemetryRecorder? telemetry)
{
    private readonly ITelemetryRecorder? _telemetry = telemetry;

    [TelemetryEvent("jobs", "started")]
    public partial bool RecordStarted(int rows);
}

/// <summary>An extension method on an optional recorder: on a null receiver, the event is not recorded.</summary>
internal static partial class OptionalTelemetryEvents
{
    [TelemetryEvent("jobs", "finished")]
    public static partial bool RecordFinished(this ITelemetryRecorder? recorder, int rows);
}
