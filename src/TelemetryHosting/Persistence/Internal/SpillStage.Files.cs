using Telemetrygateway.V1;
using TelemetryHosting.Diagnostics.Internal;
using TelemetryHosting.Export.Internal;

namespace TelemetryHosting.Persistence.Internal;

/// <summary>The spill stage's files: writing a segment, reading one back, and moving aside or deleting what does not check out.</summary>
internal sealed partial class SpillStage
{
    private string CorruptDirectory => Path.Combine(_directory, "corrupt");

    /// <summary>Writes one segment file; <see langword="null"/> when written, otherwise why not.</summary>
    /// <param name="events">The events, encoded.</param>
    /// <param name="replacing">Whether it replaces a segment, with some of its events (deleted by the caller once written).</param>
    private string? TryWrite(List<OutboundEvent> events, bool replacing)
    {
        // Time first, so that replay follows the order of writing; a random part, so that no two writers collide.
        var created = _timeProvider.GetUtcNow();
        var name = $"{Math.Max(0, created.ToUnixTimeMilliseconds()):D15}-{Guid.NewGuid():N}{Extension}";
        var path = Path.Combine(_directory, name);

        // Another directory in its place could be someone else's: the events hold private metadata.
        if (SpillFiles.DirectoryChanged(_directory, _directoryAtStart) is { } problem)
        {
            return problem;
        }

        try
        {
            var bodyLength = EncodedEventsRequest.PayloadSize(events);

            // A rewrite holds some of the events of the file it replaces: it never adds to the directory.
            if (!replacing && CurrentBytes() + SpillSegmentFormat.Size(bodyLength) > _options.Persistence.MaxBytes)
            {
                return $"the spill directory holds its maximum of {_options.Persistence.MaxBytes} bytes";
            }

            using (var stream = new FileStream(path + Temporary, SpillFiles.OwnerOnlyFile()))
            {
                stream.Write(SpillSegmentFormat.Write(events, bodyLength, created));
                stream.Flush(flushToDisk: true);
            }

            File.Move(path + Temporary, path);
        }
#pragma warning disable CA1031 // Whatever fails, the caller counts the events as not written: none is lost uncounted.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            SpillFiles.TryDelete(path + Temporary);
            return exception.Message;
        }

        // Written once renamed: logged after, so that nothing thrown from here makes a written file count as not written.
        Log.Spilled(_logger, events.Count, name);
        return null;
    }

    /// <summary>Reads a segment that checks out; corrupt ones are moved aside, expired or empty ones deleted, their events counted.</summary>
    private (SpillSegment, List<Event>)? Read(string path)
    {
        var name = Path.GetFileName(path);
        var count = SpillSegmentFormat.ReadCount(path);
        try
        {
            // Never through a link, nor a FIFO (it would block the worker), nor another user's file; a file no writer of
            // this store could have made is not read into memory at all.
            if (SpillFiles.ReadOwnFile(path, _options.Persistence.MaxBytes, out var refused) is not { } data)
            {
                Quarantine(path, name, refused!, count);
                return null;
            }

            if (SpillSegmentFormat.Check(data) is { } problem)
            {
                Quarantine(path, name, problem, count);
                return null;
            }

            if (_timeProvider.GetUtcNow() - SpillSegmentFormat.ReadCreated(data) > _options.Persistence.MaxAge)
            {
                if (SpillFiles.TryDelete(path))
                {
                    CountDropped(count, DropReason.Expired);
                    Log.SpillExpired(_logger, count, name, _options.Persistence.MaxAge);
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
                Delete(path);
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
                if (SpillFiles.ReadOwnFile(temporary, _options.Persistence.MaxBytes, out _) is { } data && SpillSegmentFormat.Check(data) is null)
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
        var destination = Path.Combine(CorruptDirectory, name);
        try
        {
            SpillFiles.CreateOwnerOnlyDirectory(CorruptDirectory);
            File.Move(path, destination, overwrite: true);

            // Kept for MaxAge from now, like the events it held would have been.
            var now = _timeProvider.GetUtcNow();
            File.SetLastWriteTimeUtc(destination, now.UtcDateTime);
            SpillFiles.Prune(CorruptDirectory, MaxCorruptFilesKept, (now - _options.Persistence.MaxAge).UtcDateTime);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            Delete(path);
        }

        _metrics.SpillFileCorrupt();
        CountDropped(count, DropReason.Corrupt);
        Log.SpillFileCorrupt(_logger, name, reason, destination);
    }

    /// <summary>Deletes a file; one that cannot be deleted is never replayed again.</summary>
    private void Delete(string path)
    {
        if (!SpillFiles.TryDelete(path))
        {
            _undeletable.Add(path);
        }
    }

    /// <summary>Counts events on disk that will never be delivered.</summary>
    private void CountDropped(int count, string reason)
    {
        if (count > 0)
        {
            _counts.Replayed(count);
            _counts.Failed(count);
            _metrics.Dropped(reason, count);
        }
    }

    private IEnumerable<string> SegmentPaths() => Directory.EnumerateFiles(_directory, "*" + Extension);

    // A file replayed and deleted meanwhile counts nothing (Length does not look again after Exists).
    private long CurrentBytes() => SegmentPaths().Sum(path => new FileInfo(path) is { Exists: true } file ? file.Length : 0);
}
