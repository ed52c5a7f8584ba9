using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Telemetrygateway.V1;

namespace TelemetryHosting.DevGateway.Internal;

/// <summary>
/// Finds what makes an event impossible to write as protobuf JSON, which the real gateway does before publishing
/// (Go's <c>protojson.Marshal</c> fails on it, and so the event fails): a <c>google.protobuf.Value</c> with no kind, a NaN
/// or infinite Struct number, a timestamp outside 0001-01-01..9999-12-31 or with nanos outside [0, 1e9). Every such value
/// is legal on the wire, so a client other than ours can send it. Other fields always have a JSON form (double metadata
/// is written as "NaN" or "Infinity").
/// </summary>
internal static class EventJsonCheck
{
    public const long MinTimestampSeconds = -62135596800L;
    public const long MaxTimestampSeconds = 253402300799L;

    /// <summary>Returns whether protobuf JSON can write the timestamp: 0001-01-01 to 9999-12-31, nanos in [0, 1e9).</summary>
    public static bool IsInRange(Timestamp timestamp) =>
        timestamp.Seconds is >= MinTimestampSeconds and <= MaxTimestampSeconds && timestamp.Nanos is >= 0 and <= 999_999_999;

    /// <summary>Returns why the event has no JSON form, or <see langword="null"/> when it has one.</summary>
    /// <returns>The reason names no private metadata (it is logged); the location may, and is for the page only.</returns>
    public static (string Reason, string Location)? Find(Event ev)
    {
        if (ev.Timestamp is { } timestamp)
        {
            if (timestamp.Seconds is < MinTimestampSeconds or > MaxTimestampSeconds)
            {
                return (string.Create(CultureInfo.InvariantCulture, $"marshalling event: google.protobuf.Timestamp: seconds {timestamp.Seconds} out of range [{MinTimestampSeconds}, {MaxTimestampSeconds}]"), "timestamp.seconds");
            }

            if (timestamp.Nanos is < 0 or > 999_999_999)
            {
                return (string.Create(CultureInfo.InvariantCulture, $"marshalling event: google.protobuf.Timestamp: nanos {timestamp.Nanos} out of range [0, 999999999]"), "timestamp.nanos");
            }
        }

        return ev.Parameters?.PrivateMetadata is { } privateMetadata ? FindInStruct(privateMetadata, "parameters.privateMetadata") : null;
    }

    private static (string Reason, string Location)? FindInStruct(Struct value, string location)
    {
        // Ordered by key, so that the location named is the same every time for the same event.
        foreach (var (key, field) in value.Fields.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            if (FindInValue(field, location + KeyPath(key)) is { } problem)
            {
                return problem;
            }
        }

        return null;
    }

    private static (string Reason, string Location)? FindInValue(Value value, string location)
    {
        switch (value.KindCase)
        {
            case Value.KindOneofCase.None:
                return ("marshalling event: google.protobuf.Value in parameters.private_metadata has none of its kinds set", location);
            case Value.KindOneofCase.NumberValue when !double.IsFinite(value.NumberValue):
                return ("marshalling event: google.protobuf.Value in parameters.private_metadata has an invalid number: "
                    + value.NumberValue.ToString(CultureInfo.InvariantCulture), location);
            case Value.KindOneofCase.StructValue:
                return FindInStruct(value.StructValue, location);
            case Value.KindOneofCase.ListValue:
                var values = value.ListValue.Values;
                for (var i = 0; i < values.Count; i++)
                {
                    if (FindInValue(values[i], location + "[" + i.ToString(CultureInfo.InvariantCulture) + "]") is { } problem)
                    {
                        return problem;
                    }
                }

                return null;
            default:
                return null;
        }
    }

    private static string KeyPath(string key) =>
        key.Length > 0 && (char.IsAsciiLetter(key[0]) || key[0] == '_') && key.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')
            ? "." + key
            : "[" + System.Text.Json.JsonSerializer.Serialize(key, JsonLocationContext.Default.String) + "]";
}
