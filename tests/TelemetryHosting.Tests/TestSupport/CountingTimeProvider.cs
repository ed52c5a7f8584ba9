namespace TelemetryHosting.Tests.TestSupport;

/// <summary>The system clock, counting how often it is read: a worker that spins reads it hundreds of thousands of times a second.</summary>
internal sealed class CountingTimeProvider : TimeProvider
{
    private long _reads;

    /// <summary>Gets how many times the wall clock or the monotonic clock was read.</summary>
    public long Reads => Interlocked.Read(ref _reads);

    public override DateTimeOffset GetUtcNow()
    {
        Interlocked.Increment(ref _reads);
        return base.GetUtcNow();
    }

    public override long GetTimestamp()
    {
        Interlocked.Increment(ref _reads);
        return base.GetTimestamp();
    }
}
