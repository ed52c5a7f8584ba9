namespace TelemetryHosting.Export.Internal;

/// <summary>
/// The flush requests the worker has taken from the queue, each waiting until no event queued ahead of it is
/// unsettled. The worker stops filling its batch at a flush request, so that events queued behind it do not delay it.
/// </summary>
internal sealed class PendingFlushes
{
    private readonly List<FlushRequest> _flushes = [];

    public bool Any => _flushes.Count > 0;

    /// <param name="request">The request.</param>
    /// <param name="lastSequence">The sequence number of the last event taken before it (all of them are ahead of it).</param>
    public void Add(FlushRequest request, long lastSequence)
    {
        request.LastSequence = lastSequence;
        _flushes.Add(request);
    }

    /// <summary>Completes the requests that no event older than <paramref name="oldestUnsettled"/> is queued ahead of.</summary>
    public void SettleBefore(long oldestUnsettled) =>
        _flushes.RemoveAll(flush =>
        {
            if (flush.LastSequence >= oldestUnsettled)
            {
                return false;
            }

            flush.Complete();
            return true;
        });

    /// <summary>Completes every request: the worker has stopped, and what it could not settle is counted.</summary>
    public void CompleteAll()
    {
        foreach (var flush in _flushes)
        {
            flush.Complete();
        }

        _flushes.Clear();
    }
}
