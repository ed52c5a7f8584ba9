using Microsoft.Extensions.Logging;
using Telemetrygateway.V1;
using TelemetryHosting.Diagnostics.Internal;
using TelemetryHosting.Export.Internal;

namespace TelemetryHosting.Persistence.Internal;

/// <summary>
/// Segment files of spilled events. A segment is written to a temporary file, flushed to disk and renamed, so a
/// crash leaves either the whole segment or none of it (a temporary file that checks out is promoted at the next
/// start, in case the rename itself was lost). The layout is <see cref="SpillSegmentFormat"/>'s. Anything that does
/// not check out is moved aside to <c>corrupt/</c>, counted, and never replayed; no file can stop the others.
/// </summary>
internal sealed class SpillStore
{
    private const string Extension = ".tseg";
    private const string Temporary = ".tmp";
    private const int MaxCorruptFilesKept = 100;

    private readonly string _directory;
    private readonly long _maxBytes;
    private readonly TimeSpan _maxAge;
    private readonly TimeProvider _timeProvider;
    private readonly DeliveryCounts _counts;
    private readonly TelemetryHostingMetrics _metrics;
    private readonly ILogger _logger;
    private readonly HashSet<string> _undeletable = new(StringComparer.Ordinal);
    private readonly object _undeletableLock = new();

    public SpillStore(
        TelemetryGatewayPersistenceOptions options,
        TimeProvider timeProvider,
        DeliveryCounts counts,
        TelemetryHostingMetrics metrics,
        ILogger logger)
    {
        _directory = Path.GetFullPath(options.Directory!);
        _maxBytes = options.MaxBytes;
        _maxAge = options.MaxAge;
        _timeProvider = timeProvider;
        _counts = counts;
        _metrics = metrics;
        _logger = logger;
        SpillFiles.CreateOwnerOnlyDirectory(_directory);
        SpillFiles.Prune(Path.Combine(_directory, "corrupt"), MaxCorruptFilesKept, (timeProvider.GetUtcNow() - _maxAge).UtcDateTime);
        RecoverTemporaryFiles();

        // Events a previous run left on disk are this recorder's to deliver: they count as accepted and persisted.
        _counts.Recovered(SegmentPaths().Sum(path => SpillSegmentFormat.ReadCount(path)));
        metrics.ObserveSpill(() => Directory.EnumerateFiles(_directory, "*" + Extension).Count(), CurrentBytes);
    }

    /// <summary>Writes one segment of encoded events (<see cref="OutboundEvent.Encoded"/>), as they are.</summary>
    /// <param name="events">The events.</param>
    /// <param name="replacing">A segment this one replaces, with some of its events (deleted by the caller once written): not held to <c>MaxBytes</c>.</param>
    /// <returns><see langword="null"/> when written; otherwise why not (the events are then not on disk).</returns>
    public string? TryWrite(IReadOnlyList<OutboundEvent> events, SpillSegment? replacing = null)
    {
        var temporary = string.Empty;
        var name = string.Empty;
        try
        {
            var bodyLength = EncodedEventsRequest.PayloadSize(events);
            var size = SpillSegmentFormat.Size(bodyLength);
            // A rewrite holds some of the events of the file it replaces: it never adds to the directory.
            if (replacing is null && CurrentBytes() + size > _maxBytes)
            {
                return $"the spill directory holds its maximum of {_maxBytes} bytes";
            }

            var created = _timeProvider.GetUtcNow();
            var buffer = SpillSegmentFormat.Write(events, bodyLength, created);

            // Time first, so that replay follows the order of writing; a random part, so that no two writers collide.
            name = $"{Math.Max(0, created.ToUnixTimeMilliseconds()):D15}-{Guid.NewGuid():N}{Extension}";
            var path = Path.Combine(_directory, name);
            temporary = path + Temporary;
            using (var stream = new FileStream(temporary, SpillFiles.OwnerOnlyFile()))
            {
                stream.Write(buffer);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path);
        }
#pragma warning disable CA1031 // Whatever fails, the caller counts the events as not written: none is lost uncounted.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            SpillFiles.TryDelete(temporary);
            return exception.Message;
        }

