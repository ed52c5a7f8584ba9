namespace TelemetryHosting.Export.Internal;

/// <summary>
/// Queued behind the events recorded before a flush call; the worker completes it once every event ahead of
/// it has been delivered or given up.
/// </summary>
internal sealed class FlushRequest : QueueEntry
{
    private readonly TaskCompletionSource _settled = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Gets or sets the worker's sequence number of the last event queued ahead of this request.</summary>
    public long LastSequence { get; set; }

    public Task Settled => _settled.Task;

    public void Complete() => _settled.TrySetResult();
}
