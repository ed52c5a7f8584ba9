namespace TelemetryHosting.ModelTests;

/// <summary>What a step of a model-based sequence does.</summary>
internal enum StepKind
{
    /// <summary>Record <see cref="Step.Count"/> small events.</summary>
    RecordSmall,

    /// <summary>Record <see cref="Step.Count"/> events of about 40 KB each (private metadata).</summary>
    RecordLarge,

    /// <summary>Record <see cref="Step.Count"/> events with a little private metadata.</summary>
    RecordPrivate,

    /// <summary>Flush with an already cancelled token: the counts, at once.</summary>
    FlushCancelled,

    /// <summary>Flush with a token that fires after <see cref="Step.Time"/> of real time.</summary>
    FlushBounded,

    /// <summary>Flush with no token, left running: it must end once its events are settled, or at stop.</summary>
    FlushNoToken,

    /// <summary>Advance the fake clock (monotonic and wall clock together) by <see cref="Step.Time"/>, in small steps.</summary>
    Advance,

    /// <summary>Step the wall clock alone by <see cref="Step.Time"/> (possibly negative).</summary>
    StepWallClock,

    /// <summary>The gateway acknowledges everything again (every fault removed).</summary>
    GatewayHealthy,

    /// <summary>The gateway leaves about half of the events of each export out of its acknowledgements.</summary>
    GatewayLeavesOut,

    /// <summary>The next <see cref="Step.Count"/> calls fail with Unavailable.</summary>
    GatewayUnavailable,

    /// <summary>The next <see cref="Step.Count"/> streams hang (never read, never answered) until the attempt timeout.</summary>
    GatewayHangs,

    /// <summary>The next <see cref="Step.Count"/> calls fail with ResourceExhausted (the development gateway has no 413).</summary>
    GatewayTooLarge,

    /// <summary>The next call fails with Unauthenticated once.</summary>
    GatewayUnauthenticatedOnce,

    /// <summary>Start the host if it was built but not started.</summary>
    Start,

    /// <summary>Stop the host (bounded by its shutdown timeout).</summary>
    Stop,

    /// <summary>Stop the host if running, then start a new one on the same spill directory with plenty of disk.</summary>
    Restart,

    /// <summary>Stop the host if running, then start a new one on the same spill directory whose disk is full (tiny MaxBytes).</summary>
    RestartDiskFull,
}
