using TelemetryHosting.Recording.Internal;

namespace TelemetryHosting.Export.Internal;

/// <summary>
/// Encodes a recorded event straight into the gateway's <c>Event</c> wire format: the bytes
/// the generated message would serialize to (a test compares them with a reference built through it), without
/// the ten or so message, map and string objects per event that building the message costs.
/// </summary>
internal static class EventEncoder
{
    private const int LengthDelimited = ProtoWriter.LengthDelimited;

    public static byte[] Encode(PendingEvent pending, string serviceVersion)
    {
        var sizes = new EventSizes(pending, serviceVersion);
        var buffer = new byte[sizes.Event];
        var writer = new ProtoWriter(buffer);

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
                writer.Varint((ulong)EventSizes.MetadataEntrySize(key, value));
                writer.StringField(1, key);
                if (!EventSizes.IsDefault(value))
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
                writer.Varint((ulong)EventSizes.FlagEntrySize(name, enabled));
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
}
