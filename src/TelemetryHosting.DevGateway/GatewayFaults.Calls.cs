using Grpc.Core;

namespace TelemetryHosting.DevGateway;

/// <content>Call and stream faults: calls that fail at once, streams aborted, hung or closed with GOAWAY, each for a counted number of occurrences.</content>
public sealed partial class GatewayFaults
{
    /// <summary>Gets how many of the calls announced by <see cref="FailNextCalls"/> are still to fail.</summary>
    public int PendingCallFailures
    {
        get { lock (_lock) { return _failNextCalls; } }
    }

    /// <summary>Gets how many of the streams announced by <see cref="AbortNextStreams"/> are still to be aborted.</summary>
    public int PendingStreamAborts
    {
        get { lock (_lock) { return _abortNextStreams; } }
    }

    /// <summary>Gets how many of the streams announced by <see cref="NeverReadNextStreams"/> are still to hang.</summary>
    public int PendingNeverReadStreams
    {
        get { lock (_lock) { return _neverReadNextStreams; } }
    }

    /// <summary>Gets how many of the streams announced by <see cref="GoAwayNextStreams"/> are still to send GOAWAY.</summary>
    public int PendingGoAways
    {
        get { lock (_lock) { return _goAwayNextStreams; } }
    }

    /// <summary>Makes the next <paramref name="count"/> calls (streams or unary) fail at once with <paramref name="code"/>.</summary>
    /// <param name="count">How many calls fail; 0 cancels an earlier announcement.</param>
    /// <param name="code">The status code they fail with.</param>
    public void FailNextCalls(int count, StatusCode code = StatusCode.Unavailable)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        lock (_lock)
        {
            _failNextCalls = count;
            _failCallsStatus = code;
        }
    }

    /// <summary>
    /// Aborts the next <paramref name="count"/> RecordEvents streams abruptly (HTTP/2 stream reset) when their first events
    /// payload arrives, before it is answered.
    /// </summary>
    /// <param name="count">How many streams are aborted; 0 cancels an earlier announcement.</param>
    /// <param name="acceptEventsFirst">
    /// <see langword="true"/> to store that payload's events before aborting (the client never learns they arrived, so a
    /// retry produces duplicates); <see langword="false"/> to drop them.
    /// </param>
    public void AbortNextStreams(int count, bool acceptEventsFirst = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        lock (_lock)
        {
            _abortNextStreams = count;
            _abortAfterAccepting = acceptEventsFirst;
        }
    }

    /// <summary>
    /// Makes the next <paramref name="count"/> RecordEvents streams hang: accepted, never read, never answered, until the
    /// client cancels them or the gateway stops (a deadlocked server). The client's writes stall once the HTTP/2
    /// stream's flow-control window is used up.
    /// </summary>
    /// <param name="count">How many streams hang; 0 cancels an earlier announcement.</param>
    public void NeverReadNextStreams(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        lock (_lock)
        {
            _neverReadNextStreams = count;
        }
    }

    /// <summary>
    /// Makes the connections of the next <paramref name="count"/> RecordEvents streams close gracefully when their first
    /// events payload arrives (HTTP/2 GOAWAY while the stream is open, as when a server is drained): that stream is still
    /// served, new streams need a new connection.
    /// </summary>
    /// <param name="count">How many streams' connections are closed; 0 cancels an earlier announcement.</param>
    public void GoAwayNextStreams(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        lock (_lock)
        {
            _goAwayNextStreams = count;
        }
    }

    internal bool TryTakeCallFailure(out StatusCode code)
    {
        lock (_lock)
        {
            code = _failCallsStatus;
            return TryTake(ref _failNextCalls);
        }
    }

    internal bool TryTakeStreamAbort(out bool acceptEventsFirst)
    {
        lock (_lock)
        {
            acceptEventsFirst = _abortAfterAccepting;
            return TryTake(ref _abortNextStreams);
        }
    }

    internal bool TryTakeNeverRead()
    {
        lock (_lock)
        {
            return TryTake(ref _neverReadNextStreams);
        }
    }

    internal bool TryTakeGoAway()
    {
        lock (_lock)
        {
            return TryTake(ref _goAwayNextStreams);
        }
    }

    /// <summary>Uses one of a fault's remaining occurrences, if any; under the lock.</summary>
    private static bool TryTake(ref int remaining)
    {
        if (remaining == 0)
        {
            return false;
        }

        remaining--;
        return true;
    }
}
