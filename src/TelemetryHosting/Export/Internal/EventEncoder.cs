using System.Buffers.Binary;
using System.Text;
using Google.Protobuf;
using TelemetryHosting.Recording.Internal;

namespace TelemetryHosting.Export.Internal;

/// <summary>
/// Encodes a recorded event straight into the gateway's <c>Event</c> wire format: the bytes
/// <see cref="EventMessageBuilder.Build"/> followed by <c>ToByteArray()</c> would give (a test compares them), without
/// the ten or so message, map and string objects per event that building the message costs.
/// </summary>
internal static class EventEncoder
{
    private const int LengthDelimited = 2;
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public static byte[] Encode(PendingEvent pending, string serviceVersion)
    {
        var sizes = new Sizes(pending, serviceVersion);
        var buffer = new byte[sizes.Event];
        var writer = new Writer(buffer);

        // Field order and presence as the generated Event.WriteTo: 1 id, 2 timestamp, 3 feature, 4 action, 5 source,
        // 6 parameters, 7 user, 8 feature flags, 10 interaction.
        writer.Tag(1, LengthDelimited);
        writer.Varint(36);
        writer.Guid(pending.Id);

        writer.Tag(2, LengthDelimited);
        writer.Varint((ulong)sizes.Timestamp);
        if (sizes.Seconds != 0)
        {
            writer.Tag(1, 0);
            writer.Varint((ulong)sizes.Seconds);
        }

        if (sizes.Nanos != 0)
        {
            writer.Tag(2, 0);
            writer.Varint((ulong)(long)sizes.Nanos);
        }

        writer.StringField(3, pending.Feature);
        writer.StringField(4, pending.Action);

        writer.Tag(5, LengthDelimited);
        writer.Varint((ulong)sizes.Source);
        writer.Tag(1, LengthDelimited);
        writer.Varint((ulong)sizes.Server);
        writer.StringField(1, serviceVersion);
        if (sizes.HasClient)
        {
            writer.Tag(2, LengthDelimited);
            writer.Varint((ulong)sizes.Client);
            writer.StringField(1, pending.Client!.Name);
            if (!string.IsNullOrEmpty(pending.Client.Version))
            {
                writer.Tag(2, LengthDelimited);
                writer.String(pending.Client.Version);
            }
        }

        writer.Tag(6, LengthDelimited);
        writer.Varint((ulong)sizes.Parameters);
        if (pending.Version != 0)
        {
            writer.Tag(1, 0);
            writer.Varint((ulong)(long)pending.Version);
        }

        if (pending.PrivateMetadata is { } privateMetadata)
        {
            writer.Tag(3, LengthDelimited);
            writer.Varint((ulong)sizes.PrivateMetadata);
            writer.Message(privateMetadata, sizes.PrivateMetadata);
        }

        if (pending.Billing is { } billing)
        {
            writer.Tag(4, LengthDelimited);
            writer.Varint((ulong)sizes.Billing);
            writer.StringField(1, billing.Product);
            writer.StringField(2, billing.Category);
        }

        if (pending.Metadata is { } metadata)
        {
            foreach (var (key, value) in metadata)
            {
                writer.Tag(5, LengthDelimited);
                writer.Varint((ulong)MetadataEntrySize(key, value));
                writer.StringField(1, key);
                if (!IsDefault(value))
                {
                    writer.Tag(2, 1);
                    writer.Double(value);
                }
            }
        }

        if (sizes.User > 0)
        {
            var user = pending.User!;
            writer.Tag(7, LengthDelimited);
            writer.Varint((ulong)sizes.User);
            if (user.UserId is { } id)
            {
                writer.Tag(1, 0);
                writer.Varint((ulong)id);
            }

            if (!string.IsNullOrEmpty(user.AnonymousUserId))
            {
                writer.Tag(2, LengthDelimited);
                writer.String(user.AnonymousUserId);
            }

            if (!string.IsNullOrEmpty(user.SamsExternalId))
            {
                writer.Tag(3, LengthDelimited);
                writer.String(user.SamsExternalId);
            }
        }

        if (pending.FeatureFlags is { } flags)
        {
            writer.Tag(8, LengthDelimited);
            writer.Varint((ulong)sizes.FeatureFlags);
            foreach (var (name, enabled) in flags)
            {
                writer.Tag(1, LengthDelimited);
                writer.Varint((ulong)FlagEntrySize(name, enabled));
                writer.StringField(1, name);
                writer.StringField(2, enabled ? "true" : "false");
            }
        }

        if (sizes.Interaction >= 0)
        {
            writer.Tag(10, LengthDelimited);
            writer.Varint((ulong)sizes.Interaction);
            if (pending.TraceId != default)
            {
                writer.Tag(1, LengthDelimited);
                writer.Varint(32);
                writer.TraceId(pending.TraceId);
            }

            if (!string.IsNullOrEmpty(pending.InteractionId))
            {
                writer.Tag(2, LengthDelimited);
                writer.String(pending.InteractionId);
            }
        }

        if (writer.Position != buffer.Length)
        {
            throw new InvalidOperationException($"Encoded {writer.Position} bytes, computed {buffer.Length}.");
        }

        return buffer;
    }

