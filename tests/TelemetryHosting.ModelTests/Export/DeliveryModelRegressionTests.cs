namespace TelemetryHosting.ModelTests.Export;

/// <summary>
/// The shortest sequences the model-based test found, replayed as they are: fast to run while fixing a defect, and kept
/// so that it stays fixed. Each name says the rule it failed when found.
/// </summary>
public sealed class DeliveryModelRegressionTests(ModelGatewayFixture fixture) : IClassFixture<ModelGatewayFixture>
{
    private static readonly Dictionary<string, Sequence> Sequences = new(StringComparer.Ordinal)
    {
        // Seed aByQ4KrjkWk3 (TELEMETRYHOSTING_MODEL_EXCLUDE=NotStarted,DiskFull,RestartDiskFull,StepWallClock), minimized.
        ["intake-stopped: a pending flush stops intake while the gateway leaves events out"] = new(
            new ModelSettings(20, 10, TimeSpan.FromSeconds(1), 2, Persistence: false, DiskFull: false, StartHost: true),
            [
                new(StepKind.GatewayLeavesOut),
                new(StepKind.Advance, Time: TimeSpan.FromSeconds(60)),
                new(StepKind.RecordSmall, 18),
                new(StepKind.FlushNoToken),
                new(StepKind.RecordSmall, 27),
            ]),

        // Seed 5ZsM0vhTC3A9 (no exclusions), minimized.
        ["flush-without-worker: FlushAsync on a host built but not started hangs"] = new(
            new ModelSettings(5, 1, TimeSpan.FromSeconds(1), 5, Persistence: false, DiskFull: false, StartHost: false),
            [new(StepKind.FlushNoToken)]),

        // Seed bjM0evO2Uped (TELEMETRYHOSTING_MODEL_EXCLUDE=NotStarted), minimized.
        ["disk-full-drop: a failed spill drops events memory could hold"] = new(
            new ModelSettings(20, 1, TimeSpan.FromSeconds(1), 1, Persistence: true, DiskFull: true, StartHost: true),
            [new(StepKind.RecordSmall, 19)]),

        // Written from the minimized sequences of seeds 4XbQmet5X8Fa and 7eIXwqt5JQI8, both ending in StepWallClock(-1h).
        ["not-delivered: batch deadlines follow the wall clock, stepped back 1 h"] = new(
            new ModelSettings(20, 3, TimeSpan.FromSeconds(1), 2, Persistence: false, DiskFull: false, StartHost: true),
            [new(StepKind.RecordSmall, 2), new(StepKind.StepWallClock, Time: TimeSpan.FromHours(-1))]),

        ["not-sent: batch deadlines follow the wall clock, stepped back 1 h while the gateway is healthy"] = new(
            new ModelSettings(20, 3, TimeSpan.FromSeconds(1), 2, Persistence: false, DiskFull: false, StartHost: true),
            [
                new(StepKind.Advance, Time: TimeSpan.FromSeconds(5)),
                new(StepKind.RecordSmall, 2),
                new(StepKind.StepWallClock, Time: TimeSpan.FromHours(-1)),
                new(StepKind.Advance, Time: TimeSpan.FromSeconds(1)),
            ]),

        // Found on the third-pass core (seed dGhKnNo8yub4, minimized).
        ["record-refused: the queue's depth outgrows what waits after a high-water spill"] = new(
            new ModelSettings(20, 1, TimeSpan.FromMilliseconds(20), 2, Persistence: true, DiskFull: false, StartHost: true),
            [
                new(StepKind.RecordSmall, 17),
                new(StepKind.Start),
                new(StepKind.RecordPrivate, 1),
                new(StepKind.RecordSmall, 54),
            ]),

        // Found on the third-pass core (seed 3A3YWQ0ZXzI7, minimized).
        ["not-delivered: events on disk not replayed once the gateway is healthy again"] = new(
            new ModelSettings(100, 10, TimeSpan.FromSeconds(1), 2, Persistence: true, DiskFull: false, StartHost: true),
            [
                new(StepKind.GatewayHealthy),
                new(StepKind.Advance, Time: TimeSpan.FromMilliseconds(200)),
                new(StepKind.GatewayTooLarge, 3),
                new(StepKind.GatewayUnavailable, 3),
                new(StepKind.Advance, Time: TimeSpan.FromSeconds(5)),
                new(StepKind.RecordSmall, 30),
                new(StepKind.FlushNoToken),
                new(StepKind.FlushBounded, Time: TimeSpan.FromMilliseconds(50)),
                new(StepKind.GatewayLeavesOut),
                new(StepKind.Advance, Time: TimeSpan.FromSeconds(5)),
                new(StepKind.GatewayHangs, 2),
                new(StepKind.GatewayLeavesOut),
                new(StepKind.RecordSmall, 43),
                new(StepKind.RecordSmall, 18),
                new(StepKind.GatewayUnauthenticatedOnce),
                new(StepKind.RecordSmall, 51),
                new(StepKind.GatewayHealthy),
            ]),

        // Found on the third-pass core (seed cqX36HDiIVGc, minimized): a rewrite at stop refused by MaxBytes (lowered
        // below what the directory held) kept the old file, whose settled events the next start counted and sent again.
        ["counts-add-up: a segment rewritten at stop under a lowered MaxBytes"] = new(
            new ModelSettings(100, 3, TimeSpan.FromMilliseconds(20), 2, Persistence: true, DiskFull: false, StartHost: true),
            [
                new(StepKind.Advance, Time: TimeSpan.FromMilliseconds(200)),
                new(StepKind.Start),
                new(StepKind.GatewayHealthy),
                new(StepKind.GatewayTooLarge, 1),
                new(StepKind.GatewayHangs, 1),
                new(StepKind.RecordSmall, 51),
                new(StepKind.GatewayLeavesOut),
                new(StepKind.RecordSmall, 53),
                new(StepKind.Start),
                new(StepKind.Stop),
                new(StepKind.FlushCancelled),
                new(StepKind.Restart),
                new(StepKind.RecordPrivate, 9),
                new(StepKind.RestartDiskFull),
                new(StepKind.FlushNoToken),
                new(StepKind.GatewayTooLarge, 1),
                new(StepKind.Advance, Time: TimeSpan.FromSeconds(5)),
                new(StepKind.FlushNoToken),
            ]),

        // Found on the third-pass core (seed 5DcQP6TIBW55, minimized): in an outage, the spill took the batch of events
        // read back from disk out and back in at every step, which pushed its deadline for good, so the outage's only
        // export (the replayed segment) never started and nothing was delivered once the gateway answered again.
        ["not-delivered: the replayed batch never sent after an outage past SpillAfter"] = new(
            new ModelSettings(5, 3, TimeSpan.FromSeconds(1), 5, Persistence: true, DiskFull: false, StartHost: true),
            [
                new(StepKind.Advance, Time: TimeSpan.FromMilliseconds(50)),
                new(StepKind.RecordSmall, 11),
                new(StepKind.GatewayLeavesOut),
                new(StepKind.RecordSmall, 36),
                new(StepKind.FlushBounded, Time: TimeSpan.FromMilliseconds(50)),
                new(StepKind.GatewayHealthy),
                new(StepKind.GatewayHealthy),
                new(StepKind.GatewayUnavailable, 1),
                new(StepKind.RecordPrivate, 7),
                new(StepKind.RecordPrivate, 9),
                new(StepKind.RecordPrivate, 6),
                new(StepKind.RecordSmall, 44),
                new(StepKind.GatewayLeavesOut),
                new(StepKind.GatewayUnavailable, 1),
                new(StepKind.RecordPrivate, 5),
                new(StepKind.RecordSmall, 1),
                new(StepKind.Advance, Time: TimeSpan.FromMilliseconds(10)),
                new(StepKind.Advance, Time: TimeSpan.FromMilliseconds(10)),
                new(StepKind.FlushBounded, Time: TimeSpan.FromMilliseconds(10)),
                new(StepKind.GatewayHangs, 1),
                new(StepKind.FlushNoToken),
                new(StepKind.Advance, Time: TimeSpan.FromMilliseconds(50)),
                new(StepKind.GatewayUnavailable, 1000),
                new(StepKind.Advance, Time: TimeSpan.FromSeconds(1)),
                new(StepKind.RecordPrivate, 5),
                new(StepKind.Advance, Time: TimeSpan.FromSeconds(1)),
            ]),
    };

    public static TheoryData<string> Names => [.. Sequences.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public async Task KnownSequence_ShrunkFromModelRuns_ModelHolds(string name)
    {
        var sequence = Sequences[name];
        await fixture.WithGatewayAsync(async gateway =>
        {
            await DeliveryModelRun.RunAsync(gateway, sequence);
            return true;
        });
    }
}
