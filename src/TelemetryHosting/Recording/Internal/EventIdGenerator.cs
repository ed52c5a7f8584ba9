using System.Security.Cryptography;

namespace TelemetryHosting.Recording.Internal;

/// <summary>
/// Creates UUIDv7 event ids, as <see cref="Guid.CreateVersion7(DateTimeOffset)"/> does, from random bytes taken from
/// the operating system a buffer at a time.
/// </summary>
/// <remarks>
/// <see cref="Guid.CreateVersion7(DateTimeOffset)"/> asks the operating system for 16 random bytes per id: one
/// system call, which on small or virtualised machines costs most of a microsecond and dominated
/// <see cref="ITelemetryRecorder.Record"/> (docs/performance.md). Each thread keeps a buffer of cryptographically
/// random bytes instead and refills it every <see cref="IdsPerRefill"/> ids.
/// </remarks>
internal static class EventIdGenerator
{
    private const int RandomBytesPerId = 10;
    private const int IdsPerRefill = 256;
    private const int BufferSize = RandomBytesPerId * IdsPerRefill;

    [ThreadStatic]
    private static byte[]? t_random;

    [ThreadStatic]
    private static int t_next;

    public static Guid CreateVersion7(DateTimeOffset timestamp)
    {
        var unixMilliseconds = timestamp.ToUnixTimeMilliseconds();
        ArgumentOutOfRangeException.ThrowIfNegative(unixMilliseconds, nameof(timestamp));

        var buffer = t_random;
        var next = t_next;
        if (buffer is null || next == BufferSize)
        {
            buffer ??= t_random = new byte[BufferSize];
            RandomNumberGenerator.Fill(buffer);
            next = 0;
        }

        t_next = next + RandomBytesPerId;
        var random = buffer.AsSpan(next, RandomBytesPerId);

        // RFC 9562 section 5.7: 48 bits of Unix milliseconds, version 7, 12 random bits, variant 10, 62 random bits.
        return new Guid(
            (int)(unixMilliseconds >> 16),
            (short)unixMilliseconds,
            (short)(0x7000 | ((random[0] & 0x0F) << 8) | random[1]),
            (byte)(0x80 | (random[2] & 0x3F)),
            random[3],
            random[4],
            random[5],
            random[6],
            random[7],
            random[8],
            random[9]);
    }
}
