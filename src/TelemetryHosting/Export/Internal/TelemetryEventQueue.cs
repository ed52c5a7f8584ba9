using System.Threading.Channels;
using Microsoft.Extensions.Options;
using TelemetryHosting.Recording.Internal;

namespace TelemetryHosting.Export.Internal;

/// <summary>
/// The bounded queue between the telemetry recorder (many writers) and the export worker (one reader), and the
/// delivery counts that flush results report.
/// </summary>
internal sealed class TelemetryEventQueue
{
    private readonly Channel<QueueEntry> _channel;
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _accepted;
    private long _delivered;
    private long _failed;

    public TelemetryEventQueue(IOptions<TelemetryGatewayOptions> options)
    {
        Capacity = options.Value.QueueCapacity;
        _channel = Channel.CreateBounded<QueueEntry>(new BoundedChannelOptions(Capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
            AllowSynchronousContinuations = false,
        });
    }

    public int Capacity { get; }

    public ChannelReader<QueueEntry> Reader => _channel.Reader;

    /// <summary>Gets a value indicating whether the queue takes no more events because the recorder stopped.</summary>
    public bool IsClosed { get; private set; }

    /// <summary>Gets the number of entries waiting in the queue.</summary>
    public int Depth => _channel.Reader.Count;

    /// <summary>Gets a task that completes when the worker has stopped and settled every event it could.</summary>
    public Task Drained => _drained.Task;

    public bool TryEnqueue(PendingEvent pendingEvent)
    {
        if (!_channel.Writer.TryWrite(pendingEvent))
        {
            return false;
        }

        Interlocked.Increment(ref _accepted);
        return true;
    }

    /// <summary>Queues a flush request behind every event already queued, waiting for room if the queue is full.</summary>
    /// <returns><see langword="false"/> when the queue is closed.</returns>
    public async ValueTask<bool> TryEnqueueAsync(FlushRequest request, CancellationToken cancellationToken)
    {
        try
        {
            await _channel.Writer.WriteAsync(request, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (ChannelClosedException)
        {
            return false;
        }
    }

    public void Close()
    {
        IsClosed = true;
        _channel.Writer.TryComplete();
    }

    public void MarkDrained() => _drained.TrySetResult();

    public void MarkDelivered(long count) => Interlocked.Add(ref _delivered, count);

    public void MarkFailed(long count) => Interlocked.Add(ref _failed, count);

    public TelemetryFlushResult Counts()
    {
        var delivered = Interlocked.Read(ref _delivered);
        var failed = Interlocked.Read(ref _failed);
        return new TelemetryFlushResult(delivered, failed, Interlocked.Read(ref _accepted) - delivered - failed);
    }
}
