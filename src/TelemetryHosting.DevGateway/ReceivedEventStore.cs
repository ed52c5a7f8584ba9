using TelemetryHosting.DevGateway.Internal;

namespace TelemetryHosting.DevGateway;

/// <summary>The events a <see cref="DevelopmentGateway"/> accepted. Thread-safe.</summary>
/// <remarks>
/// Only the newest <see cref="DevelopmentGatewayOptions.MaxStoredEvents"/> events are kept (and, for the events page,
/// the newest refused events, at most that many and at most 1,000); the counts and the set of ids seen cover every event
/// since the start or the last <see cref="Clear"/>.
/// </remarks>
public sealed class ReceivedEventStore
{
    /// <summary>
    /// How many refused events (invalid, failed, oversize) are kept at most, for the page; fewer when
    /// <see cref="DevelopmentGatewayOptions.MaxStoredEvents"/> is smaller. Large ones are kept as a summary
    /// (<see cref="EventPublisher.MaxKeptRefusedEventBytes"/>).
    /// </summary>
    internal const int MaxRefusedEvents = 1000;

    private readonly Lock _lock = new();
    private readonly Ring<ReceivedEvent> _events;
    private readonly Ring<RefusedEvent> _refused;
    private readonly EventStatistics _statistics = new();

    // Ids seen. Canonical UUIDs (lower-case, hyphenated: what every recorder sends) are kept as Guid values, which
    // the garbage collector need not trace; any other id as a string. A string maps to one Guid and back, so
    // membership is exact.
    private readonly HashSet<Guid> _uuidIds = [];
    private readonly HashSet<string> _otherIds = new(StringComparer.Ordinal);
    private readonly List<(int Count, TaskCompletionSource Completion)> _waiters = [];
    private int _count;

    // Invalid, Failed and Oversize: the refused events, by status.
    private EventCounts _refusedCounts;
    private long _sequence;

    internal ReceivedEventStore(int capacity)
    {
        _events = new Ring<ReceivedEvent>(capacity);
        _refused = new Ring<RefusedEvent>(Math.Min(capacity, MaxRefusedEvents));
    }

    /// <summary>Gets how many events were accepted, duplicates included.</summary>
    public int Count
    {
        get { lock (_lock) { return _count; } }
    }

    /// <summary>Gets how many distinct event ids were accepted.</summary>
    public int DistinctCount
    {
        get { lock (_lock) { return DistinctIds; } }
    }

    /// <summary>Gets how many accepted events had an id accepted before (a retried event keeps its id).</summary>
    public int DuplicateCount
    {
        get { lock (_lock) { return _count - DistinctIds; } }
    }

    /// <summary>
    /// Gets how many events were refused as invalid: they failed the gateway's validation (missing id or timestamp, bad
    /// feature or action) or have no JSON form (a kind-less or NaN value in private metadata, a timestamp outside
    /// 0001–9999 or with nanos outside [0, 1e9)), which the real gateway fails when it marshals the event.
    /// </summary>
    public int InvalidCount
    {
        get { lock (_lock) { return _refusedCounts.Invalid; } }
    }

    /// <summary>Gets how many events were dropped for being too large (10,000,000 bytes or more as JSON) yet reported as succeeded.</summary>
    public int OversizeCount
    {
        get { lock (_lock) { return _refusedCounts.Oversize; } }
    }

    /// <summary>Returns the kept events, newest first.</summary>
    /// <returns>A copy; later events do not change it.</returns>
    public IReadOnlyList<ReceivedEvent> Snapshot()
    {
        lock (_lock)
        {
            return _events.Snapshot();
        }
    }

    /// <summary>Returns whether an event with this id was accepted.</summary>
    /// <param name="id">The event id.</param>
    /// <returns><see langword="true"/> when it was accepted at least once.</returns>
    public bool Contains(string id)
    {
        lock (_lock)
        {
            return TryParseCanonicalUuid(id, out var uuid) ? _uuidIds.Contains(uuid) : _otherIds.Contains(id);
        }
    }

