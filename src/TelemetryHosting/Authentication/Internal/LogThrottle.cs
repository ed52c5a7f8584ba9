namespace TelemetryHosting.Authentication.Internal;

/// <summary>Lets a recurring problem be logged loudly once per interval instead of on every retry. Thread-safe.</summary>
internal sealed class LogThrottle(TimeProvider timeProvider, TimeSpan interval)
{
    private long _nextTicks = long.MinValue;

    /// <summary>Returns <see langword="true"/> at most once per interval.</summary>
    public bool ShouldLog()
    {
        var now = timeProvider.GetUtcNow().UtcTicks;
        var next = Interlocked.Read(ref _nextTicks);
        return now >= next && Interlocked.CompareExchange(ref _nextTicks, now + interval.Ticks, next) == next;
    }
}
