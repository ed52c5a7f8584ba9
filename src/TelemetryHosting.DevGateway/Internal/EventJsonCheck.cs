using System.Globalization;
using System.Text;
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

        if (ev.Parameters?.PrivateMetadata is not { } privateMetadata || IsFormattable(privateMetadata))
        {
            return null;
        }

        // Only now that a problem is known: where it is, the same every time for the same event (at each level, the
        // smallest key in ordinal order that holds a problem). Accepted events never get here, so they cost no strings.
        var location = new StringBuilder("parameters.privateMetadata");
        var reason = Locate(privateMetadata, location);
        return (reason, location.ToString());
    }

    private static bool IsFormattable(Struct value)
    {
        foreach (var field in value.Fields)
        {
            if (!IsFormattable(field.Value))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsFormattable(Value value) => value.KindCase switch
    {
        Value.KindOneofCase.None => false,
        Value.KindOneofCase.NumberValue => double.IsFinite(value.NumberValue),
        Value.KindOneofCase.StructValue => IsFormattable(value.StructValue),
        Value.KindOneofCase.ListValue => FirstUnformattable(value.ListValue) < 0,
        _ => true,
    };

    private static int FirstUnformattable(ListValue list)
    {
        var values = list.Values;
        for (var i = 0; i < values.Count; i++)
        {
            if (!IsFormattable(values[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Appends the path to the problem in <paramref name="value"/> (which has one) and returns its reason.</summary>
    private static string Locate(Struct value, StringBuilder location)
    {
        string? key = null;
        Value? problem = null;
        foreach (var (name, field) in value.Fields)
        {
            if ((key is null || string.CompareOrdinal(name, key) < 0) && !IsFormattable(field))
            {
                (key, problem) = (name, field);
            }
        }

        location.Append(KeyPath(key!));
        return Locate(problem!, location);
    }

    private static string Locate(Value value, StringBuilder location)
    {
        switch (value.KindCase)
        {
            case Value.KindOneofCase.None:
                return "marshalling event: google.protobuf.Value in parameters.private_metadata has none of its kinds set";
            case Value.KindOneofCase.NumberValue:
                return "marshalling event: google.protobuf.Value in parameters.private_metadata has an invalid number: "
                    + value.NumberValue.ToString(CultureInfo.InvariantCulture);
            case Value.KindOneofCase.StructValue:
                return Locate(value.StructValue, location);
            default:
                var index = FirstUnformattable(value.ListValue);
                location.Append(CultureInfo.InvariantCulture, $"[{index}]");
                return Locate(value.ListValue.Values[index], location);
        }
    }

    private static string KeyPath(string key) =>
        key.Length > 0 && (char.IsAsciiLetter(key[0]) || key[0] == '_') && key.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')
            ? "." + key
            : "[" + System.Text.Json.JsonSerializer.Serialize(key, JsonLocationContext.Default.String) + "]";
}
