namespace TelemetryHosting.Diagnostics.Internal;

/// <summary>
/// Lets a recurring problem be logged once per interval instead of on every occurrence, counting what it held
/// back in between. Thread-safe.
/// </summary>
internal sealed class LogThrottle(TimeProvider timeProvider, TimeSpan interval)
{
    // On the monotonic clock, in its own ticks.
    private readonly long _interval = (long)(interval.TotalSeconds * timeProvider.TimestampFrequency);

    private long _nextTicks = long.MinValue;
    private int _suppressed;

    /// <summary>Returns <see langword="true"/> at most once per interval.</summary>
    public bool ShouldLog() => ShouldLog(out _);

    /// <summary>Returns <see langword="true"/> at most once per interval, with how many occurrences were held back since the last one logged.</summary>
    public bool ShouldLog(out int suppressed)
    {
        var now = timeProvider.GetTimestamp();
        var next = Interlocked.Read(ref _nextTicks);
        if (now >= next && Interlocked.CompareExchange(ref _nextTicks, now + _interval, next) == next)
        {
            suppressed = Interlocked.Exchange(ref _suppressed, 0);
            return true;
        }

        Interlocked.Increment(ref _suppressed);
        suppressed = 0;
        return false;
    }

    /// <summary>Lets the next occurrence be logged at once: the problem went away.</summary>
    public void Reset()
    {
        Interlocked.Exchange(ref _nextTicks, long.MinValue);
        Interlocked.Exchange(ref _suppressed, 0);
    }
}
