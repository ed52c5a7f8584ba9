using Microsoft.Extensions.Time.Testing;

namespace TelemetryHosting.ModelTests;

/// <summary>
/// A fake clock whose wall clock (<see cref="GetUtcNow"/>) can step back or forward, as an NTP correction or a person
/// setting the date does, while the monotonic clock (<see cref="GetTimestamp"/>) and the timers only ever move forward
/// with the underlying <see cref="FakeTimeProvider"/>.
/// </summary>
internal sealed class SteppableTimeProvider(FakeTimeProvider inner) : TimeProvider
{
    private long _offsetTicks;
    private long _reads;

    public FakeTimeProvider Inner { get; } = inner;

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override long TimestampFrequency => Inner.TimestampFrequency;

    /// <summary>Gets how many times the clock was read (a worker that spins reads it hundreds of thousands of times a second).</summary>
    public long Reads => Interlocked.Read(ref _reads);

    public override DateTimeOffset GetUtcNow()
    {
        Interlocked.Increment(ref _reads);
        return Inner.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));
    }

    public override long GetTimestamp()
    {
        Interlocked.Increment(ref _reads);
        return Inner.GetTimestamp();
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        Inner.CreateTimer(callback, state, dueTime, period);

    /// <summary>Gets how far the wall clock was stepped away from the monotonic clock's time.</summary>
    public TimeSpan WallClockOffset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    /// <summary>Moves the wall clock alone by <paramref name="delta"/>, which may be negative.</summary>
    public void StepWallClock(TimeSpan delta) => Interlocked.Add(ref _offsetTicks, delta.Ticks);
}
