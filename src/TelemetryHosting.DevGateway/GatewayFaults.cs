namespace TelemetryHosting.DevGateway;

/// <summary>
/// Fault injection of a running <see cref="DevelopmentGateway"/>, changeable at any time from any thread. Starts from
/// <see cref="DevelopmentGatewayOptions.Faults"/>; <see cref="Configure"/> replaces every fault at once, and the members
/// below are shortcuts that replace one fault each.
/// </summary>
public sealed partial class GatewayFaults
{
    private readonly Lock _lock = new();

    // How often each fault object in _options has been injected; a fault replaced starts again from 0.
    private readonly Dictionary<FaultInjectionOptions, int> _injections = new(ReferenceEqualityComparer.Instance);

    // Attempts per event id, so that a retried id gets a fresh (but reproducible) roll of RejectEvents.
    private readonly Dictionary<string, int> _attempts = new(StringComparer.Ordinal);
    private readonly List<string> _refusedEventIds = [];

    // A private copy of the settings. Fault objects in it are replaced, never changed, so that a caller of TryInject may
    // read the one it got outside the lock.
    private GatewayFaultOptions _options = new();
    private Random _random = new(0);
    private Func<string, string, bool>? _rejectWhen;
    private int _injectedEventFailures;

    internal GatewayFaults(GatewayFaultOptions options) => Configure(options);

    /// <summary>
    /// Replaces every fault with <paramref name="options"/> (copied: later changes to it have no effect), as if the gateway
    /// had started with them: injection counts and event attempts start again from 0. <see cref="RejectWhen"/> and the
    /// record of refused events are kept.
    /// </summary>
    /// <param name="options">The faults.</param>
    /// <exception cref="ArgumentException">A setting is out of range; the message names it and its value.</exception>
    public void Configure(GatewayFaultOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        options.Validate(errors);
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid fault options: " + string.Join(" ", errors), nameof(options));
        }

        var copy = options.Clone();
        lock (_lock)
        {
            _options = copy;
            _random = new Random(copy.Seed);
            _injections.Clear();
            _attempts.Clear();
        }
    }

    /// <summary>Gets or sets the seed of every fault's rolls. Setting it also forgets the attempt counts of event ids.</summary>
    public int Seed
    {
        get { lock (_lock) { return _options.Seed; } }
        set
        {
            lock (_lock)
            {
                _options.Seed = value;
                _random = new Random(value);
                _attempts.Clear();
            }
        }
    }

    /// <summary>
    /// Gets or sets the delay before each response (each payload's response on a stream, the unary response), measured by
    /// the gateway's <see cref="TimeProvider"/>: <see cref="GatewayFaultOptions.DelayResponses"/>, enabled for every
    /// response when above zero.
    /// </summary>
    public TimeSpan ResponseDelay
    {
        get { lock (_lock) { return _options.DelayResponses is { Enabled: true } delay ? delay.Delay : TimeSpan.Zero; } }
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            Replace(o => o.DelayResponses, (o, fault) => o.DelayResponses = fault, new ResponseDelayOptions { Enabled = value > TimeSpan.Zero, Delay = value });
        }
    }

    /// <summary>
    /// Gets or sets a value indicating whether every SAMS token is treated as inactive: PermissionDenied "permission
    /// denied" (<see cref="GatewayFaultOptions.RejectTokens"/>, enabled for every check).
    /// </summary>
    public bool RejectTokens
    {
        get { lock (_lock) { return _options.RejectTokens.Enabled; } }
        set => Replace(o => o.RejectTokens, (o, fault) => o.RejectTokens = fault, new FaultInjectionOptions { Enabled = value });
    }

    /// <summary>
    /// Gets or sets a value indicating whether token introspection fails: Internal "unable to validate token"
    /// (<see cref="GatewayFaultOptions.FailTokenIntrospection"/>, enabled for every check).
    /// </summary>
    public bool FailTokenIntrospection
    {
        get { lock (_lock) { return _options.FailTokenIntrospection.Enabled; } }
        set => Replace(o => o.FailTokenIntrospection, (o, fault) => o.FailTokenIntrospection = fault, new FaultInjectionOptions { Enabled = value });
    }

    /// <summary>Removes every fault (as <see cref="Configure"/> with default options), <see cref="RejectWhen"/> and the record of refused events.</summary>
    public void Reset()
    {
        Configure(new GatewayFaultOptions());
        lock (_lock)
        {
            _rejectWhen = null;
            _injectedEventFailures = 0;
            _refusedEventIds.Clear();
        }
    }

    /// <summary>Decides whether the fault <paramref name="select"/> picks is injected on this occasion; see the overload.</summary>
    internal bool TryInject(Func<GatewayFaultOptions, FaultInjectionOptions> select, double? roll = null) =>
        TryInject<FaultInjectionOptions>(select, out _, roll);

    /// <summary>
    /// Decides whether the fault <paramref name="select"/> picks is injected on this occasion: it is enabled, below its
    /// limit, and the roll (<paramref name="roll"/>, else the seeded random) falls under its rate. Counts the injection.
    /// </summary>
    /// <param name="select">Picks the fault from the settings.</param>
    /// <param name="fault">The fault's settings, to read its own parameters from; never changed afterwards.</param>
    /// <param name="roll">A uniform number in [0, 1) to use instead of the seeded random.</param>
    internal bool TryInject<T>(Func<GatewayFaultOptions, T> select, out T fault, double? roll = null)
        where T : FaultInjectionOptions
    {
        lock (_lock)
        {
            fault = select(_options);
            if (!fault.Enabled || Remaining(fault) == 0)
            {
                return false;
            }

            if (fault.InjectionRate < 1 && (roll ?? _random.NextDouble()) >= fault.InjectionRate)
            {
                return false;
            }

            _injections[fault] = _injections.GetValueOrDefault(fault) + 1;
            return true;
        }
    }

    /// <summary>How many more times the fault <paramref name="select"/> picks will be injected: 0 when disabled, <see cref="int.MaxValue"/> without a limit.</summary>
    private int Remaining(Func<GatewayFaultOptions, FaultInjectionOptions> select)
    {
        lock (_lock)
        {
            return Remaining(select(_options));
        }
    }

    // Under _lock.
    private int Remaining(FaultInjectionOptions fault) =>
        !fault.Enabled ? 0
        : fault.MaxInjections is { } max ? Math.Max(0, max - _injections.GetValueOrDefault(fault))
        : int.MaxValue;

    /// <summary>Puts <paramref name="fault"/> in place of the fault <paramref name="select"/> picks; its count starts from 0.</summary>
    private void Replace<T>(Func<GatewayFaultOptions, T> select, Action<GatewayFaultOptions, T> set, T fault)
        where T : FaultInjectionOptions
    {
        var errors = new List<string>();
        fault.Validate(typeof(T).Name, errors);
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(fault));
        }

        lock (_lock)
        {
            _injections.Remove(select(_options));
            set(_options, fault);
        }
    }
}
