namespace TelemetryHosting.DevGateway.Internal;

/// <summary>The store's counts and kept events, all read at one moment (under one lock), so that they agree.</summary>
/// <param name="Count">Accepted events, duplicates included.</param>
/// <param name="DistinctCount">Distinct accepted ids.</param>
/// <param name="InvalidCount">Events refused as invalid.</param>
/// <param name="OversizeCount">Events dropped as oversize.</param>
/// <param name="FailedCount">Events failed by fault injection.</param>
/// <param name="Events">The kept events, newest first.</param>
/// <param name="Refused">The kept refused events, newest first.</param>
internal readonly record struct StoreContents(
    int Count,
    int DistinctCount,
    int InvalidCount,
    int OversizeCount,
    int FailedCount,
    IReadOnlyList<ReceivedEvent> Events,
    RefusedEvent[] Refused)
{
    /// <summary>Gets the accepted events whose id was accepted before.</summary>
    public int DuplicateCount => Count - DistinctCount;
}
