using System.Buffers.Binary;
using System.Text;
using Google.Protobuf;

namespace TelemetryHosting.Export.Internal;

/// <summary>
/// Writes protobuf wire primitives into a buffer sized beforehand, or only counts their bytes (<see cref="Measuring"/>).
/// The same walk of a message runs measuring, then writing: measuring records the length of each nested message as it
/// ends, writing reads them back, in the order the nested messages start, to put them before their contents.
/// </summary>
internal ref struct ProtoWriter(Span<byte> buffer, Span<int> nestedLengths = default)
{
    /// <summary>The wire type of strings, bytes and nested messages: a length, then that many bytes.</summary>
    public const int LengthDelimited = 2;

    private readonly Span<byte> _buffer = buffer;
    private readonly Span<int> _lengths = nestedLengths;
    private bool _measuring;
    private int _nested;

    public int Position { get; private set; }

    public static ProtoWriter Measuring(Span<int> nestedLengths = default) => new(default, nestedLengths) { _measuring = true };

    public void Tag(int field, int wireType) => Varint((ulong)((field << 3) | wireType));

    public void Varint(ulong value)
    {
        if (_measuring)
        {
            Next(CodedOutputStream.ComputeRawVarint64Size(value));
            return;
        }

        while (value >= 0x80)
        {
            _buffer[Position++] = (byte)(value | 0x80);
            value >>= 7;
        }

        _buffer[Position++] = (byte)value;
    }

    /// <summary>Writes an int32 or int64 field, left out when 0.</summary>
    public void Int64Field(int field, long value)
    {
        if (value != 0)
        {
            Tag(field, 0);
            Varint((ulong)value);
        }
    }

    public void StringField(int field, string value)
    {
        if (value.Length == 0)
        {
            return;
        }

        var length = Encoding.UTF8.GetByteCount(value);
        if (_measuring)
        {
            // Counted in one step (strings are most of an event's fields): the measuring pass is on the encoding's hot path.
            Next(CodedOutputStream.ComputeTagSize(field) + CodedOutputStream.ComputeLengthSize(length) + length);
            return;
        }

        Tag(field, LengthDelimited);
        Varint((ulong)length);
        Encoding.UTF8.GetBytes(value, Next(length));
    }

    /// <summary>Starts a nested message with its tag and length; returns what <see cref="End"/> takes.</summary>
    public int Begin(int field)
    {
        Tag(field, LengthDelimited);
        var index = _nested++;
        if (_measuring)
        {
            // Its start, until End replaces it with its length.
            _lengths[index] = Position;
        }
        else
        {
            Varint((uint)_lengths[index]);
        }

        return index;
    }

    public void End(int index)
    {
        if (_measuring)
        {
            _lengths[index] = Position - _lengths[index];
            Next(CodedOutputStream.ComputeLengthSize(_lengths[index]));
        }
    }

    public void Message(int field, IMessage message)
    {
        var index = Begin(field);
        var next = Next(_measuring ? message.CalculateSize() : _lengths[index]);
        if (!_measuring)
        {
            message.WriteTo(next);
        }

        End(index);
    }

    public void Guid(Guid id) => _ = id.TryFormat(Next(36), out _, "D");

    public void Double(double value) => _ = BinaryPrimitives.TryWriteDoubleLittleEndian(Next(8), value);

    public void Bytes(ReadOnlySpan<byte> bytes) => _ = bytes.TryCopyTo(Next(bytes.Length));

    /// <summary>
    /// Moves past the next <paramref name="count"/> bytes and returns them, to be written; measuring, returns an empty
    /// span, into which nothing is written (the <c>Try</c> writes fail only then: writing, the span always fits).
    /// </summary>
    private Span<byte> Next(int count)
    {
        var next = _measuring ? default : _buffer.Slice(Position, count);

        // Checked: a measured size that overflows must fail, not be written short.
        Position = checked(Position + count);
        return next;
    }
}
