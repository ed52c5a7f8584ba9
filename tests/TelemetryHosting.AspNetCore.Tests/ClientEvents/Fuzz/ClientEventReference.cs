namespace TelemetryHosting.AspNetCore.Tests.ClientEvents.Fuzz;

/// <summary>
/// The fuzz test's reference predicate: whether an event the generator built is one the endpoint must accept, written
/// from the README's rules over the generator's tree, with none of the endpoint's code. Limits are the defaults.
/// </summary>
internal static class ClientEventReference
{
    public const int MaxEntries = 64;
    public const int MaxPrivateDepth = 8;

    /// <summary>Timestamps the endpoint takes (inside the skew window or not: outside, the server's time is used).</summary>
    public static readonly string[] ValidTimestamps =
        ["2025-06-01T12:00:00Z", "2025-06-01T11:00:00.000Z", "2025-06-01T14:04:00+02:00", "1970-01-01T00:00:00Z", "2025-06-01T11:59:59.1234567-00:30"];

    public static readonly string[] InvalidTimestamps =
        ["yesterday", "2025-06-01T12:00:00", "2025-13-01T12:00:00Z", "", "2025-06-01", "2025-06-01T25:00:00Z", "Z"];

    /// <summary>Of <see cref="ValidTimestamps"/>, those outside the skew window around the app's now (2025-06-01T12:00Z, 24 h back, 5 min ahead).</summary>
    public static readonly string[] ReplacedTimestamps = ["1970-01-01T00:00:00Z", "2025-06-01T11:59:59.1234567-00:30"];

    private static readonly HashSet<string> EventKeys = ["feature", "action", "timestamp", "metadata", "privateMetadata", "client"];

    /// <summary>Whether the endpoint must accept the event: valid in the compact shape, or in <c>TelemetryEventInput</c>'s.</summary>
    public static bool IsValid(FuzzJson node) => IsValidCompact(node) || ClientEventInputReference.IsValid(node);

    /// <summary>Whether a valid event's timestamp is replaced by the server's time (and <c>clientTimestampReplaced: 1</c> added).</summary>
    public static bool IsTimestampReplaced(FuzzJson? timestamp) => timestamp is FuzzString { Text: { } text } && ReplacedTimestamps.Contains(text);

    /// <summary>The metadata a valid compact event records.</summary>
    public static Dictionary<string, double> Metadata(FuzzObject valid) =>
        valid.Properties.FirstOrDefault(p => p.Key.Text == "metadata").Value is FuzzObject metadata
            ? metadata.Properties.ToDictionary(p => p.Key.Text!, p => double.Parse(((FuzzNumber)p.Value).Token, System.Globalization.CultureInfo.InvariantCulture), StringComparer.Ordinal)
            : new(StringComparer.Ordinal);

    /// <summary>The private metadata keys a valid compact event records.</summary>
    public static IEnumerable<string> PrivateKeys(FuzzObject valid) =>
        valid.Properties.FirstOrDefault(p => p.Key.Text == "privateMetadata").Value is FuzzObject obj ? obj.Properties.Select(p => p.Key.Text!) : [];

    public static bool IsValidCompact(FuzzJson node)
    {
        if (node is not FuzzObject obj || !HasDistinctTextKeys(obj) || obj.Properties.Any(p => !EventKeys.Contains(p.Key.Text!)))
        {
            return false;
        }

        FuzzJson? Get(string key) => obj.Properties.FirstOrDefault(p => p.Key.Text == key).Value;
        return IsName(Get("feature")) && IsName(Get("action"))
            && IsTimestamp(Get("timestamp")) && IsMetadata(Get("metadata"))
            && IsPrivateMetadata(Get("privateMetadata")) && IsClient(Get("client"));
    }

    /// <summary>A lowercase ASCII letter, then at least one ASCII letter, dash or dot; at most 64 UTF-8 bytes.</summary>
    public static bool IsName(FuzzJson? node) =>
        node is FuzzString { Text: { Length: >= 2 } text } && text.Length <= 64
        && text[0] is >= 'a' and <= 'z' && text.Skip(1).All(c => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '-' or '.');

    public static bool IsNullOrAbsent(FuzzJson? node) => node is null or FuzzLiteral { IsNull: true };

    public static bool IsTimestamp(FuzzJson? node) =>
        IsNullOrAbsent(node) || (node is FuzzString { Text: { } text } && ValidTimestamps.Contains(text));

    private static bool IsMetadata(FuzzJson? node) =>
        IsNullOrAbsent(node)
        || (node is FuzzObject obj && HasDistinctTextKeys(obj) && obj.Properties.Count <= MaxEntries
            && obj.Properties.All(p => IsKey(p.Key) && p.Key.Text != "clientTimestampReplaced" && p.Value is FuzzNumber { Finite: true }));

    public static bool IsPrivateMetadata(FuzzJson? node)
    {
        if (IsNullOrAbsent(node))
        {
            return true;
        }

        var values = 0;
        return node is FuzzObject obj && IsPrivateContainer(obj, 1, ref values) && values <= MaxEntries;
    }

    public static bool IsPrivateContainer(FuzzJson node, int level, ref int values)
    {
        if (level > MaxPrivateDepth)
        {
            return false;
        }

        var children = node is FuzzObject obj ? obj.Properties.Select(p => p.Value).ToList() : ((FuzzArray)node).Items;
        if (node is FuzzObject keyed && (!HasDistinctTextKeys(keyed) || !keyed.Properties.All(p => IsKey(p.Key))))
        {
            return false;
        }

        foreach (var child in children)
        {
            values++;
            var ok = child switch
            {
                FuzzString s => s.Text is not null,
                FuzzNumber n => n.Finite,
                FuzzLiteral => true,
                FuzzObject or FuzzArray => IsPrivateContainer(child, level + 1, ref values),
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsClient(FuzzJson? node)
    {
        if (IsNullOrAbsent(node))
        {
            return true;
        }

        if (node is not FuzzObject obj || !HasDistinctTextKeys(obj) || obj.Properties.Any(p => p.Key.Text is not ("name" or "version")))
        {
            return false;
        }

        var name = obj.Properties.FirstOrDefault(p => p.Key.Text == "name").Value;
        var version = obj.Properties.FirstOrDefault(p => p.Key.Text == "version").Value;
        return name is FuzzString { Text: { Length: > 0 and <= 128 } }
            && (IsNullOrAbsent(version) || version is FuzzString { Text.Length: <= 128 });
    }

    public static bool IsKey(FuzzString key) => key.Text is { Length: > 0 and <= 256 };

    public static bool HasDistinctTextKeys(FuzzObject obj) =>
        obj.Properties.All(p => p.Key.Text is not null) && obj.Properties.Select(p => p.Key.Text).Distinct().Count() == obj.Properties.Count;
}