        // Written once renamed: logged after, so that nothing thrown from here makes a written file count as not written.
        Log.Spilled(_logger, events.Count, name);
        return null;
    }

    /// <summary>
    /// Reads the oldest good segment. Corrupt ones are moved aside, and expired or empty ones deleted, their events
    /// counted, on the way.
    /// </summary>
    public (SpillSegment Segment, List<Event> Events)? TryReadOldest()
    {
        foreach (var path in SegmentPaths())
        {
            if (IsUndeletable(path))
            {
                continue;
            }

            if (Read(path) is { } segment)
            {
                return segment;
            }
        }

        return null;
    }

    /// <summary>Deletes a segment whose events are all settled; one that cannot be deleted is never replayed again.</summary>
    public void Delete(SpillSegment segment)
    {
        if (!SpillFiles.TryDelete(segment.Path))
        {
            lock (_undeletableLock)
            {
                _undeletable.Add(segment.Path);
            }
        }
    }

    private (SpillSegment, List<Event>)? Read(string path)
    {
        var name = Path.GetFileName(path);
        var count = SpillSegmentFormat.ReadCount(path);
        try
        {
            // A file no writer of this store could have made is not read into memory at all.
            var length = new FileInfo(path).Length;
            if (length > _maxBytes)
            {
                Quarantine(path, name, $"{length} bytes, more than MaxBytes ({_maxBytes})", count);
                return null;
            }

            var data = File.ReadAllBytes(path);
            if (SpillSegmentFormat.Check(data) is { } problem)
            {
                Quarantine(path, name, problem, count);
                return null;
            }

            var created = SpillSegmentFormat.ReadCreated(data);
            if (_timeProvider.GetUtcNow() - created > _maxAge)
            {
                if (SpillFiles.TryDelete(path))
                {
                    Settle(count, DropReason.Expired);
                    Log.SpillExpired(_logger, count, name, _maxAge);
                }

                return null;
            }

            var events = RecordEventsRequest.Types.EventsPayload.Parser.ParseFrom(SpillSegmentFormat.ReadPayload(data)).Events.ToList();
            if (events.Count != count)
            {
                Quarantine(path, name, "the event count does not match the header", count);
                return null;
            }

            if (events.Count == 0)
            {
                // Nothing to replay, and nothing would ever settle it.
                Delete(new SpillSegment(path, 0));
                return null;
            }

            Log.Replaying(_logger, events.Count, name);
            return (new SpillSegment(path, events.Count), events);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
#pragma warning disable CA1031 // One unreadable file must never stop the others, nor the worker.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            Quarantine(path, name, exception.GetType().Name, count);
            return null;
        }
    }

    /// <summary>Promotes temporary files that check out (their rename was lost in a crash); deletes the rest.</summary>
    private void RecoverTemporaryFiles()
    {
        foreach (var temporary in Directory.EnumerateFiles(_directory, "*" + Extension + Temporary).ToList())
        {
            try
            {
                if (new FileInfo(temporary).Length <= _maxBytes && SpillSegmentFormat.Check(File.ReadAllBytes(temporary)) is null)
                {
                    File.Move(temporary, temporary[..^Temporary.Length], overwrite: false);
                }
                else
                {
                    File.Delete(temporary);
                }
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                SpillFiles.TryDelete(temporary);
            }
        }
    }

    private void Quarantine(string path, string name, string reason, int count)
    {
        var corrupt = Path.Combine(_directory, "corrupt");
        var destination = Path.Combine(corrupt, name);
        try
        {
            SpillFiles.CreateOwnerOnlyDirectory(corrupt);
            File.Move(path, destination, overwrite: true);

            // Kept for MaxAge from now, like the events it held would have been.
            var now = _timeProvider.GetUtcNow();
            File.SetLastWriteTimeUtc(destination, now.UtcDateTime);
            SpillFiles.Prune(corrupt, MaxCorruptFilesKept, (now - _maxAge).UtcDateTime);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            if (!SpillFiles.TryDelete(path))
            {
                lock (_undeletableLock)
                {
                    _undeletable.Add(path);
                }
            }
        }

        _metrics.SpillFileCorrupt();
        Settle(count, DropReason.Corrupt);
        Log.SpillFileCorrupt(_logger, name, reason, destination);
    }

    /// <summary>Counts events on disk that will never be delivered.</summary>
    private void Settle(int count, string reason)
    {
        if (count > 0)
        {
            _counts.Replayed(count);
            _counts.Failed(count);
            _metrics.Dropped(reason, count);
        }
    }

    private bool IsUndeletable(string path)
    {
        lock (_undeletableLock)
        {
            return _undeletable.Contains(path);
        }
    }

    private IEnumerable<string> SegmentPaths() =>
        Directory.EnumerateFiles(_directory, "*" + Extension).Order(StringComparer.Ordinal);

    private long CurrentBytes()
    {
        long total = 0;
        foreach (var path in Directory.EnumerateFiles(_directory, "*" + Extension))
        {
            try
            {
                total += new FileInfo(path).Length;
            }
            catch (FileNotFoundException)
            {
                // Replayed and deleted meanwhile.
            }
        }

        return total;
    }
}
