namespace TelemetryHosting.Resilience.Internal;

/// <summary>
/// The application's clock for the export pipeline, whose "now" follows the monotonic clock from the moment it was
/// made: Polly times a circuit's break from <c>GetUtcNow</c>, which a wall-clock step (NTP, a restored VM) would
/// otherwise lengthen or cut short. Timers and timestamps are the application's own.
/// </summary>
internal sealed class MonotonicClock(TimeProvider inner) : TimeProvider
{
    private readonly DateTimeOffset _origin = inner.GetUtcNow();
    private readonly long _start = inner.GetTimestamp();

    public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

    public override long TimestampFrequency => inner.TimestampFrequency;

    public override DateTimeOffset GetUtcNow() => _origin + inner.GetElapsedTime(_start);

    public override long GetTimestamp() => inner.GetTimestamp();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        inner.CreateTimer(callback, state, dueTime, period);
}
