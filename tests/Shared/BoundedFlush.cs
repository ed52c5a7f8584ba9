namespace TelemetryHosting;

/// <summary>
/// The tests' way to flush: <see cref="ITelemetryRecorder.FlushAsync"/> without a token waits until everything is
/// delivered or the host stops, and the export retries for as long as the gateway refuses, so a test whose delivery
/// never succeeds would wait until the run's hang timeout. Bounded, the flush returns its counts after
/// <see cref="Limit"/> and the test's own assertions fail.
/// </summary>
internal static class BoundedFlush
{
    /// <summary>How long a test flush may take.</summary>
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    public static async Task<TelemetryFlushResult> FlushWithinLimitAsync(this ITelemetryRecorder recorder)
    {
        using var limit = new CancellationTokenSource(Limit);
        return await recorder.FlushAsync(limit.Token);
    }
}
