using OpenTelemetry;
using OpenTelemetry.Logs;

namespace TelemetryHosting.Benchmarks.Support;

/// <summary>An OpenTelemetry log exporter that accepts every batch and sends nothing.</summary>
public sealed class NoopLogExporter : BaseExporter<LogRecord>
{
    public long Exported { get; private set; }

    public override ExportResult Export(in Batch<LogRecord> batch)
    {
        Exported += batch.Count;
        return ExportResult.Success;
    }
}
