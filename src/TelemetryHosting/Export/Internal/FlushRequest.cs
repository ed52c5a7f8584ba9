namespace TelemetryHosting.Export.Internal;

/// <summary>
/// Queued behind the events recorded before a flush call; the worker completes it once every event ahead of
/// it has been delivered, given up or written to disk.
/// </summary>
internal sealed class FlushRequest : QueueEntry
{
    private readonly TaskCompletionSource _settled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _taken;

    /// <summary>Gets or sets the worker's sequence number of the last event queued ahead of this request.</summary>
    public long LastSequence { get; set; }

    /// <summary>Gets or sets a value indicating whether a reader has taken the request from the queue.</summary>
    public bool IsTaken { get => _taken; set => _taken = value; }

    public Task Settled => _settled.Task;

    public void Complete() => _settled.TrySetResult();
}
