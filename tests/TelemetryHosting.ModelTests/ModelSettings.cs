namespace TelemetryHosting.ModelTests;

/// <summary>The options one sequence runs with: small queues and batches, so that limits are reached in a few steps.</summary>
internal sealed record ModelSettings(
    int QueueCapacity,
    int MaxBatchSize,
    TimeSpan RetryDelay,
    int MaxEventAttempts,
    bool Persistence,
    bool DiskFull,
    bool StartHost)
{
    public override string ToString() =>
        $"QueueCapacity={QueueCapacity}, MaxBatchSize={MaxBatchSize}, RetryDelay={RetryDelay.TotalMilliseconds}ms, " +
        $"MaxEventAttempts={MaxEventAttempts}, Persistence={(Persistence ? DiskFull ? "on, disk full (MaxBytes=1024)" : "on" : "off")}, " +
        $"host {(StartHost ? "started" : "built, not started")}";
}
