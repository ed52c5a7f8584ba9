using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;

namespace TelemetryHosting.Tests.TestSupport;

/// <summary>
/// A <see cref="FakeTimeProvider"/> whose wall clock (<see cref="GetUtcNow"/>) can be set apart from its monotonic
/// clock (<see cref="GetTimestamp"/>), as when the system clock is corrected; records the due time of every timer armed.
/// </summary>
internal sealed class SteppingWallClock(FakeTimeProvider inner) : TimeProvider
{
    private readonly ConcurrentQueue<TimeSpan> _armed = new();
    private long _wallOffsetTicks;

    public FakeTimeProvider Inner { get; } = inner;

    public TimeSpan WallOffset
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _wallOffsetTicks));
        set => Interlocked.Exchange(ref _wallOffsetTicks, value.Ticks);
    }

    /// <summary>Gets the due time of every timer armed so far, in order.</summary>
    public IReadOnlyCollection<TimeSpan> ArmedTimers => _armed;

    public override TimeZoneInfo LocalTimeZone => Inner.LocalTimeZone;

    public override long TimestampFrequency => Inner.TimestampFrequency;

    public override DateTimeOffset GetUtcNow() => Inner.GetUtcNow() + WallOffset;

    public override long GetTimestamp() => Inner.GetTimestamp();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        _armed.Enqueue(dueTime);
        return Inner.CreateTimer(callback, state, dueTime, period);
    }
}
