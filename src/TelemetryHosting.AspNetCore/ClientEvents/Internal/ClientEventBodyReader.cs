using System.Buffers;

namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>
/// Reads a request body into a pooled buffer that grows as bytes arrive, up to one byte more than the limit (so that a
/// body over the limit is seen without reading the rest). The limit applies to the body as the endpoint reads it: when
/// the host decompresses requests, to the decompressed bytes.
/// </summary>
internal sealed class ClientEventBodyReader : IDisposable
{
    private const int InitialBufferBytes = 4096;

    private byte[] _buffer = [];

    /// <summary>Gets the bytes read.</summary>
    public ReadOnlyMemory<byte> Body => _buffer.AsMemory(0, Length);

    public int Length { get; private set; }

    /// <summary>Reads <paramref name="body"/> until it ends or more than <paramref name="maxBytes"/> bytes have been read.</summary>
    /// <remarks>
    /// A declared <c>Content-Length</c> neither sizes nor bounds the buffer: it counts the bytes on the wire, which a
    /// host's request decompression turns into more.
    /// </remarks>
    public async Task ReadAsync(Stream body, int maxBytes, CancellationToken cancellationToken)
    {
        var cap = (int)Math.Min(maxBytes + 1L, int.MaxValue);
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Min(cap, InitialBufferBytes));
        while (true)
        {
            var room = Math.Min(_buffer.Length, cap);
            if (Length == room)
            {
                if (room == cap)
                {
                    return;
                }

                var larger = ArrayPool<byte>.Shared.Rent(Math.Min(cap, _buffer.Length * 2));
                _buffer.AsSpan(0, Length).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(_buffer, clearArray: true);
                _buffer = larger;
                room = Math.Min(_buffer.Length, cap);
            }

            var read = await body.ReadAsync(_buffer.AsMemory(Length, room - Length), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return;
            }

            Length += read;
        }
    }

    public void Dispose()
    {
        if (_buffer.Length > 0)
        {
            // Cleared: request bodies (private metadata among them) must not be readable by the next renter.
            ArrayPool<byte>.Shared.Return(_buffer, clearArray: true);
            _buffer = [];
        }
    }
}
