using Grpc.Core;

namespace TelemetryHosting.DevGateway;

/// <summary>
/// Fault injection of a running <see cref="DevelopmentGateway"/>, changeable at any time from any thread.
/// Starts from <see cref="DevelopmentGatewayOptions.Faults"/>.
/// </summary>
public sealed partial class GatewayFaults
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
}
