namespace TelemetryHosting.Persistence.Internal;

/// <summary>A segment file whose events were read back into memory; deleted once every one is settled.</summary>
internal sealed class SpillSegment(string path, int eventCount)
{
    public string Path { get; } = path;

    /// <summary>Gets how many events the file holds.</summary>
    public int EventCount { get; } = eventCount;

    /// <summary>Gets or sets how many of the segment's events are not settled yet.</summary>
    public int Unsettled { get; set; } = eventCount;
}
