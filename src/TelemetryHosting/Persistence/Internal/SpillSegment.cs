namespace TelemetryHosting.Persistence.Internal;

/// <summary>A segment file being replayed; deleted once every event from it is settled.</summary>
internal sealed class SpillSegment(string path, int eventCount)
{
    public string Path { get; } = path;

    /// <summary>Gets or sets how many of the segment's events are not settled yet.</summary>
    public int Unsettled { get; set; } = eventCount;
}