    /// <summary>Completes when at least <paramref name="count"/> distinct ids have been accepted.</summary>
    /// <param name="count">The number of distinct ids to wait for.</param>
    /// <param name="cancellationToken">Ends the wait; tests pass a timeout here.</param>
    /// <returns>A task that completes when the count is reached, or is canceled.</returns>
    public Task WaitForDistinctCountAsync(int count, CancellationToken cancellationToken = default)
    {
        TaskCompletionSource completion;
        lock (_lock)
        {
            if (DistinctIds >= count)
            {
                return Task.CompletedTask;
            }

            completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, completion));
        }

        if (!cancellationToken.CanBeCanceled)
        {
            return completion.Task;
        }

        var registration = cancellationToken.Register(() => completion.TrySetCanceled(cancellationToken));
        _ = completion.Task.ContinueWith(_ => registration.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return completion.Task;
    }

    /// <summary>Forgets every event, id and count (refused events and the page's statistics too). Pending waits keep waiting for their count from zero.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _events.Clear();
            _refused.Clear();
            _statistics.Clear();
            _uuidIds.Clear();
            _otherIds.Clear();
            _count = 0;
            _refusedCounts = default;
        }
    }

    /// <summary>Gets how many events fault injection failed since the start or the last <see cref="Clear"/>.</summary>
    internal int FailedCount
    {
        get { lock (_lock) { return _refusedCounts.Failed; } }
    }

    /// <summary>Returns the kept refused events (at most <see cref="MaxRefusedEvents"/>), newest first.</summary>
    internal RefusedEvent[] RefusedSnapshot()
    {
        lock (_lock)
        {
            return _refused.Snapshot();
        }
    }

    /// <summary>Returns every count and both kept lists, read under one lock: they describe the same moment.</summary>
    internal StoreContents Contents()
    {
        lock (_lock)
        {
            return new StoreContents(_count, DistinctIds, _refusedCounts.Invalid, _refusedCounts.Oversize, _refusedCounts.Failed, _events.Snapshot(), _refused.Snapshot());
        }
    }

    /// <summary>Returns the per-second counts of the <paramref name="seconds"/> seconds ending at <paramref name="now"/>, and the counts per feature and action.</summary>
    internal ((long Second, EventCounts Counts)[] PerSecond, KeyValuePair<(string Feature, string Action), EventCounts>[] PerName) Statistics(DateTimeOffset now, int seconds)
    {
        lock (_lock)
        {
            return (_statistics.PerSecond(now, seconds), _statistics.PerName());
        }
    }

    internal void AddRefused(RefusedEvent refused)
    {
        lock (_lock)
        {
            _refusedCounts.Add(refused.Status);
            refused.Sequence = ++_sequence;
            _refused.Add(refused);
            _statistics.Count(refused.ReceivedAt, refused.Event.Feature, refused.Event.Action, refused.Status);
        }
    }

    internal void Add(ReceivedEvent received)
    {
        lock (_lock)
        {
            _count++;
            var isNew = TryParseCanonicalUuid(received.Id, out var uuid) ? _uuidIds.Add(uuid) : _otherIds.Add(received.Id);
            received.IsDuplicate = !isNew;
            received.Sequence = ++_sequence;
            _events.Add(received);
            _statistics.Count(received.ReceivedAt, received.Feature, received.Action, isNew ? EventStatus.Accepted : EventStatus.Duplicate);

            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Count <= DistinctIds || _waiters[i].Completion.Task.IsCompleted)
                {
                    _waiters[i].Completion.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    private int DistinctIds => _uuidIds.Count + _otherIds.Count;

    private static bool TryParseCanonicalUuid(string id, out Guid uuid)
    {
        uuid = default;
        if (id.Length != 36)
        {
            return false;
        }

        for (var i = 0; i < id.Length; i++)
        {
            var c = id[i];
            var valid = i is 8 or 13 or 18 or 23 ? c == '-' : char.IsAsciiDigit(c) || c is >= 'a' and <= 'f';
            if (!valid)
            {
                return false;
            }
        }

        return Guid.TryParseExact(id, "D", out uuid);
    }
}
