namespace TelemetryHosting.Export.Internal;

/// <summary>
/// The flushes waiting, each until every event up to its sequence mark is settled (delivered, given up, or on disk).
/// They wait only while a worker runs: before it starts and once it has stopped no one would settle them (and a host's
/// start may be waiting on one), so they complete at once.
/// </summary>
internal sealed class FlushMarks
{
    private readonly Lock _lock = new();
    private readonly Queue<(long Mark, TaskCompletionSource Settled)> _waiting = new();
    private (long Mark, TaskCompletionSource Settled) _newest;
    private bool _workerRuns;
    private bool _workerStopped;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>Gets the highest mark waited for, or 0 when no flush waits.</summary>
    public long HighestMark
    {
        get
        {
            lock (_lock)
            {
                return _waiting.Count == 0 ? 0 : _newest.Mark;
            }
        }
    }

    public Task Add(long mark)
    {
        lock (_lock)
        {
            if (!_workerRuns)
            {
                return Task.CompletedTask;
            }

            // Flushes with nothing accepted between them share one wait: at most one more wait than events. A mark read
            // before another caller's higher one (racing callers) shares that one: the marks stay in order.
            if (_waiting.Count > 0 && _newest.Mark >= mark)
            {
                return _newest.Settled.Task;
            }

            _newest = (mark, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            _waiting.Enqueue(_newest);
            return _newest.Settled.Task;
        }
    }

    /// <summary>Flushes wait for the worker from now on, unless it has stopped already: it never runs again.</summary>
    public void WorkerStarted()
    {
        lock (_lock)
        {
            _workerRuns = !_workerStopped;
        }
    }

    public void CompleteThrough(long settledThrough)
    {
        lock (_lock)
        {
            while (_waiting.TryPeek(out var first) && first.Mark <= settledThrough)
            {
                _waiting.Dequeue().Settled.TrySetResult();
            }
        }
    }

    /// <summary>The worker has stopped and counted what it could not settle: every flush completes, now and later.</summary>
    public void WorkerStopped()
    {
        lock (_lock)
        {
            _workerRuns = false;
            _workerStopped = true;
            while (_waiting.TryDequeue(out var flush))
            {
                flush.Settled.TrySetResult();
            }
        }
    }
}
