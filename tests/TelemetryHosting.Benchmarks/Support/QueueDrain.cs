using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
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

    /// <summary>Drains the telemetry recorder's queue as the export worker does: woken whenever it is empty and an event arrives.</summary>
    public static QueueDrain ForRecorderQueue(IServiceProvider services)
    {
        var queue = services.GetRequiredService<TelemetryEventQueue>();
        return new QueueDrain(async token =>
        {
            while (await queue.WaitToReadAsync(token).ConfigureAwait(false))
            {
                while (queue.TryRead(out _))
                {
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
}
