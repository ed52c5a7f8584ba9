using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TelemetryHosting.Export.Internal;

namespace TelemetryHosting.Benchmarks.Support;

/// <summary>
/// Empties a queue on a background task the way its consumer takes from it, exporting nothing: the counterpart of
/// OpenTelemetry's batch processor with a no-op exporter. It keeps the queue from filling without putting gRPC and a
/// gateway on the machine while <c>Record</c> is measured.
/// </summary>
internal sealed class QueueDrain : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _draining;

    private QueueDrain(Func<CancellationToken, Task> drain)
    {
        _draining = Task.Run(() => drain(_stop.Token));
    }

    /// <summary>
    /// Drains the telemetry recorder's queue as the export worker fills batches: it waits for the first event, then
    /// for a whole batch (<c>MaxBatchSize</c> events) or the flush interval, whichever comes first.
    /// </summary>
    public static QueueDrain ForRecorderQueue(IServiceProvider services)
    {
        var queue = services.GetRequiredService<TelemetryEventQueue>();
        var options = services.GetRequiredService<IOptions<TelemetryGatewayOptions>>().Value;
        return new QueueDrain(async token =>
        {
            while (!token.IsCancellationRequested)
            {
                await WaitAsync(queue, 1, Timeout.InfiniteTimeSpan, token).ConfigureAwait(false);
                var taken = Take(queue, options.MaxBatchSize);
                var deadline = DateTime.UtcNow + options.FlushInterval;
                while (taken < options.MaxBatchSize && DateTime.UtcNow < deadline)
                {
                    var left = deadline - DateTime.UtcNow;
                    await WaitAsync(queue, options.MaxBatchSize - taken, left > TimeSpan.Zero ? left : TimeSpan.Zero, token).ConfigureAwait(false);
                    taken += Take(queue, options.MaxBatchSize - taken);
                }
            }
        });
    }

    /// <summary>Drains a channel, as a channel's consumer does: woken whenever it is empty and an item arrives.</summary>
    public static QueueDrain ForChannel<T>(ChannelReader<T> reader)
    {
        return new QueueDrain(async token =>
        {
            while (await reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                while (reader.TryRead(out _))
                {
                }
            }
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _draining.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private static async Task WaitAsync(TelemetryEventQueue queue, long entries, TimeSpan timeout, CancellationToken token)
    {
        try
        {
            await queue.WaitForEntriesAsync(entries).WaitAsync(timeout, token).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
        finally
        {
            queue.StopWaiting();
        }
    }

    private static int Take(TelemetryEventQueue queue, int most)
    {
        var taken = 0;
        while (taken < most && queue.TryRead(out _))
        {
            taken++;
        }

        queue.ReleaseReads();
        return taken;
    }
}
