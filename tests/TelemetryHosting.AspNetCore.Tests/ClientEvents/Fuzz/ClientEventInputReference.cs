using System.Globalization;

namespace TelemetryHosting.AspNetCore.Tests.ClientEvents.Fuzz;

/// <summary>
/// The reference predicate for events in the shape of Sourcegraph's <c>TelemetryEventInput</c>, written from its rules
/// (ClientEventInputParser's summary, the issue and Sourcegraph's mapping) over the generator's tree, with none of the
/// endpoint's code. Limits are the defaults; the fuzz app accepts private metadata and marketing tracking.
/// </summary>
/// <remarks>
/// The rules: <c>feature</c> and <c>action</c> are names; <c>source</c> is an object with a non-empty <c>client</c> and
/// an optional <c>clientVersion</c> (each at most 128 characters); <c>parameters</c> is an object with an integer
/// <c>version</c> (a 32-bit GraphQL Int), an optional <c>interactionID</c> (empty, or at most 128 ASCII letters, digits
/// and <c>-_.:</c>), an optional <c>metadata</c> array of at most 64 entries <c>{ "key", "value" }</c> (a non-empty key of
/// at most 256 characters, not the server's <c>clientTimestampReplaced</c>; a finite number; a repeated key is allowed,
/// the last wins), optional <c>privateMetadata</c> of any JSON kind (one that is not an object is kept as
/// <c>{ "value": ... }</c>, and the compact shape's rules apply to that), and optional <c>billingMetadata</c> with a
/// non-empty <c>product</c> and <c>category</c> (at most 128 characters each); <c>marketingTracking</c> is an object of
/// eight optional strings of at most 2,048 characters; <c>timestamp</c> is as in the compact shape. At every level, an
/// unknown, repeated or undecodable name rejects the event, and so does a string that does not decode; <c>null</c> is
/// the same as absent for every optional field.
/// </remarks>
internal static class ClientEventInputReference
{
    public const int MaxClientLength = 128;
    public const int MaxTrackingLength = 2048;
    public const int MaxInteractionIdLength = 128;
    public const string TimestampReplacedKey = "clientTimestampReplaced";

    public static readonly string[] TrackingKeys =
        ["url", "firstSourceURL", "cohortID", "referrer", "lastSourceURL", "deviceSessionID", "sessionReferrer", "sessionFirstURL"];

    private static readonly HashSet<string> EventKeys = ["feature", "action", "source", "parameters", "marketingTracking", "timestamp"];
    private static readonly HashSet<string> SourceKeys = ["client", "clientVersion"];
    private static readonly HashSet<string> ParameterKeys = ["version", "interactionID", "metadata", "privateMetadata", "billingMetadata"];
    private static readonly HashSet<string> BillingKeys = ["product", "category"];
    private static readonly HashSet<string> EntryKeys = ["key", "value"];

    public static bool IsValid(FuzzJson node) =>
        node is FuzzObject obj && IsObjectOf(obj, EventKeys)
        && ClientEventReference.IsName(Get(obj, "feature")) && ClientEventReference.IsName(Get(obj, "action"))
        && IsSource(Get(obj, "source")) && IsParameters(Get(obj, "parameters"))
        && ClientEventReference.IsTimestamp(Get(obj, "timestamp")) && IsTracking(Get(obj, "marketingTracking"));

    /// <summary>Whether the event (an object) is meant as a <c>TelemetryEventInput</c>: it has <c>source</c> or <c>parameters</c>.</summary>
    public static bool LooksLikeInput(FuzzJson node) =>
        node is FuzzObject obj && obj.Properties.Any(p => p.Key.Text is "source" or "parameters");

    public static FuzzJson? Get(FuzzObject obj, string key) => obj.Properties.FirstOrDefault(p => p.Key.Text == key).Value;

    /// <summary>The metadata a valid event's <c>parameters.metadata</c> records: the last value of each key.</summary>
    public static Dictionary<string, double> Metadata(FuzzObject valid)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        if (Get((FuzzObject)Get(valid, "parameters")!, "metadata") is FuzzArray entries)
        {
            foreach (var entry in entries.Items.Cast<FuzzObject>())
            {
                values[((FuzzString)Get(entry, "key")!).Text!] = double.Parse(((FuzzNumber)Get(entry, "value")!).Token, CultureInfo.InvariantCulture);
            }
        }