    // The generated map codecs leave out a key or value equal to its default (a double compared bitwise).
    private static bool IsDefault(double value) => BitConverter.DoubleToInt64Bits(value) == 0;

    private static int StringFieldSize(string value) => value.Length == 0 ? 0 : LengthDelimitedSize(Utf8.GetByteCount(value));

    private static int LengthDelimitedSize(int length) => 1 + CodedOutputStream.ComputeLengthSize(length) + length;

    private static int MetadataEntrySize(string key, double value) => StringFieldSize(key) + (IsDefault(value) ? 0 : 9);

    private static int FlagEntrySize(string name, bool enabled) => StringFieldSize(name) + StringFieldSize(enabled ? "true" : "false");

    /// <summary>The length of every nested message, computed before writing (lengths precede contents).</summary>
    private readonly struct Sizes
    {
        public Sizes(PendingEvent pending, string serviceVersion)
        {
            var timestamp = pending.Timestamp;
            Seconds = timestamp.ToUnixTimeSeconds();
            Nanos = (int)((timestamp.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks - (Seconds * TimeSpan.TicksPerSecond)) * 100);
            Timestamp = (Seconds != 0 ? 1 + CodedOutputStream.ComputeInt64Size(Seconds) : 0) + (Nanos != 0 ? 1 + CodedOutputStream.ComputeInt32Size(Nanos) : 0);

            Server = StringFieldSize(serviceVersion);
            HasClient = pending.Client is { Name.Length: > 0 };
            Client = HasClient
                ? StringFieldSize(pending.Client!.Name) + (string.IsNullOrEmpty(pending.Client.Version) ? 0 : LengthDelimitedSize(Utf8.GetByteCount(pending.Client.Version)))
                : 0;
            Source = LengthDelimitedSize(Server) + (HasClient ? LengthDelimitedSize(Client) : 0);

            PrivateMetadata = pending.PrivateMetadata?.CalculateSize() ?? 0;
            Billing = pending.Billing is { } billing ? StringFieldSize(billing.Product) + StringFieldSize(billing.Category) : 0;
            var parameters = pending.Version != 0 ? 1 + CodedOutputStream.ComputeInt32Size(pending.Version) : 0;
            if (pending.PrivateMetadata is not null)
            {
                parameters += LengthDelimitedSize(PrivateMetadata);
            }

            if (pending.Billing is not null)
            {
                parameters += LengthDelimitedSize(Billing);
            }

            if (pending.Metadata is { } metadata)
            {
                foreach (var (key, value) in metadata)
                {
                    parameters += LengthDelimitedSize(MetadataEntrySize(key, value));
                }
            }

            Parameters = parameters;

            User = 0;
            if (pending.User is { } user)
            {
                User = (user.UserId is { } id ? 1 + CodedOutputStream.ComputeInt64Size(id) : 0)
                    + (string.IsNullOrEmpty(user.AnonymousUserId) ? 0 : LengthDelimitedSize(Utf8.GetByteCount(user.AnonymousUserId)))
                    + (string.IsNullOrEmpty(user.SamsExternalId) ? 0 : LengthDelimitedSize(Utf8.GetByteCount(user.SamsExternalId)));
            }

            FeatureFlags = 0;
            if (pending.FeatureFlags is { } flags)
            {
                foreach (var (name, enabled) in flags)
                {
                    FeatureFlags += LengthDelimitedSize(FlagEntrySize(name, enabled));
                }
            }

            var hasTrace = pending.TraceId != default;
            var hasInteractionId = !string.IsNullOrEmpty(pending.InteractionId);
            Interaction = hasTrace || hasInteractionId
                ? (hasTrace ? LengthDelimitedSize(32) : 0) + (hasInteractionId ? LengthDelimitedSize(Utf8.GetByteCount(pending.InteractionId!)) : 0)
                : -1;

            Event = LengthDelimitedSize(36)
                + LengthDelimitedSize(Timestamp)
                + StringFieldSize(pending.Feature)
                + StringFieldSize(pending.Action)
                + LengthDelimitedSize(Source)
                + LengthDelimitedSize(Parameters)
                + (User > 0 ? LengthDelimitedSize(User) : 0)
                + (pending.FeatureFlags is not null ? LengthDelimitedSize(FeatureFlags) : 0)
                + (Interaction >= 0 ? LengthDelimitedSize(Interaction) : 0);
        }

        public long Seconds { get; }

        public int Nanos { get; }

        public int Timestamp { get; }

        public int Server { get; }

        public bool HasClient { get; }

        public int Client { get; }

        public int Source { get; }

        public int PrivateMetadata { get; }

        public int Billing { get; }

        public int Parameters { get; }

        /// <summary>Gets the user message's size, 0 when the user is left unset (it has no field set).</summary>
        public int User { get; }

        public int FeatureFlags { get; }

        /// <summary>Gets the interaction message's size, -1 when it is left unset.</summary>
        public int Interaction { get; }

        public int Event { get; }
    }

    private ref struct Writer(Span<byte> buffer)
    {
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
}
