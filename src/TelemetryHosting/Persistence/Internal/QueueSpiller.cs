using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using TelemetryHosting.Diagnostics.Internal;
using TelemetryHosting.Export.Internal;
using TelemetryHosting.Recording.Internal;

namespace TelemetryHosting.Persistence.Internal;

/// <summary>
/// Moves the queue's events to disk whenever asked (the queue ran high, or an outage has lasted), in segments of at
/// most a batch. It reads the queue while the worker is busy exporting, so the two take turns through the reader
/// gate; a flush request it meets is handed to the worker, which it then wakes, as it does after writing segments
/// the worker may replay.
/// </summary>
internal sealed class QueueSpiller(
    SpillStore store,
    TelemetryEventQueue queue,
    EventPreparer preparer,
    SemaphoreSlim readerGate,
    Func<long> workerLastSequence,
    TelemetryHostingMetrics metrics,
    TelemetryGatewayOptions options,
    ILogger logger)
{
    private readonly ConcurrentQueue<FlushRequest> _handedOver = new();
    private TaskCompletionSource _wake = NewSignal();
    private volatile bool _mayHaveSegments = true;
    private Task? _spilling;

    /// <summary>Gets a task that completes when the spiller has handed flush requests or segments to the worker.</summary>
    public Task Woken => Volatile.Read(ref _wake).Task;

    /// <summary>Gets or sets a value indicating whether the directory may hold segments to replay.</summary>
    public bool MayHaveSegments { get => _mayHaveSegments; set => _mayHaveSegments = value; }

    public void Start() => _spilling ??= Task.Run(SpillOnRequestAsync, CancellationToken.None);

    /// <summary>Waits for the last pass; bounded, once the queue is closed, by reading it to the end and writing files.</summary>
    public Task StopAsync() => _spilling ?? Task.CompletedTask;

    /// <summary>Takes the flush requests met in the queue (whatever was queued ahead of them is on disk), and the wake-up.</summary>
    public void TakeHandedOver(PendingFlushes flushes)
    {
        // Reset before taking: a hand-over after this point completes the new signal.
        if (Volatile.Read(ref _wake).Task.IsCompleted)
        {
            Volatile.Write(ref _wake, NewSignal());
        }

        while (_handedOver.TryDequeue(out var request))
        {
            flushes.Add(request, request.LastSequence);
        }
    }

    /// <summary>Completes the flush requests handed over and not taken (the worker has stopped).</summary>
    public void CompleteHandedOver()
    {
        while (_handedOver.TryDequeue(out var request))
        {
            request.Complete();
        }
    }

    /// <summary>
    /// Writes what is queued now to disk, under the reader gate (or once the worker has stopped). Flush requests met on
    /// the way are handed to the worker only once the events ahead of them are written (or counted as not written),
    /// each with the worker's last sequence number now: the events the worker took before them.
    /// </summary>
    public void SpillQueue()
    {
        var lastSequence = workerLastSequence();
        var flushes = new List<FlushRequest>();
        WriteSegments(QueuedEvents(flushes));
        foreach (var flush in flushes)
        {
            flush.LastSequence = lastSequence;
            _handedOver.Enqueue(flush);
        }
    }

    /// <summary>Spills the queue to disk whenever asked: the queue ran high, or the gateway has been failing too long.</summary>
    private async Task SpillOnRequestAsync()
    {
        // Bounded by the queue's close, which completes the requests.
        while (await queue.SpillRequests.WaitToReadAsync().ConfigureAwait(false))
        {
            queue.TakeSpillRequest();

            // Bounded by the worker's fill or journal, which hold the gate only while they read or write.
            await readerGate.WaitAsync().ConfigureAwait(false);
            try
            {
                SpillQueue();
            }
#pragma warning disable CA1031 // The spiller must keep running; what it could not write is counted by WriteSegment.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                Log.WorkerFailed(logger, exception);
            }
            finally
            {
                readerGate.Release();
            }

            // Flush requests met in the queue are the worker's to settle, and segments written are its to replay: it
            // may be waiting for entries that the spiller took.
            Volatile.Read(ref _wake).TrySetResult();
        }
    }

    /// <summary>
    /// Takes every queued event at once, then encodes them: the queue has room again before the files are written
    /// (events taken this way are in memory either way).
    /// </summary>
    private List<PendingEvent> QueuedEvents(List<FlushRequest> flushes)
    {
        var taken = new List<PendingEvent>();
        while (queue.TryRead(out var entry))
        {
            if (entry is FlushRequest flush)
            {
                flushes.Add(flush);
            }
            else
            {
                taken.Add((PendingEvent)entry);
            }
        }

        return taken.FindAll(preparer.TryPrepare);
    }

    /// <summary>Writes events to disk in segments of at most a batch, by count and by bytes.</summary>
    public void WriteSegments(IEnumerable<PendingEvent> events)
    {
        var segment = new List<PendingEvent>();
        long bytes = 0;
        foreach (var pending in events)
        {
            if (segment.Count > 0 && (segment.Count == options.MaxBatchSize || bytes + pending.EncodedSize > options.MaxBatchBytes))
            {
                WriteSegment(segment);
                segment = [];
                bytes = 0;
            }

            segment.Add(pending);
            bytes += pending.EncodedSize;
        }

        if (segment.Count > 0)
        {
            WriteSegment(segment);
        }
    }

    private void WriteSegment(List<PendingEvent> events)
    {
        if (store.TryWrite(events) is { } failure)
        {
            queue.Counts.Failed(events.Count);
            metrics.Dropped(DropReason.DiskFull, events.Count);
            Log.SpillFailed(logger, events.Count, failure);
            return;
        }

        _mayHaveSegments = true;
        queue.Counts.Persisted(events.Count);
        metrics.Spilled(events.Count);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
