namespace TelemetryHosting.DevGateway;

/// <content>Event faults: which events of a payload fail (left out of the response, not stored), and the record of them.</content>
public sealed partial class GatewayFaults
{
    /// <summary>
    /// Gets or sets the injection rate of <see cref="GatewayFaultOptions.RejectEvents"/> (0 when it is disabled): that
    /// fraction (0 to 1) of events fails. Setting it enables the fault when above 0, keeps its
    /// <see cref="EventRejectionOptions.Features"/> and starts its count again. Each attempt of an id is rolled afresh
    /// from <see cref="Seed"/>, the id and the attempt number, so a run is reproducible whatever the interleaving of streams.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not between 0 and 1.</exception>
    public double RejectFraction
    {
        get { lock (_lock) { return _options.RejectEvents is { Enabled: true } reject ? reject.InjectionRate : 0; } }
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 0d);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 1d);
            EventRejectionOptions fault;
            lock (_lock)
            {
                fault = (EventRejectionOptions)_options.RejectEvents.Clone();
            }

            fault.Enabled = value > 0;
            fault.InjectionRate = value;
            fault.MaxInjections = null;
            Replace(o => o.RejectEvents, (o, f) => o.RejectEvents = f, fault);
        }
    }

    /// <summary>
    /// Gets or sets a predicate over (feature, action); events it matches always fail (left out of the response, not stored),
    /// besides those of <see cref="GatewayFaultOptions.RejectEvents"/>. Code only; <see langword="null"/> refuses none.
    /// </summary>
    public Func<string, string, bool>? RejectWhen
    {
        get { lock (_lock) { return _rejectWhen; } }
        set { lock (_lock) { _rejectWhen = value; } }
    }

    /// <summary>Gets how many events failed because of <see cref="GatewayFaultOptions.RejectEvents"/> or <see cref="RejectWhen"/>.</summary>
    public int InjectedEventFailures
    {
        get { lock (_lock) { return _injectedEventFailures; } }
    }

    /// <summary>
    /// Gets the ids of the events that failed because of <see cref="GatewayFaultOptions.RejectEvents"/> or
    /// <see cref="RejectWhen"/>, in the order they failed (an id appears once per failed attempt), so that tests can follow
    /// a refused event.
    /// </summary>
    public IReadOnlyList<string> RefusedEventIds
    {
        get { lock (_lock) { return [.. _refusedEventIds]; } }
    }

    internal bool ShouldFail(string id, string feature, string action)
    {
        Func<string, string, bool>? predicate;
        bool failed;
        lock (_lock)
        {
            predicate = _rejectWhen;
            failed = false;
            var reject = _options.RejectEvents;
            if (reject.Enabled && (reject.Features.Count == 0 || reject.Features.Contains(feature)))
            {
                _attempts.TryGetValue(id, out var attempt);
                _attempts[id] = attempt + 1;
                failed = TryInject(o => o.RejectEvents, Roll(_options.Seed, id, attempt));
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
