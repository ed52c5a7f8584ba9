namespace TelemetryHosting.Diagnostics.Internal;

/// <summary>The most recent dropped events, for the health check.</summary>
internal sealed class DropHistory(TimeProvider timeProvider)
{
    private LastDrop? _last;

    public LastDrop? Last => Volatile.Read(ref _last);

    public void Record(string reason, long count) => Volatile.Write(ref _last, new LastDrop(reason, count, timeProvider.GetTimestamp()));

    /// <summary>One report of dropped events, with when it was made as a monotonic timestamp.</summary>
    public sealed record LastDrop(string Reason, long Count, long At);
}
