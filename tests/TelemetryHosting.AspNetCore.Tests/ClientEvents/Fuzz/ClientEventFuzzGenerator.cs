using System.Text;

namespace TelemetryHosting.AspNetCore.Tests.ClientEvents.Fuzz;

/// <summary>
/// Builds request bodies from a seed: a batch of events, each valid or broken in one or more ways (wrong types, lone
/// surrogates in names and values, duplicate and unknown keys, deep nesting, huge numbers, NaN-like tokens), and
/// sometimes a broken envelope (truncated, not an object, trailing content) or random byte damage.
/// </summary>
internal sealed class ClientEventFuzzGenerator(int seed)
{
    private static readonly string[] ValidNames = ["web.a", "web.search", "cody-chat.x", "ab", "web.Search-Box", new string('a', 64), "\\u0077eb.a"];
    private static readonly string[] InvalidNames = ["Web.a", "", "a", "web2.a", "web.a\\n", "séarch", "web.🔍", new string('a', 65), "web\\u0000a", "-web", ".a"];
    private static readonly (string Token, bool Finite)[] Numbers =
        [("0", true), ("1", true), ("-2.5", true), ("1e3", true), ("-0", true), ("1E+2", true), ("123456789012345678901234567890", true),
         ("1e400", false), ("-1e309", false), (new string('9', 400), false), ("4.9e-324", true), ("1.7976931348623157e308", true)];
    private static readonly string[] RawTokens = ["NaN", "Infinity", "-Infinity", "01", "+1", ".5", "1.", "tru", "nul", "'x'", "undefined", "0x10"];
    private static readonly string[] EventKeys = ["feature", "action", "timestamp", "metadata", "privateMetadata", "client"];

    private readonly Random _random = new(seed);

    /// <summary>What was generated: the body, and what the endpoint must do with it.</summary>
    /// <param name="Events">The events, when the envelope is well formed; <see langword="null"/> when the whole body must be refused.</param>
    /// <param name="Damaged">Bytes were damaged at random: only the weak checks (no 5xx, recorded = accepted) apply.</param>
    internal sealed record Generated(byte[] Body, List<FuzzJson>? Events, bool Damaged, string Kind);

    public Generated Next()
    {
        var count = _random.Next(100) == 0 ? 101 + _random.Next(3) : _random.Next(6);
        var events = Enumerable.Range(0, count).Select(_ => Event()).ToList();
        var body = Envelope(events);
        var roll = _random.Next(100);
        if (roll < 12)
        {
            return BrokenEnvelope(events);
        }

        if (roll < 20)
        {
            var bytes = Encoding.UTF8.GetBytes(body);
            Damage(bytes, out var damaged);
            return new(damaged, null, Damaged: true, "damaged bytes");
        }

        var malformed = events.Any(FuzzObject.ContainsRaw);
        return new(Encoding.UTF8.GetBytes(body), malformed ? null : events, false, malformed ? "not JSON inside" : "batch");
    }

    private static string Envelope(List<FuzzJson> events, string key = "\"events\"") =>
        $"{{{key}: {new FuzzArray(events)}}}";

