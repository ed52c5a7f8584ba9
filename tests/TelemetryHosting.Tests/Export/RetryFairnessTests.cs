using TelemetryHosting.Tests.TestSupport;

namespace TelemetryHosting.Tests.Export;

/// <summary>
/// Found by review (a defect of the first channel-based core, fixed): <c>ExportBatch.HoldForRetry</c> sets one <c>_retryAt = now + RetryDelay</c> for ALL held events each time an
/// export leaves events out. While exports keep leaving events out more often than every RetryDelay, the events held
/// first are postponed again and again: they are never re-sent, never use up their attempts, never fail, and the held
/// list grows without bound (it is outside the queue's bound); a flush behind them never completes.
/// </summary>
public sealed class RetryFairnessTests
{
    [Fact]
    public async Task LeftOutEvent_IsRetriedAndGivenUp_EvenWhileOtherExportsKeepLeavingEventsOut()
    {
        await using var harness = await RecorderHarness.StartAsync(options =>
        {
            options.RetryDelay = TimeSpan.FromMilliseconds(400);
            options.FlushInterval = TimeSpan.FromMilliseconds(20);
            options.MaxEventAttempts = 3;
            options.MaxRetryDelay = TimeSpan.FromSeconds(1);
        });
        harness.Gateway.Faults.RejectWhen = (feature, _) => feature == "poison";

        using var stop = new CancellationTokenSource();
        var traffic = Task.Run(async () =>
        {
            // One refused event every 50 ms (well under the 400 ms retry delay), beside ordinary traffic.
            while (!stop.IsCancellationRequested)
            {
                harness.Recorder.Record("poison", "again");
                harness.Recorder.Record("search", "view");
                await Task.Delay(50);
            }
        });

        try
        {
            // Expected: the first refused event goes 3 times, 400 ms apart, then is given up (rejected): ~1-2 s.
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(8);
            while (harness.Counts().Failed == 0 && DateTime.UtcNow < until)
            {
                await Task.Delay(100);
            }

            var counts = harness.Counts();
            var mostAttemptsOfAnEvent = harness.Gateway.Faults.RefusedEventIds.GroupBy(id => id).Select(g => g.Count()).DefaultIfEmpty(0).Max();
            Assert.True(
                counts.Failed > 0,
                $"after 8 s no refused event was given up; the most any refused event was sent is {mostAttemptsOfAnEvent} time(s), "
                + $"{harness.Gateway.Faults.InjectedEventFailures} refusals in all; counts {counts}");
        }
        finally
        {
            await stop.CancelAsync();
            await traffic;
        }
    }
}
