namespace TelemetryHosting.Generators.Tests.EndToEnd;

/// <summary>An instance event recorded through the type's field, as [LoggerMessage] logs through an ILogger field.</summary>
internal sealed partial class ExportJob(ITelemetryRecorder telemetry)
{
    public void Run(uint rows) => RecordExported(rows, rows == 0);

    [TelemetryEvent("exports", "succeeded")]
    private partial void RecordExported(ulong rows, bool empty);
}
