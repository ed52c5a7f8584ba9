using System.Buffers;
using TelemetryHosting.Recording.Internal;

namespace TelemetryHosting.Export.Internal;

/// <summary>
/// Encodes a recorded event into the bytes the generated <c>Event</c> would serialize to (a test compares them), without
/// the ten or so objects per event that building that message costs.
/// </summary>
internal static class EventEncoder
{
    private const int StackLengths = 64;

    public static byte[] Encode(PendingEvent pending, string serviceVersion)
    {
        // Eleven nested messages at most (timestamp, source, server, client, parameters, private metadata, billing, user,
        // feature flags, marketing tracking, interaction), and one per map entry.
        var nested = 11 + (pending.Metadata?.Length ?? 0) + (pending.FeatureFlags?.Length ?? 0);
        var rented = nested > StackLengths ? ArrayPool<int>.Shared.Rent(nested) : null;
        Span<int> lengths = rented ?? stackalloc int[StackLengths];
        var measuring = ProtoWriter.Measuring(lengths);
        Write(ref measuring, pending, serviceVersion);
        var buffer = new byte[measuring.Position];
        var writer = new ProtoWriter(buffer, lengths);
        Write(ref writer, pending, serviceVersion);
        if (rented is not null)
        {
            ArrayPool<int>.Shared.Return(rented);
        }

        return buffer;
    }

    private static void Write(ref ProtoWriter writer, PendingEvent pending, string serviceVersion)
    {
        // Field order and presence as the generated Event.WriteTo.
        writer.Tag(1, ProtoWriter.LengthDelimited);
        writer.Varint(36);
        writer.Guid(pending.Id);

        var seconds = pending.Timestamp.ToUnixTimeSeconds();
        var timestamp = writer.Begin(2);
        writer.Int64Field(1, seconds);
        writer.Int64Field(2, (pending.Timestamp.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks - (seconds * TimeSpan.TicksPerSecond)) * 100);
        writer.End(timestamp);

        writer.StringField(3, pending.Feature);
        writer.StringField(4, pending.Action);

        var source = writer.Begin(5);
        var server = writer.Begin(1);
        writer.StringField(1, serviceVersion);
        writer.End(server);
        if (pending.Client is { Name.Length: > 0 } client)
        {
            var clientMessage = writer.Begin(2);
            writer.StringField(1, client.Name);
            writer.StringField(2, client.Version ?? string.Empty);
            writer.End(clientMessage);
        }

        writer.End(source);

        var parameters = writer.Begin(6);
        writer.Int64Field(1, pending.Version);
        if (pending.PrivateMetadata is { } privateMetadata)
        {
            writer.Message(3, privateMetadata);
        }

        if (pending.Billing is { } billing)
        {
            var billingMessage = writer.Begin(4);
            writer.StringField(1, billing.Product);
            writer.StringField(2, billing.Category);
            writer.End(billingMessage);
        }

        foreach (var (key, value) in pending.Metadata ?? [])
        {
            var entry = writer.Begin(5);
            writer.StringField(1, key);

            // The generated map codec leaves out a value equal to its default: a double compared bitwise (-0.0 is written).
            if (BitConverter.DoubleToInt64Bits(value) != 0)
            {
                writer.Tag(2, 1);
                writer.Double(value);
            }

            writer.End(entry);
        }

        writer.End(parameters);

        // Left out when no field of it is set.
        if (pending.User is { } user && (user.UserId is not null || !string.IsNullOrEmpty(user.AnonymousUserId) || !string.IsNullOrEmpty(user.SamsExternalId)))
        {
            var userMessage = writer.Begin(7);
            if (user.UserId is { } id)
            {
                writer.Tag(1, 0);
                writer.Varint((ulong)id);
            }

            writer.StringField(2, user.AnonymousUserId ?? string.Empty);
            writer.StringField(3, user.SamsExternalId ?? string.Empty);
            writer.End(userMessage);
        }

        if (pending.FeatureFlags is { } flags)
        {
            var featureFlags = writer.Begin(8);
            foreach (var (name, enabled) in flags)
            {
                var entry = writer.Begin(1);
                writer.StringField(1, name);
                writer.StringField(2, enabled ? "true" : "false");
                writer.End(entry);
            }

            writer.End(featureFlags);
        }

        // Left out, like the user, when no field of it is set.
        if (pending.MarketingTracking is { } tracking && HasAny(tracking))
        {
            var trackingMessage = writer.Begin(9);
            writer.StringField(1, tracking.Url ?? string.Empty);
            writer.StringField(2, tracking.FirstSourceUrl ?? string.Empty);
            writer.StringField(3, tracking.CohortId ?? string.Empty);
            writer.StringField(4, tracking.Referrer ?? string.Empty);
            writer.StringField(5, tracking.LastSourceUrl ?? string.Empty);
            writer.StringField(6, tracking.DeviceSessionId ?? string.Empty);
            writer.StringField(7, tracking.SessionReferrer ?? string.Empty);
            writer.StringField(8, tracking.SessionFirstUrl ?? string.Empty);
            writer.End(trackingMessage);
        }

        if (pending.TraceId != default || !string.IsNullOrEmpty(pending.InteractionId))
        {
            var interaction = writer.Begin(10);
            if (pending.TraceId != default)
            {
                // Lower-case hex, kept by the id itself: nothing to format.
                writer.StringField(1, pending.TraceId.ToHexString());
            }

            writer.StringField(2, pending.InteractionId ?? string.Empty);
            writer.End(interaction);
        }
    }

    private static bool HasAny(TelemetryMarketingTracking tracking) =>
        !string.IsNullOrEmpty(tracking.Url) || !string.IsNullOrEmpty(tracking.FirstSourceUrl) || !string.IsNullOrEmpty(tracking.CohortId)
        || !string.IsNullOrEmpty(tracking.Referrer) || !string.IsNullOrEmpty(tracking.LastSourceUrl)
        || !string.IsNullOrEmpty(tracking.DeviceSessionId) || !string.IsNullOrEmpty(tracking.SessionReferrer)
        || !string.IsNullOrEmpty(tracking.SessionFirstUrl);
}
