using System.Buffers.Binary;
using System.Security.Cryptography;
using TelemetryHosting.Export.Internal;

namespace TelemetryHosting.Persistence.Internal;

/// <summary>
/// A spill segment file: magic, creation time, event count, payload length (the header), the events as one protobuf
/// <c>EventsPayload</c>, and a SHA-256 over everything before it. The checksum detects corruption (torn writes, bad
/// disks), not tampering: it has no key, so the directory's owner-only permissions are what keep others' files out.
/// </summary>
internal static class SpillSegmentFormat
{
    private const int HeaderLength = 8 + 8 + 4 + 4;
    private const int HashLength = 32;
    private const int MaxEventsPerSegment = 10_000_000;
    private static readonly byte[] Magic = "THSEG002"u8.ToArray();

    /// <summary>The size of a segment file whose payload is <paramref name="bodyLength"/> bytes.</summary>
    public static int Size(int bodyLength) => checked(HeaderLength + bodyLength + HashLength);

    /// <summary>A whole segment file of encoded events, whose payload is <paramref name="bodyLength"/> bytes.</summary>
    public static byte[] Write(IReadOnlyList<OutboundEvent> events, int bodyLength, DateTimeOffset created)
    {
        var buffer = new byte[Size(bodyLength)];
        Magic.CopyTo(buffer, 0);
        BinaryPrimitives.WriteInt64LittleEndian(buffer.AsSpan(8), created.ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(16), events.Count);
        BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(20), bodyLength);
        EncodedEventsRequest.WritePayload(buffer.AsSpan(HeaderLength, bodyLength), events);
        SHA256.HashData(buffer.AsSpan(0, HeaderLength + bodyLength), buffer.AsSpan(HeaderLength + bodyLength));

        return buffer;
    }

    /// <summary>The creation time in the header of a segment that <see cref="Check"/> passed.</summary>
    public static DateTimeOffset ReadCreated(ReadOnlySpan<byte> data) =>
        DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64LittleEndian(data[8..]));

    /// <summary>The events payload of a segment that <see cref="Check"/> passed.</summary>
    public static ReadOnlySpan<byte> ReadPayload(ReadOnlySpan<byte> data) =>
        data.Slice(HeaderLength, BinaryPrimitives.ReadInt32LittleEndian(data[20..]));

    /// <summary>Checks a segment's layout and checksum; returns what is wrong, or <see langword="null"/>.</summary>
    public static string? Check(ReadOnlySpan<byte> data)
    {
        if (data.Length < HeaderLength + HashLength || !data[..8].SequenceEqual(Magic))
        {
            return "not a segment file, or truncated";
        }

        var created = BinaryPrimitives.ReadInt64LittleEndian(data[8..]);
        var count = BinaryPrimitives.ReadInt32LittleEndian(data[16..]);
        var length = BinaryPrimitives.ReadInt32LittleEndian(data[20..]);
        if (length < 0 || (long)HeaderLength + length + HashLength != data.Length)
        {
            return "truncated";
        }

        Span<byte> hash = stackalloc byte[HashLength];
        SHA256.HashData(data[..(HeaderLength + length)], hash);
        if (!hash.SequenceEqual(data[(HeaderLength + length)..]))
        {
            return "checksum mismatch";
        }

        var validTime = created is >= 0 and <= 253_402_300_799_999; // DateTimeOffset.MaxValue in Unix milliseconds
        return validTime && count is >= 0 and <= MaxEventsPerSegment ? null : "header out of range";
    }

    /// <summary>The event count in a segment's header, or 0 when the header is not readable or the file may not be read (<see cref="SpillFiles.OpenToRead"/>).</summary>
    public static int ReadCount(string path)
    {
        try
        {
            Span<byte> header = stackalloc byte[HeaderLength];
            using var stream = SpillFiles.OpenToRead(path, out _);
            if (stream is null || stream.ReadAtLeast(header, HeaderLength, throwOnEndOfStream: false) < HeaderLength || !header[..8].SequenceEqual(Magic))
            {
                return 0;
            }

            var count = BinaryPrimitives.ReadInt32LittleEndian(header[16..]);
            return count is >= 0 and <= MaxEventsPerSegment ? count : 0;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }
}
