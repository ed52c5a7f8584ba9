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
    /// Drains the telemetry recorder's queue as the export worker does: woken by the first event, then, with a batch
    /// open, when a whole batch (<c>MaxBatchSize</c> events) is queued or the flush interval has passed.
    /// </summary>
    public static QueueDrain ForRecorderQueue(IServiceProvider services)
    {
        var queue = services.GetRequiredService<TelemetryEventQueue>();
        var options = services.GetRequiredService<IOptions<TelemetryGatewayOptions>>().Value;
        return new QueueDrain(async token =>
        {
            while (!token.IsCancellationRequested)
            {
                try
                {
                    await queue.WaitForEventsAsync(1).WaitAsync(token).ConfigureAwait(false);
                }
                finally
                {
                    queue.StopWaiting();
                }

                var taken = Take(queue, options.MaxBatchSize);
                var deadline = DateTime.UtcNow + options.FlushInterval;
                while (taken < options.MaxBatchSize && DateTime.UtcNow < deadline)
                {
                    try
                    {
                        var left = deadline - DateTime.UtcNow;
                        await queue.WaitForEventsAsync(options.MaxBatchSize - taken).WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, token).ConfigureAwait(false);
                    }
                    catch (TimeoutException)
                    {
                    }
                    finally
                    {
                        queue.StopWaiting();
                    }

                    taken += Take(queue, options.MaxBatchSize - taken);
                }
            }
        });
    }

    private static int Take(TelemetryEventQueue queue, int most)
    {
        var taken = 0;
        while (taken < most && queue.TryRead(out _))
        {
            taken++;
        }

        // Sent at once: the events stop waiting, as the worker's export takes them.
        queue.Taken(taken);
        return taken;
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
}
