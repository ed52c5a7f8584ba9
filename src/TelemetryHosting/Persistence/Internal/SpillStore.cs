using System.Buffers.Binary;
using System.Security.Cryptography;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Telemetrygateway.V1;
using TelemetryHosting.Diagnostics.Internal;

namespace TelemetryHosting.Persistence.Internal;

/// <summary>
/// Segment files of spilled events. A segment is written to a temporary file, flushed to disk and renamed, so a
/// crash leaves either the whole segment or none of it. Layout: magic, creation time, event count, payload length,
/// the events as one protobuf <c>EventsPayload</c>, and a SHA-256 of the payload; anything that does not check
/// out is moved aside to <c>corrupt/</c>, never replayed and never fatal.
/// </summary>
internal sealed class SpillStore
{
    private const string Extension = ".tseg";
    private const int HeaderLength = 8 + 8 + 4 + 4;
    private const int HashLength = 32;
    private static readonly byte[] Magic = "THSEG001"u8.ToArray();

    private readonly string _directory;
    private readonly long _maxBytes;
    private readonly TimeSpan _maxAge;
    private readonly TimeProvider _timeProvider;
    private readonly TelemetryHostingMetrics _metrics;
    private readonly ILogger _logger;
    private long _sequence;

    public SpillStore(TelemetryGatewayPersistenceOptions options, TimeProvider timeProvider, TelemetryHostingMetrics metrics, ILogger logger)
    {
        _directory = Path.GetFullPath(options.Directory!);
        _maxBytes = options.MaxBytes;
        _maxAge = options.MaxAge;
        _timeProvider = timeProvider;
        _metrics = metrics;
        _logger = logger;
        CreateOwnerOnlyDirectory(_directory);
        foreach (var leftover in Directory.EnumerateFiles(_directory, "*.tmp"))
        {
            // A segment whose rename never happened was never acknowledged as written: its events are elsewhere.
            File.Delete(leftover);
        }

        metrics.ObserveSpill(CurrentFiles, CurrentBytes);
    }

    /// <summary>Writes one segment.</summary>
    /// <returns><see langword="null"/> when written; otherwise why not (the events are then not on disk).</returns>
    public string? TryWrite(IReadOnlyList<Event> events)
    {
        var payload = new RecordEventsRequest.Types.EventsPayload();
        payload.Events.Add(events);
        var body = payload.ToByteArray();
        var size = HeaderLength + body.Length + HashLength;
        if (CurrentBytes() + size > _maxBytes)
        {
            return $"the spill directory holds its maximum of {_maxBytes} bytes";
        }

        var created = _timeProvider.GetUtcNow();
        var name = $"{created.ToUnixTimeMilliseconds():D15}-{Environment.ProcessId}-{Interlocked.Increment(ref _sequence):D8}{Extension}";
        var path = Path.Combine(_directory, name);
        var temporary = path + ".tmp";
        try
        {
            var buffer = new byte[size];
            Magic.CopyTo(buffer, 0);
            BinaryPrimitives.WriteInt64LittleEndian(buffer.AsSpan(8), created.ToUnixTimeMilliseconds());
            BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(16), events.Count);
            BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(20), body.Length);
            body.CopyTo(buffer, HeaderLength);
            SHA256.HashData(body, buffer.AsSpan(HeaderLength + body.Length));
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.None))
            {
                stream.Write(buffer);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path);
            Log.Spilled(_logger, events.Count, name);
            return null;
        }
        catch (IOException exception)
        {
            TryDelete(temporary);
            return exception.Message;
        }
        catch (UnauthorizedAccessException exception)
        {
            TryDelete(temporary);
            return exception.Message;
        }
    }

    /// <summary>
    /// Reads the oldest good segment. Corrupt ones are moved aside and expired ones deleted (their events counted)
    /// on the way.
    /// </summary>
    public (SpillSegment Segment, List<Event> Events)? TryReadOldest()
    {
        foreach (var path in SegmentPaths())
        {
            if (Read(path) is { } segment)
            {
                return segment;
            }
        }

        return null;
    }

    public bool HasSegments() => SegmentPaths().Any();

    public static void Delete(SpillSegment segment) => TryDelete(segment.Path);

    private (SpillSegment, List<Event>)? Read(string path)
    {
        byte[] data;
        try
        {
            data = File.ReadAllBytes(path);
        }
        catch (IOException)
        {
            return null;
        }

        var name = Path.GetFileName(path);
        var problem = Validate(data, out var created, out var count, out var body);
        if (problem is not null)
        {
            Quarantine(path, name, problem);
            return null;
        }

        if (_timeProvider.GetUtcNow() - created > _maxAge)
        {
            TryDelete(path);
            _metrics.Dropped(DropReason.Expired, count);
            Log.SpillExpired(_logger, count, name, _maxAge);
            return null;
        }

        List<Event> events;
        try
        {
            events = [.. RecordEventsRequest.Types.EventsPayload.Parser.ParseFrom(body).Events];
        }
        catch (InvalidProtocolBufferException)
        {
            Quarantine(path, name, "the events do not decode");
            return null;
        }

        Log.Replaying(_logger, events.Count, name);
        return (new SpillSegment(path, events.Count), events);
    }

    private static string? Validate(byte[] data, out DateTimeOffset created, out int count, out ReadOnlySpan<byte> body)
    {
        created = default;
        count = 0;
        body = default;
        if (data.Length < HeaderLength + HashLength || !data.AsSpan(0, 8).SequenceEqual(Magic))
        {
            return "not a segment file or truncated";
        }

        created = DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64LittleEndian(data.AsSpan(8)));
        count = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(16));
        var length = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(20));
        if (length < 0 || HeaderLength + length + HashLength != data.Length)
        {
            return "truncated";
        }

        body = data.AsSpan(HeaderLength, length);
        Span<byte> hash = stackalloc byte[HashLength];
        SHA256.HashData(body, hash);
        return hash.SequenceEqual(data.AsSpan(HeaderLength + length)) ? null : "checksum mismatch";
    }

    private void Quarantine(string path, string name, string reason)
    {
        var corrupt = Path.Combine(_directory, "corrupt");
        var destination = Path.Combine(corrupt, name);
        try
        {
            CreateOwnerOnlyDirectory(corrupt);
            File.Move(path, destination, overwrite: true);
        }
        catch (IOException)
        {
            TryDelete(path);
        }

        _metrics.SpillFileCorrupt();
        Log.SpillFileCorrupt(_logger, name, reason, destination);
    }

    private IEnumerable<string> SegmentPaths() =>
        Directory.EnumerateFiles(_directory, "*" + Extension).Order(StringComparer.Ordinal);

    private int CurrentFiles() => SegmentPaths().Count();

    private long CurrentBytes() => SegmentPaths().Sum(path => new FileInfo(path).Length);

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: a segment that cannot be deleted is replayed again later, keeping its ids.
        }
    }

    private static void CreateOwnerOnlyDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
