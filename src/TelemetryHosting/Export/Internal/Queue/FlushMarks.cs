namespace TelemetryHosting.Export.Internal;

/// <summary>
/// The flushes waiting, each on a sequence mark: it completes once every event numbered up to its mark is settled
/// (delivered, given up, or on disk). A flush is not a queue entry: intake and exports go on while it waits.
/// </summary>
/// <remarks>
/// Flushes wait only while a worker runs. Before the worker starts, and once it has stopped, a flush completes at once
/// with what is pending: no one would settle it, and a host's start may be waiting on it.
/// </remarks>
internal sealed class FlushMarks
{
    private readonly Lock _lock = new();
    private readonly Queue<(long Mark, TaskCompletionSource Settled)> _waiting = new();
    private (long Mark, TaskCompletionSource Settled) _newest;
    private bool _workerRuns;
    private bool _workerStopped;

    /// <summary>Gets how many waits there are (flushes with nothing accepted between them share one).</summary>
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

    /// <returns>A task completing once every event up to <paramref name="mark"/> is settled (at once if no worker runs).</returns>
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

    /// <summary>The worker runs: flushes wait for it from now on (unless it has stopped already: it never runs again).</summary>
    public void WorkerStarted()
    {
        lock (_lock)
        {
            _workerRuns = !_workerStopped;
        }
    }

    /// <summary>Completes the flushes whose events are all settled: every event up to <paramref name="settledThrough"/>.</summary>
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