        return values;
    }

    /// <summary>The private metadata keys a valid event records: the object's, or <c>value</c> for anything else.</summary>
    public static IEnumerable<string> PrivateKeys(FuzzObject valid) => Get((FuzzObject)Get(valid, "parameters")!, "privateMetadata") switch
    {
        null or FuzzLiteral { IsNull: true } => [],
        FuzzObject obj => obj.Properties.Select(p => p.Key.Text!),
        _ => ["value"],
    };

    public static int Version(FuzzObject valid) =>
        int.Parse(((FuzzNumber)Get((FuzzObject)Get(valid, "parameters")!, "version")!).Token, CultureInfo.InvariantCulture);

    /// <summary>The interaction id a valid event records (none is sent in a header).</summary>
    public static string? InteractionId(FuzzObject valid) =>
        Get((FuzzObject)Get(valid, "parameters")!, "interactionID") is FuzzString { Text: { Length: > 0 } id } ? id : null;

    private static bool IsObjectOf(FuzzObject obj, HashSet<string> keys) =>
        ClientEventReference.HasDistinctTextKeys(obj) && obj.Properties.All(p => keys.Contains(p.Key.Text!));

    private static bool IsText(FuzzJson? node, int least, int most) =>
        node is FuzzString { Text: { } text } && text.Length >= least && text.Length <= most;

    private static bool IsOptionalText(FuzzJson? node, int most) => ClientEventReference.IsNullOrAbsent(node) || IsText(node, 0, most);

    private static bool IsSource(FuzzJson? node) =>
        node is FuzzObject obj && IsObjectOf(obj, SourceKeys)
        && IsText(Get(obj, "client"), 1, MaxClientLength) && IsOptionalText(Get(obj, "clientVersion"), MaxClientLength);

    private static bool IsParameters(FuzzJson? node) =>
        node is FuzzObject obj && IsObjectOf(obj, ParameterKeys)
        && IsVersion(Get(obj, "version")) && IsInteractionId(Get(obj, "interactionID"))
        && IsMetadata(Get(obj, "metadata")) && IsPrivateMetadata(Get(obj, "privateMetadata")) && IsBilling(Get(obj, "billingMetadata"));

    /// <summary>A JSON integer that fits GraphQL's 32-bit Int.</summary>
    private static bool IsVersion(FuzzJson? node) =>
        node is FuzzNumber number && int.TryParse(number.Token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _);

    private static bool IsInteractionId(FuzzJson? node) =>
        ClientEventReference.IsNullOrAbsent(node)
        || (node is FuzzString { Text: { } id } && id.Length <= MaxInteractionIdLength
            && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':'));

    private static bool IsMetadata(FuzzJson? node) =>
        ClientEventReference.IsNullOrAbsent(node)
        || (node is FuzzArray array && array.Items.Count <= ClientEventReference.MaxEntries && array.Items.All(IsMetadataEntry));

    private static bool IsMetadataEntry(FuzzJson entry) =>
        entry is FuzzObject obj && IsObjectOf(obj, EntryKeys)
        && Get(obj, "key") is FuzzString key && ClientEventReference.IsKey(key) && key.Text != TimestampReplacedKey
        && Get(obj, "value") is FuzzNumber { Finite: true };

    /// <summary>An object by the compact shape's rules; anything else as the object <c>{ "value": ... }</c> Sourcegraph keeps.</summary>
    private static bool IsPrivateMetadata(FuzzJson? node) =>
        ClientEventReference.IsNullOrAbsent(node)
        || ClientEventReference.IsPrivateMetadata(node is FuzzObject ? node : new FuzzObject([(new FuzzString("value", "value"), node!)]));

    private static bool IsBilling(FuzzJson? node) =>
        ClientEventReference.IsNullOrAbsent(node)
        || (node is FuzzObject obj && IsObjectOf(obj, BillingKeys)
            && IsText(Get(obj, "product"), 1, MaxClientLength) && IsText(Get(obj, "category"), 1, MaxClientLength));

    private static bool IsTracking(FuzzJson? node) =>
        ClientEventReference.IsNullOrAbsent(node)
        || (node is FuzzObject obj && IsObjectOf(obj, [.. TrackingKeys]) && obj.Properties.All(p => IsOptionalText(p.Value, MaxTrackingLength)));
}
