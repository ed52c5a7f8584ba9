using System.Buffers.Binary;
using System.Text;
using Google.Protobuf;

namespace TelemetryHosting.Export.Internal;

/// <summary>
/// Writes protobuf wire primitives (tags, varints, strings, fixed-width values, nested messages) into a buffer sized
/// beforehand; <see cref="EventEncoder"/> writes an event with it.
/// </summary>
internal ref struct ProtoWriter(Span<byte> buffer)
{
    /// <summary>The wire type of strings, bytes and nested messages: a length, then that many bytes.</summary>
    public const int LengthDelimited = 2;

    /// <summary>The encoding of every protobuf string (no byte order mark).</summary>
    public static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private readonly Span<byte> _buffer = buffer;

    public int Position { get; private set; }

    public void Tag(int field, int wireType) => Varint((ulong)((field << 3) | wireType));

    public void Varint(ulong value)
    {
        while (value >= 0x80)
        {
            _buffer[Position++] = (byte)(value | 0x80);
            value >>= 7;
        }

        _buffer[Position++] = (byte)value;
    }

    public void StringField(int field, string value)
    {
        if (value.Length > 0)
        {
            Tag(field, LengthDelimited);
            String(value);
        }
    }

    public void String(string value)
    {
        var length = Utf8.GetByteCount(value);
        Varint((ulong)length);
        Position += Utf8.GetBytes(value, _buffer[Position..]);
    }

    public void Guid(Guid id)
    {
        _ = id.TryFormat(_buffer[Position..], out var written, "D");
        Position += written;
    }

    public void TraceId(System.Diagnostics.ActivityTraceId traceId)
    {
        // Lower-case hex, as ActivityTraceId.ToHexString gives.
        Span<byte> raw = stackalloc byte[16];
        traceId.CopyTo(raw);
        foreach (var b in raw)
        {
            _buffer[Position++] = (byte)"0123456789abcdef"[b >> 4];
            _buffer[Position++] = (byte)"0123456789abcdef"[b & 0xF];
        }
    }

    public void Double(double value)
    {
        BinaryPrimitives.WriteDoubleLittleEndian(_buffer[Position..], value);
        Position += 8;
    }

    public void Message(IMessage message, int size)
    {
        message.WriteTo(_buffer.Slice(Position, size));
        Position += size;
    }
}
