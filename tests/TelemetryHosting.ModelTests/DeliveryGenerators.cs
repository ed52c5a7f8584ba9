using CsCheck;

namespace TelemetryHosting.ModelTests;

/// <summary>
/// Generators of sequences: settings that reach the limits quickly, then up to 50 steps. Three in four sequences have at
/// most 15 steps (every defect found so far failed within 17): more starts per second, and still long ones.
/// </summary>
internal static class DeliveryGenerators
{
    public const int MaxSteps = 50;

    public static readonly Gen<ModelSettings> Settings =
        from queueCapacity in Gen.OneOf(5, 20, 100)
        from maxBatchSize in Gen.OneOf(1, 3, 10)
        from retryDelay in Gen.OneOf(TimeSpan.FromMilliseconds(20), TimeSpan.FromSeconds(1))
        from maxEventAttempts in Gen.OneOf(1, 2, 5)
        from persistence in Gen.Bool
        from diskFull in Gen.Frequency((3, Gen.Const(false)), (1, Gen.Const(true)))
        from startHost in Gen.Frequency((4, Gen.Const(true)), (1, Gen.Const(false)))
        select new ModelSettings(
            queueCapacity,
            maxBatchSize,
            retryDelay,
            maxEventAttempts,
            persistence,
            persistence && diskFull && !ModelRunSettings.Excluded.Contains("DiskFull"),
            startHost || ModelRunSettings.Excluded.Contains("NotStarted"));

    public static readonly Gen<Step> Step = AllSteps.Where(step => !ModelRunSettings.Excluded.Contains(step.Kind.ToString()));

    private static Gen<Step> AllSteps => Gen.Frequency(
        (12, Gen.Int[1, 60].Select(n => new Step(StepKind.RecordSmall, n))),
        (2, Gen.Int[1, 4].Select(n => new Step(StepKind.RecordLarge, n))),
        (3, Gen.Int[1, 10].Select(n => new Step(StepKind.RecordPrivate, n))),
        (3, Gen.Const(new Step(StepKind.FlushCancelled))),
        (3, Gen.OneOf(10, 50).Select(ms => new Step(StepKind.FlushBounded, Time: TimeSpan.FromMilliseconds(ms)))),
        (4, Gen.Const(new Step(StepKind.FlushNoToken))),
        (10, Gen.OneOf(10, 50, 200, 1_000, 5_000, 60_000).Select(ms => new Step(StepKind.Advance, Time: TimeSpan.FromMilliseconds(ms)))),
        (3, Gen.OneOf(-3_600, -60, 60, 3_600, 8 * 24 * 3_600).Select(s => new Step(StepKind.StepWallClock, Time: TimeSpan.FromSeconds(s)))),
        (5, Gen.Const(new Step(StepKind.GatewayHealthy))),
        (3, Gen.Const(new Step(StepKind.GatewayLeavesOut))),
        (3, Gen.OneOf(1, 3, 1_000).Select(n => new Step(StepKind.GatewayUnavailable, n))),
        (2, Gen.OneOf(1, 2).Select(n => new Step(StepKind.GatewayHangs, n))),
        (2, Gen.OneOf(1, 3).Select(n => new Step(StepKind.GatewayTooLarge, n))),
        (2, Gen.Const(new Step(StepKind.GatewayUnauthenticatedOnce))),
        (2, Gen.Const(new Step(StepKind.Start))),
        (2, Gen.Const(new Step(StepKind.Stop))),
        (2, Gen.Const(new Step(StepKind.Restart))),
        (1, Gen.Const(new Step(StepKind.RestartDiskFull))));

    public static readonly Gen<Sequence> Sequence =
        from settings in Settings
        from length in Gen.Frequency((3, Gen.Int[1, 15]), (1, Gen.Int[16, MaxSteps]))
        from steps in Step.List[length]
        select new Sequence(settings, steps);
}
