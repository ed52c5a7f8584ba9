using System.Linq.Expressions;
using System.Reflection;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;

namespace TelemetryHosting.Benchmarks.Support;

/// <summary>
/// Empties a queue on a background task as fast as entries arrive, the way the export worker takes them, but
/// exporting nothing: the counterpart of OpenTelemetry's batch processor with a no-op exporter. It keeps the
/// queue from filling without putting gRPC and a gateway on the machine while <c>Record</c> is measured.
/// </summary>
public sealed class QueueDrain : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _draining;

    private QueueDrain(Func<CancellationToken, Task> drain)
    {
        _draining = Task.Run(() => drain(_stop.Token));
    }

    /// <summary>Drains the telemetry recorder's queue, reached through the service provider.</summary>
    /// <remarks>
    /// The queue is internal to the library; its channel reader is reached by reflection and called through
    /// compiled expressions (no reflection per entry). This is harness plumbing only: what is measured goes through
    /// the public <c>ITelemetryRecorder</c>.
    /// </remarks>
    public static QueueDrain ForRecorderQueue(IServiceProvider services)
    {
        var queueType = typeof(ITelemetryRecorder).Assembly.GetType("TelemetryHosting.Export.Internal.TelemetryEventQueue", throwOnError: true)!;
        var queue = services.GetRequiredService(queueType);
        var reader = queueType.GetProperty("Reader", BindingFlags.Public | BindingFlags.Instance)!.GetValue(queue)!;
        var readerType = queueType.GetProperty("Reader")!.PropertyType;
        var entryType = readerType.GetGenericArguments()[0];

        var readerParameter = Expression.Parameter(typeof(object), "reader");
        var tokenParameter = Expression.Parameter(typeof(CancellationToken), "token");
        var typedReader = Expression.Convert(readerParameter, readerType);
        var entry = Expression.Variable(entryType, "entry");
        var tryRead = Expression.Lambda<Func<object, bool>>(
            Expression.Block([entry], Expression.Call(typedReader, readerType.GetMethod("TryRead")!, entry)),
            readerParameter).Compile();
        var waitToRead = Expression.Lambda<Func<object, CancellationToken, ValueTask<bool>>>(
            Expression.Call(typedReader, readerType.GetMethod("WaitToReadAsync")!, tokenParameter),
            readerParameter,
            tokenParameter).Compile();

        return new QueueDrain(async token =>
        {
            while (await waitToRead(reader, token).ConfigureAwait(false))
            {
                while (tryRead(reader))
                {
                }
            }
        });
    }

    /// <summary>Drains a channel.</summary>
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
