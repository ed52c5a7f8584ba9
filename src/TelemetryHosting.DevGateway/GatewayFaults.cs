using Grpc.Core;

namespace TelemetryHosting.DevGateway;

/// <summary>
/// Fault injection of a running <see cref="DevelopmentGateway"/>, changeable at any time from any thread.
/// Starts from <see cref="DevelopmentGatewayOptions.Faults"/>.
/// </summary>
public sealed class GatewayFaults
{
    private readonly Lock _lock = new();

    // Attempts per event id, so that a retried id gets a fresh (but reproducible) roll of RejectFraction.
    private readonly Dictionary<string, int> _attempts = new(StringComparer.Ordinal);
    private double _rejectFraction;
    private int _seed;
    private Func<string, string, bool>? _rejectWhen;
    private int _failNextCalls;
    private StatusCode _failCallsStatus = StatusCode.Unavailable;
    private TimeSpan _responseDelay;
    private bool _rejectTokens;
    private bool _failTokenIntrospection;
    private int _abortNextStreams;
    private bool _abortAfterAccepting;
    private int _neverReadNextStreams;
    private int _goAwayNextStreams;
    private readonly List<string> _refusedEventIds = [];
    private int _injectedEventFailures;

    internal GatewayFaults(GatewayFaultOptions options)
    {
        RejectFraction = options.RejectFraction;
        Seed = options.Seed;
        if (options.RejectFeatures.Count > 0)
        {
            var features = new HashSet<string>(options.RejectFeatures, StringComparer.Ordinal);
            RejectWhen = (feature, _) => features.Contains(feature);
        }

        if (options.FailNextCalls > 0)
        {
            FailNextCalls(options.FailNextCalls, options.FailCallsStatus);
        }

        ResponseDelay = options.ResponseDelay;
        RejectTokens = options.RejectTokens;
        FailTokenIntrospection = options.FailTokenIntrospection;
        if (options.AbortNextStreams > 0)
        {
            AbortNextStreams(options.AbortNextStreams);
        }
    }

    /// <summary>
    /// Gets or sets the fraction (0 to 1) of events that fail: their ids are left out of the response and they are not stored.
    /// Each attempt of an id is rolled afresh, so retries eventually succeed; the roll is a hash of
    /// <see cref="Seed"/>, the id and the attempt number, so a run is reproducible whatever the interleaving of streams.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not between 0 and 1.</exception>
    public double RejectFraction
    {
        get { lock (_lock) { return _rejectFraction; } }
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 0d);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 1d);
            lock (_lock) { _rejectFraction = value; }
        }
    }

    /// <summary>Gets or sets the seed of <see cref="RejectFraction"/>'s rolls. Setting it also forgets the attempt counts.</summary>
    public int Seed
    {
        get { lock (_lock) { return _seed; } }
        set
        {
            lock (_lock)
            {
                _seed = value;
                _attempts.Clear();
            }
        }
    }

    /// <summary>
    /// Gets or sets a predicate over (feature, action); events it matches always fail (left out of the response, not stored).
    /// <see langword="null"/> refuses none.
    /// </summary>
    public Func<string, string, bool>? RejectWhen
    {
        get { lock (_lock) { return _rejectWhen; } }
        set { lock (_lock) { _rejectWhen = value; } }
    }

    /// <summary>Gets or sets the delay before each response (each payload's response on a stream, the unary response), measured by the gateway's <see cref="TimeProvider"/>.</summary>
    public TimeSpan ResponseDelay
    {
        get { lock (_lock) { return _responseDelay; } }
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            lock (_lock) { _responseDelay = value; }
        }
    }

    /// <summary>Gets or sets a value indicating whether every SAMS token is treated as inactive: PermissionDenied "permission denied".</summary>
    public bool RejectTokens
    {
        get { lock (_lock) { return _rejectTokens; } }
        set { lock (_lock) { _rejectTokens = value; } }
    }

    /// <summary>Gets or sets a value indicating whether token introspection fails: Internal "unable to validate token".</summary>
    public bool FailTokenIntrospection
    {
        get { lock (_lock) { return _failTokenIntrospection; } }
        set { lock (_lock) { _failTokenIntrospection = value; } }
    }

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

    /// <summary>Gets how many events failed because of <see cref="RejectFraction"/> or <see cref="RejectWhen"/>.</summary>
    public int InjectedEventFailures
    {
        get { lock (_lock) { return _injectedEventFailures; } }
    }

    /// <summary>
    /// Gets the ids of the events that failed because of <see cref="RejectFraction"/> or <see cref="RejectWhen"/>, in
    /// the order they failed (an id appears once per failed attempt), so that tests can follow a refused event.
    /// </summary>
    public IReadOnlyList<string> RefusedEventIds
    {
        get { lock (_lock) { return [.. _refusedEventIds]; } }
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

    /// <summary>Removes every fault: no rejected events, failed calls, delays, token rejections, aborts, hung streams or GOAWAYs.</summary>
    public void Reset()
    {
        lock (_lock)
        {
            _rejectFraction = 0;
            _seed = 0;
            _attempts.Clear();
            _rejectWhen = null;
            _failNextCalls = 0;
            _failCallsStatus = StatusCode.Unavailable;
            _responseDelay = TimeSpan.Zero;
            _rejectTokens = false;
            _failTokenIntrospection = false;
            _abortNextStreams = 0;
            _abortAfterAccepting = false;
            _neverReadNextStreams = 0;
            _goAwayNextStreams = 0;
            _injectedEventFailures = 0;
            _refusedEventIds.Clear();
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

    internal bool ShouldFail(string id, string feature, string action)
    {
        Func<string, string, bool>? predicate;
        bool failed;
        lock (_lock)
        {
            predicate = _rejectWhen;
            failed = false;
            if (_rejectFraction > 0)
            {
                _attempts.TryGetValue(id, out var attempt);
                _attempts[id] = attempt + 1;
                failed = Roll(_seed, id, attempt) < _rejectFraction;
            }
        }

        // The user's predicate runs outside the lock: it may be slow or call back into this object.
        failed = failed || (predicate is not null && predicate(feature, action));
        if (failed)
        {
            lock (_lock)
            {
                _injectedEventFailures++;
                _refusedEventIds.Add(id);
            }
        }

        return failed;
    }

    // A uniform number in [0, 1) from (seed, id, attempt): FNV-1a over the id, then a SplitMix64 finalizer.
    private static double Roll(int seed, string id, int attempt)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in id)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        hash ^= ((ulong)(uint)seed << 32) | (uint)attempt;
        hash += 0x9E3779B97F4A7C15UL;
        hash = (hash ^ (hash >> 30)) * 0xBF58476D1CE4E5B9UL;
        hash = (hash ^ (hash >> 27)) * 0x94D049BB133111EBUL;
        hash ^= hash >> 31;
        return (hash >> 11) * (1.0 / (1UL << 53));
    }
}
