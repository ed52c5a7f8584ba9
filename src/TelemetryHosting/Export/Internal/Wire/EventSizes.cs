using Google.Protobuf;
using TelemetryHosting.Recording.Internal;

namespace TelemetryHosting.Export.Internal;

/// <summary>
/// The length of every nested message of an encoded event, computed before <see cref="EventEncoder"/> writes it
/// (lengths precede contents); and the size arithmetic of the fields it writes.
/// </summary>
internal readonly struct EventSizes
{
    public EventSizes(PendingEvent pending, string serviceVersion)
    {
        var timestamp = pending.Timestamp;
        Seconds = timestamp.ToUnixTimeSeconds();
        Nanos = (int)((timestamp.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks - (Seconds * TimeSpan.TicksPerSecond)) * 100);
        Timestamp = (Seconds != 0 ? 1 + CodedOutputStream.ComputeInt64Size(Seconds) : 0) + (Nanos != 0 ? 1 + CodedOutputStream.ComputeInt32Size(Nanos) : 0);

        Server = StringFieldSize(serviceVersion);
        HasClient = pending.Client is { Name.Length: > 0 };
        Client = HasClient
            ? StringFieldSize(pending.Client!.Name) + (string.IsNullOrEmpty(pending.Client.Version) ? 0 : LengthDelimitedSize(ProtoWriter.Utf8.GetByteCount(pending.Client.Version)))
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
                + (string.IsNullOrEmpty(user.AnonymousUserId) ? 0 : LengthDelimitedSize(ProtoWriter.Utf8.GetByteCount(user.AnonymousUserId)))
                + (string.IsNullOrEmpty(user.SamsExternalId) ? 0 : LengthDelimitedSize(ProtoWriter.Utf8.GetByteCount(user.SamsExternalId)));
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
            ? (hasTrace ? LengthDelimitedSize(32) : 0) + (hasInteractionId ? LengthDelimitedSize(ProtoWriter.Utf8.GetByteCount(pending.InteractionId!)) : 0)
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

    // The generated map codecs leave out a key or value equal to its default (a double compared bitwise).
    public static bool IsDefault(double value) => BitConverter.DoubleToInt64Bits(value) == 0;

    public static int StringFieldSize(string value) => value.Length == 0 ? 0 : LengthDelimitedSize(ProtoWriter.Utf8.GetByteCount(value));

    public static int LengthDelimitedSize(int length) => 1 + CodedOutputStream.ComputeLengthSize(length) + length;

    public static int MetadataEntrySize(string key, double value) => StringFieldSize(key) + (IsDefault(value) ? 0 : 9);

    public static int FlagEntrySize(string name, bool enabled) => StringFieldSize(name) + StringFieldSize(enabled ? "true" : "false");
}
