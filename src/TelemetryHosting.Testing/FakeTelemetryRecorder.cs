using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using TelemetryHosting.Recording.Internal;
using TelemetryHosting.Shared;

namespace TelemetryHosting.Testing;

/// <summary>
/// A telemetry recorder for tests: captures recorded events in memory instead of delivering them, after the same
/// validation as the real telemetry recorder, so a test fails on a name or metadata the gateway would refuse.
/// </summary>
/// <remarks>
/// Register it with <c>services.AddFakeTelemetryRecorder()</c>, which replaces the real telemetry recorder and its
/// delivery worker. The fake is thread-safe: events recorded from requests and background services running in
/// parallel are all captured, in the order their <see cref="Record"/> calls completed.
/// </remarks>
public sealed class FakeTelemetryRecorder : ITelemetryRecorder
{
    private readonly Lock _lock = new();
    private readonly List<RecordedTelemetryEvent> _events = [];
    private readonly List<Waiter> _waiters = [];
    private readonly TimeProvider _timeProvider;
    private long _accepted;

    /// <summary>Creates a fake telemetry recorder that timestamps events with <see cref="TimeProvider.System"/>.</summary>
    public FakeTelemetryRecorder()
        : this(TimeProvider.System)
    {
    }

    /// <summary>Creates a fake telemetry recorder that timestamps events with <paramref name="timeProvider"/>.</summary>
    /// <param name="timeProvider">The clock, for example a <c>FakeTimeProvider</c>.</param>
    public FakeTelemetryRecorder(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _timeProvider = timeProvider;
    }

    /// <summary>
    /// Gets or sets a value indicating whether <see cref="Record"/> accepts events. Set it to <see langword="false"/>
    /// to simulate a full queue or a stopped recorder: <see cref="Record"/> still validates, then returns
    /// <see langword="false"/> and captures nothing. The default value is <see langword="true"/>.
    /// </summary>
    public bool Accepting { get; set; } = true;