    private Generated BrokenEnvelope(List<FuzzJson> events)
    {
        var whole = Envelope(events);
        var (kind, body) = _random.Next(14) switch
        {
            0 => ("truncated", whole[.._random.Next(whole.Length)]),
            1 => ("trailing content", whole + Pick(["{}", "x", ",", "[]", "\"a\"", "{\"events\": []}"])),
            2 => ("root not an object", Pick(["[]", "null", "\"events\"", "1", "true", new FuzzArray(events).ToString()])),
            3 => ("no events", Pick(["{}", "{\"event\": []}", "{\"Events\": []}"])),
            4 => ("events not an array", $"{{\"events\": {Pick(["{}", "null", "1", "\"[]\"", "true"])}}}"),
            5 => ("events twice", $"{{\"events\": [], \"events\": {new FuzzArray(events)}}}"),
            6 => ("unknown top-level key", $"{{\"events\": {new FuzzArray(events)}, {String(valid: _random.Next(2) == 0)}: 1}}"),
            7 => ("lone surrogate top-level key", $"{{{Pick(["\"\\udc00\"", "\"\\ud800\"", "\"events\\ud800\"", "\"\\udc00\\ud800\""])}: {new FuzzArray(events)}}}"),
            8 => ("comment", whole.Insert(1, "/* hi */")),
            9 => ("trailing comma", whole.Insert(whole.Length - 2, ",")),
            10 => ("deep nesting", Envelope([new FuzzObject([(Key("privateMetadata"), new FuzzRaw(new string('[', 70 + _random.Next(200)) + new string(']', 70)))]), .. events])),
            11 => ("byte order mark", "\uFEFF" + whole),
            12 => ("not JSON", Pick(["", " ", "feature=web.a", "{", "}", "\"", "{\"events\": [", "{\"events\": [}"])),
            _ => ("NaN-like token", Envelope([new FuzzObject([(Key("metadata"), new FuzzObject([(Key("k"), new FuzzRaw(Pick(RawTokens)))]))]), .. events])),
        };
        return new(Encoding.UTF8.GetBytes(body), null, Damaged: false, kind);
    }

    private void Damage(byte[] bytes, out byte[] damaged)
    {
        var list = bytes.ToList();
        for (var i = _random.Next(1, 4); i > 0 && list.Count > 0; i--)
        {
            var at = _random.Next(list.Count);
            switch (_random.Next(4))
            {
                case 0: list[at] = (byte)_random.Next(256); break;
                case 1: list.RemoveAt(at); break;
                case 2: list.InsertRange(at, Encoding.UTF8.GetBytes(Pick(["\\ud800", "\\udc00", "\"", "{", "]", ",", "\\", "\u00e9"]))); break;
                default: list.Insert(at, (byte)Pick("{}[]\":,\\ 0-eE".ToCharArray())); break;
            }
        }

        damaged = [.. list];
    }

    private FuzzJson Event()
    {
        switch (_random.Next(40))
        {
            case 0: return new FuzzNumber("1", true);
            case 1: return new FuzzLiteral("null");
            case 2: return new FuzzArray([]);
            case 3: return String(valid: true);
        }

        var properties = new List<(FuzzString, FuzzJson)>();
        void Add(string key, FuzzJson value) => properties.Add((Key(key), value));
        if (_random.Next(20) != 0) Add("feature", Name());
        if (_random.Next(20) != 0) Add("action", Name());
        if (_random.Next(3) == 0) Add("timestamp", Timestamp());
        if (_random.Next(3) == 0) Add("metadata", Metadata());
        if (_random.Next(4) == 0) Add("privateMetadata", _random.Next(8) == 0 ? Value(0) : PrivateObject(1 + _random.Next(10)));
        if (_random.Next(4) == 0) Add("client", Client());
        if (_random.Next(12) == 0) properties.Add((String(valid: _random.Next(3) != 0), new FuzzNumber("1", true)));
        if (_random.Next(12) == 0 && properties.Count > 0) properties.Add(properties[_random.Next(properties.Count)]);
        if (_random.Next(15) == 0) Add(Pick(EventKeys), Value(0));
        return new FuzzObject([.. properties.OrderBy(_ => _random.Next())]);
    }

    /// <summary>A property name, sometimes written with an escape (<c>\u0066eature</c>), which is the same name.</summary>
    private FuzzString Key(string key) =>
        _random.Next(10) == 0 ? new($"\\u{(int)key[0]:x4}{key[1..]}", key) : new(key, key);

    private FuzzJson Name() => _random.Next(10) switch
    {
        < 6 => Text(Pick(ValidNames)),
        < 8 => Text(Pick(InvalidNames)),
        8 => String(valid: false),
        _ => Value(0),
    };

    private FuzzJson Timestamp() => _random.Next(6) switch
    {
        < 3 => Text(Pick(ClientEventReference.ValidTimestamps)),
        < 5 => Text(Pick(ClientEventReference.InvalidTimestamps)),
        _ => Pick<FuzzJson>([new FuzzLiteral("null"), new FuzzNumber("1748779200", true), new FuzzObject([])]),
    };

    private FuzzJson Metadata()
    {
        if (_random.Next(10) == 0)
        {
            return Pick<FuzzJson>([new FuzzLiteral("null"), new FuzzArray([new FuzzNumber("1", true)]), Text("{}")]);
        }

        var count = _random.Next(30) == 0 ? 65 : _random.Next(5);
        var entries = Enumerable.Range(0, count).Select(i => (Key: _random.Next(15) == 0 ? MetadataKey() : Key("k" + i), Value: MetadataValue())).ToList();
        if (_random.Next(10) == 0 && entries.Count > 0) entries.Add(entries[0]);
        return new FuzzObject(entries);
    }

    private FuzzString MetadataKey() => _random.Next(4) switch
    {
        0 => new("", ""),
        1 => new("clientTimestampReplaced", "clientTimestampReplaced"),
        2 => new(new string('k', 257), new string('k', 257)),
        _ => String(valid: false),
    };

    private FuzzJson MetadataValue() => _random.Next(8) == 0 ? Value(0) : Number();

    private FuzzJson Client() => _random.Next(8) switch
    {
        0 => Text("web"),
        1 => new FuzzLiteral("null"),
        2 => new FuzzObject([(Key("version"), Text("1"))]),
        3 => new FuzzObject([(Key("name"), String(valid: false))]),
        4 => new FuzzObject([(Key("name"), Text("web")), (Key(_random.Next(2) == 0 ? "nme" : "name"), Text("x"))]),
        5 => new FuzzObject([(Key("name"), Text(new string('n', 128 + _random.Next(2))))]),
        6 => new FuzzObject([(Key("name"), Value(0))]),
        _ => new FuzzObject([(Key("name"), Text("web")), (Key("version"), _random.Next(4) == 0 ? new FuzzLiteral("null") : Text("1.2.3"))]),
    };

    private FuzzObject PrivateObject(int depth) =>
        new([.. Enumerable.Range(0, _random.Next(4)).Select(i => (_random.Next(20) == 0 ? MetadataKey() : Key("p" + _random.Next(5)), Value(depth - 1)))]);

    /// <summary>Any JSON value, nested at most <paramref name="depth"/> more levels.</summary>
    private FuzzJson Value(int depth) => _random.Next(depth > 0 ? 9 : 7) switch
    {
        0 => String(valid: _random.Next(4) != 0),
        1 => Number(),
        2 => Pick<FuzzJson>([new FuzzLiteral("true"), new FuzzLiteral("false"), new FuzzLiteral("null")]),
        3 => Text(Pick(["NaN", "1.5", "Infinity"])),
        4 => _random.Next(25) == 0 ? new FuzzRaw(Pick(RawTokens)) : Number(),
        5 or 6 => Text("v" + _random.Next(100)),
        7 => PrivateObject(depth),
        _ => new FuzzArray([.. Enumerable.Range(0, _random.Next(4)).Select(_ => Value(depth - 1))]),
    };

    private FuzzNumber Number()
    {
        var (token, finite) = Pick(Numbers);
        return new(token, finite);
    }

    /// <summary>A string: valid text with plain and escaped characters, or one holding an escaped lone surrogate.</summary>
    private FuzzString String(bool valid)
    {
        if (!valid)
        {
            var lone = Pick(["\\ud800", "\\udc00", "\\uDBFF", "\\udc00\\ud800", "\\ud800\\u0041"]);
            return new(Pick(["", "web.", "k", "feature"]) + lone + Pick(["", "x", "\\n"]), null);
        }

        return Pick([Text("web.a"), Text("\\ud83d\\ude00"), Text("\\u00e9t\\u00E9"), Text("a\\\"b"), Text("tab\\t"), Text("\\/")]);
    }

    /// <summary>A string written as <paramref name="escaped"/>, with its decoded text.</summary>
    private static FuzzString Text(string escaped) => new(escaped, System.Text.Json.JsonSerializer.Deserialize<string>($"\"{escaped}\""));

    private T Pick<T>(T[] items) => items[_random.Next(items.Length)];
}
