using System.Text;

namespace TelemetryHosting.DevGateway.Internal;

/// <summary>
/// Collects text written by the protobuf JSON formatter while counting its UTF-8 bytes, and stops the formatting as soon as
/// the count reaches a limit: an event that is dropped for size is never formatted whole (a 90 MiB event of escaped
/// control characters would be over 1 GiB of text).
/// </summary>
internal sealed class BoundedJsonText(long limitBytes) : TextWriter
{
    private readonly StringBuilder _text = new();

    public override Encoding Encoding => Encoding.UTF8;

    /// <summary>Gets the UTF-8 length of what was written so far.</summary>
    public long Utf8Bytes { get; private set; }

    public override void Write(char value)
    {
        Count(value);
        _text.Append(value);
    }

    public override void Write(string? value) => Write(value.AsSpan());

    public override void Write(char[] buffer, int index, int count) => Write(buffer.AsSpan(index, count));

    public override void Write(ReadOnlySpan<char> buffer)
    {
        foreach (var c in buffer)
        {
            Count(c);
        }

        _text.Append(buffer);
    }

    public override string ToString() => _text.ToString();

    private void Count(char c)
    {
        // A surrogate pair is 4 bytes in UTF-8, counted on its high half. The text comes from parsed protobuf strings,
        // which are valid UTF-8, so there are no lone surrogates.
        Utf8Bytes += c switch
        {
            < '\u0080' => 1,
            < '\u0800' => 2,
            _ when char.IsHighSurrogate(c) => 4,
            _ when char.IsLowSurrogate(c) => 0,
            _ => 3,
        };
        if (Utf8Bytes >= limitBytes)
        {
            throw new LimitReachedException();
        }
    }

    /// <summary>Thrown from inside the formatter to stop it once the limit is reached; caught by the caller.</summary>
    internal sealed class LimitReachedException : Exception
    {
        public LimitReachedException()
            : base("The JSON text reached its size limit.")
        {
        }
    }
}