    /// <summary>Gets a snapshot of the events captured so far, oldest first.</summary>
    public IReadOnlyList<RecordedTelemetryEvent> Events
    {
        get
        {
            lock (_lock)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>Returns the captured events with this feature and action, oldest first.</summary>
    /// <param name="feature">The event's feature, for example <c>search.results</c>.</param>
    /// <param name="action">The event's action, for example <c>view</c>.</param>
    /// <returns>The matching events; empty when there are none.</returns>
    public IReadOnlyList<RecordedTelemetryEvent> Where(string feature, string action)
    {
        lock (_lock)
        {
            return [.. _events.Where(recorded => Matches(recorded, feature, action))];
        }
    }

    /// <summary>Returns the one captured event with this feature and action.</summary>
    /// <param name="feature">The event's feature, for example <c>search.results</c>.</param>
    /// <param name="action">The event's action, for example <c>view</c>.</param>
    /// <returns>The matching event.</returns>
    /// <exception cref="InvalidOperationException">
    /// There is no such event, or more than one; the message lists every captured event.
    /// </exception>
    [SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "Named after LINQ's Single, which it mirrors.")]
    public RecordedTelemetryEvent Single(string feature, string action)
    {
        lock (_lock)
        {
            var matches = _events.Where(recorded => Matches(recorded, feature, action)).Take(2).ToList();
            if (matches.Count == 1)
            {
                return matches[0];
            }

            var found = matches.Count == 0 ? "none" : "more than one";
            var recorded = _events.Count == 0 ? "no events" : string.Join(", ", _events);
            throw new InvalidOperationException(
                $"Expected exactly one telemetry event {feature}/{action}, but found {found}. Recorded: {recorded}.");
        }
    }

    /// <summary>
    /// Waits until an event with this feature and action has been captured, and returns the first one. Useful for
    /// events recorded by background services.
    /// </summary>
    /// <param name="feature">The event's feature.</param>
    /// <param name="action">The event's action.</param>
    /// <param name="cancellationToken">Stops waiting; pass one with a timeout.</param>
    /// <returns>The first captured event with this feature and action.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    public Task<RecordedTelemetryEvent> WaitForEventAsync(string feature, string action, CancellationToken cancellationToken = default)
    {
        Waiter waiter;
        lock (_lock)
        {
            var existing = _events.Find(recorded => Matches(recorded, feature, action));
            if (existing is not null)
            {
                return Task.FromResult(existing);
            }

            waiter = new Waiter(feature, action);
            _waiters.Add(waiter);
        }

        if (cancellationToken.CanBeCanceled)
        {
            var registration = cancellationToken.Register(() =>
            {
                lock (_lock)
                {
                    _waiters.Remove(waiter);
                }

                waiter.Completion.TrySetCanceled(cancellationToken);
            });
            _ = waiter.Completion.Task.ContinueWith(
                _ => registration.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        return waiter.Completion.Task;
    }

    /// <summary>Forgets every captured event. <see cref="Accepting"/> is left as it is.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _events.Clear();
        }
    }

    /// <summary>
    /// Validates the event as the real telemetry recorder does and, when <see cref="Accepting"/>, captures it.
    /// </summary>
    /// <param name="feature">The feature the event is about.</param>
    /// <param name="action">What happened.</param>
    /// <param name="parameters">Optional metadata, user, client and other details of the event.</param>
    /// <returns><see cref="Accepting"/>.</returns>
    /// <exception cref="ArgumentException">
    /// The same exceptions, with the same messages, as the real telemetry recorder's <see cref="ITelemetryRecorder.Record"/>.
    /// </exception>
    public bool Record(string feature, string action, TelemetryEventParameters? parameters = null)
    {
        Validate(feature, action, parameters);

        // Captured on the caller's thread, as the real telemetry recorder does.
        var traceId = Activity.Current?.TraceId;
        if (!Accepting)
        {
            return false;
        }

        var now = _timeProvider.GetUtcNow();
        var recorded = new RecordedTelemetryEvent(Guid.CreateVersion7(now), feature, action, parameters?.Timestamp ?? now, traceId, parameters);
        List<Waiter>? completed = null;
        lock (_lock)
        {
            _events.Add(recorded);
            _accepted++;
            foreach (var waiter in _waiters)
            {
                if (waiter.Feature == feature && waiter.Action == action)
                {
                    (completed ??= []).Add(waiter);
                }
            }

            if (completed is not null)
            {
                _waiters.RemoveAll(completed.Contains);
            }
        }

        // Continuations run outside the lock.
        completed?.ForEach(waiter => waiter.Completion.TrySetResult(recorded));
        return true;
    }

    /// <summary>
    /// Completes at once: every event the fake accepted since it was created counts as delivered.
    /// </summary>
    /// <param name="cancellationToken">Not used.</param>
    /// <returns>Delivered: the accepted events; nothing failed or pending.</returns>
    public Task<TelemetryFlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(new TelemetryFlushResult(_accepted, 0, 0));
        }
    }

    private static bool Matches(RecordedTelemetryEvent recorded, string feature, string action) =>
        recorded.Feature == feature && recorded.Action == action;

    // The real recorder's own checks (linked source): the fake refuses exactly what the real one refuses.
    private static void Validate(string feature, string action, TelemetryEventParameters? parameters)
    {
        RecordedParameters.ThrowIfInvalidName(feature, action);
        if (parameters is null)
        {
            return;
        }

        _ = RecordedParameters.CopyMetadata(parameters.Metadata);
        if (parameters.PrivateMetadata is { Count: > 0 } privateMetadata)
        {
            PrivateMetadataConverter.ToStruct(privateMetadata);
        }

        _ = RecordedParameters.CopyFlags(parameters.FeatureFlags);
        _ = RecordedParameters.CheckMarketingTracking(parameters.MarketingTracking);
    }

    private sealed class Waiter(string feature, string action)
    {
        public string Feature { get; } = feature;

        public string Action { get; } = action;

        public TaskCompletionSource<RecordedTelemetryEvent> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
