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
    private readonly Channel<bool> _spillRequests = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    private readonly long _highWaterMark;
    private bool _closed;
    private long _accepted;
    private long _delivered;
    private long _failed;
    private long _persisted;
    private long _enqueued;
    private long _dequeued;

    public TelemetryEventQueue(IOptions<TelemetryGatewayOptions> options)
    {
        Capacity = options.Value.QueueCapacity;
        var persistence = options.Value.Persistence;
        _highWaterMark = persistence.Directory is null ? 0 : Math.Max(1, (long)(Capacity * persistence.HighWaterMark));
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

    /// <summary>Gets the signals to spill queued events to disk (persistence only).</summary>
    public ChannelReader<bool> SpillRequests => _spillRequests.Reader;

    /// <summary>Gets a value indicating whether the queue takes no more events because the recorder stopped.</summary>
    public bool IsClosed => Volatile.Read(ref _closed);

    /// <summary>Gets the number of entries waiting in the queue.</summary>
    public int Depth => _channel.Reader.Count;

    /// <summary>Gets a task that completes when the worker has stopped and settled every event it could.</summary>
    public Task Drained => _drained.Task;

    public bool TryEnqueue(PendingEvent pendingEvent)
    {
        // Counted before the write, so that the worker can never settle an event not yet counted as accepted.
        Interlocked.Increment(ref _accepted);
        if (!_channel.Writer.TryWrite(pendingEvent))
        {
            Interlocked.Decrement(ref _accepted);
            return false;
        }

        if (_highWaterMark > 0 && Interlocked.Increment(ref _enqueued) - Volatile.Read(ref _dequeued) >= _highWaterMark)
        {
            RequestSpill();
        }

        return true;
    }

    /// <summary>Takes the next entry; the one way the worker and the spiller read the queue.</summary>
    public bool TryRead([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out QueueEntry? entry)
    {
        if (!_channel.Reader.TryRead(out entry))
        {
            return false;
        }

        if (_highWaterMark > 0 && entry is PendingEvent)
        {
            Interlocked.Increment(ref _dequeued);
        }

        return true;
    }

    public void RequestSpill() => _spillRequests.Writer.TryWrite(true);

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
        Volatile.Write(ref _closed, true);
        _channel.Writer.TryComplete();
        _spillRequests.Writer.TryComplete();
    }

    public void MarkDrained() => _drained.TrySetResult();

    public void MarkDelivered(long count) => Interlocked.Add(ref _delivered, count);

    public void MarkFailed(long count) => Interlocked.Add(ref _failed, count);

    /// <summary>Counts events moved from memory to disk.</summary>
    public void MarkPersisted(long count) => Interlocked.Add(ref _persisted, count);

    /// <summary>Counts events a previous run left on disk: accepted by this recorder, and persisted.</summary>
    public void MarkRecovered(long count)
    {
        Interlocked.Add(ref _accepted, count);
        Interlocked.Add(ref _persisted, count);
    }

    /// <summary>Counts events read back from disk (or settled there); they are no longer persisted.</summary>
    public void MarkReplayed(long count) => Interlocked.Add(ref _persisted, -count);

    public TelemetryFlushResult Counts()
    {
        var delivered = Interlocked.Read(ref _delivered);
        var failed = Interlocked.Read(ref _failed);
        var persisted = Interlocked.Read(ref _persisted);
        var pending = Interlocked.Read(ref _accepted) - delivered - failed - persisted;
        return new TelemetryFlushResult(delivered, failed, pending) { Persisted = persisted };
    }
}
