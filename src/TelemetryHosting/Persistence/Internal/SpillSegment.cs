namespace TelemetryHosting.Persistence.Internal;

/// <summary>A segment file whose events were read back into memory; deleted once every one is settled.</summary>
internal sealed class SpillSegment(string path, int eventCount)
{
    public string Path { get; } = path;

    public int EventCount { get; } = eventCount;

    public int Unsettled { get; set; } = eventCount;
}
