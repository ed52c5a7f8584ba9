namespace TelemetryHosting.Samples.NativeAot;

/// <summary>
/// The sample's events, declared with [TelemetryEvent] (docs/telemetry-events.md): the source generator writes the
/// bodies when the app compiles, so the names are checked then, and the generated code needs no reflection in native AOT.
/// </summary>
internal static partial class OrderTelemetry
{
    /// <summary>Records sampleOrders/created with the number of items as metadata ("items").</summary>
    [TelemetryEvent("sampleOrders", "created")]
    public static partial bool RecordOrderCreated(this ITelemetryRecorder recorder, int items);
}
