namespace TelemetryHosting.DevGateway.Internal;

/// <summary>How many received events had each <see cref="EventStatus"/>.</summary>
internal struct EventCounts
{
    public int Accepted;
    public int Duplicates;
    public int Invalid;
    public int Failed;
    public int Oversize;

    /// <summary>Gets the events not published: invalid, failed by fault injection, or oversize.</summary>
    public readonly int Refused => Invalid + Failed + Oversize;

    public void Add(EventStatus status)
    {
        switch (status)
        {
            case EventStatus.Accepted: Accepted++; break;
            case EventStatus.Duplicate: Duplicates++; break;
            case EventStatus.Invalid: Invalid++; break;
            case EventStatus.Failed: Failed++; break;
            default: Oversize++; break;
        }
    }
}
