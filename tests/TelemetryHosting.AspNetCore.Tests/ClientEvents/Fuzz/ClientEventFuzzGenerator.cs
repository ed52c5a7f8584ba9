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
    /// <param name="Path">Where it is posted: the endpoint's path, with a query string sometimes (as Sourcegraph's exporters send).</param>
    /// <param name="Request">A GraphQL request's tree, judged whole by <see cref="ClientEventRequestReference"/> (then <paramref name="Events"/> is unused).</param>
    /// <param name="Document">The GraphQL document the request's query was written from.</param>
    internal sealed record Generated(
        byte[] Body, List<FuzzJson>? Events, bool Damaged, string Kind, string Path = "/api/telemetry", FuzzObject? Request = null, GraphQLDocument? Document = null);

    public Generated Next() => _random.Next(100) < 30 ? GraphQL() : Batch();

    private Generated Batch()
    {
        var count = _random.Next(100) == 0 ? 101 + _random.Next(3) : _random.Next(6);
        var shape = _random.Next(3);
        var events = Enumerable.Range(0, count).Select(_ => Event(shape)).ToList();
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

    /// <summary>An event in the compact shape (0), <c>TelemetryEventInput</c>'s (1), or either (2).</summary>
    private FuzzJson Event(int shape)
    {
        var input = shape == 1 || (shape == 2 && _random.Next(2) == 0);
        return _random.Next(10) switch
        {
            < 2 => Mutate(input ? ValidInputEvent() : ValidEvent()),
            < 4 when input => ValidInputEvent(),
            _ => input ? InputEvent() : Event(),
        };
    }

    /// <summary>A compact event the reference finds valid, when one turns up in a few tries (to be mutated once).</summary>
    private FuzzJson ValidEvent()
    {
        var candidate = Event();
        for (var tries = 0; tries < 40 && !ClientEventReference.IsValidCompact(candidate); tries++)
        {
            candidate = Event();
        }

        return candidate;
    }

    private static readonly string[] AnyLevelNames =
        ["feature", "action", "timestamp", "source", "parameters", "metadata", "privateMetadata", "client", "name", "version", "clientVersion",
         "key", "value", "product", "category", "url", "interactionID", "billingMetadata", "marketingTracking", "events"];

    /// <summary>
    /// The event with one change somewhere inside (usually a valid one): a name from another level added, a property
    /// repeated or removed, a value or an array item replaced by a value of another kind. A rule the endpoint gets wrong
    /// shows on such near-valid events far sooner than on events broken in several ways at once.
    /// </summary>
    private FuzzJson Mutate(FuzzJson node)
    {
        // Any node of the tree, as likely as any other: leaves (where the kinds of values are checked) are most of them.
        var target = _random.Next(Count(node));
        return Mutate(node, ref target);

        static int Count(FuzzJson node) => 1 + node switch
        {
            FuzzObject obj => obj.Properties.Sum(p => Count(p.Value)),
            FuzzArray array => array.Items.Sum(Count),
            _ => 0,
        };
    }

    private FuzzJson Mutate(FuzzJson node, ref int target)
    {
        if (target-- == 0)
        {
            return Change(node);
        }

        if (node is FuzzObject obj)
        {
            var properties = new List<(FuzzString, FuzzJson)>(obj.Properties.Count);
            foreach (var (key, value) in obj.Properties)
            {
                properties.Add((key, target >= 0 ? Mutate(value, ref target) : value));
            }

            return new FuzzObject(properties);
        }

        if (node is FuzzArray array)
        {
            var items = new List<FuzzJson>(array.Items.Count);
            foreach (var item in array.Items)
            {
                items.Add(target >= 0 ? Mutate(item, ref target) : item);
            }

            return new FuzzArray(items);
        }

        return node;
    }

    private FuzzJson Change(FuzzJson node)
    {
        if (node is FuzzObject obj)
        {
            var properties = obj.Properties.ToList();
            var at = properties.Count == 0 ? 0 : _random.Next(properties.Count);
            switch (properties.Count == 0 ? 0 : _random.Next(3))
            {
                case 0: properties.Insert(_random.Next(properties.Count + 1), (_random.Next(8) == 0 ? String(valid: false) : Key(Pick(AnyLevelNames)), MutantValue())); break;
                case 1: properties.Insert(_random.Next(properties.Count + 1), properties[at]); break;
                default: properties.RemoveAt(at); break;
            }

            return _random.Next(6) == 0 ? MutantValue() : new FuzzObject(properties);
        }

        if (node is FuzzArray array)
        {
            var items = array.Items.ToList();
            if (items.Count == 0 || _random.Next(2) == 0)
            {
                items.Insert(_random.Next(items.Count + 1), _random.Next(2) == 0 && items.Count > 0 ? items[0] : MutantValue());
            }
            else
            {
                items.RemoveAt(_random.Next(items.Count));
            }

            return _random.Next(6) == 0 ? MutantValue() : new FuzzArray(items);
        }

        return MutantValue();
    }

    private FuzzJson MutantValue() => _random.Next(10) switch
    {
        0 => new FuzzLiteral(Pick(["true", "false"])),
        1 => new FuzzLiteral("null"),
        2 => Text(Pick(["1", "", "web", "x"])),
        3 => new FuzzObject([]),
        4 => new FuzzArray([]),
        5 => Number(),
        6 => String(valid: false),
        _ => Value(1),
    };

    /// <summary>
    /// A <c>TelemetryEventInput</c> the reference finds valid, when one turns up in a few tries: broken ones are far more
    /// likely (every level can break), so this keeps the valid ones (repeated keys, wrapped private metadata, values at
    /// their limits) common. The reference only picks here; the endpoint's answer is still judged against it.
    /// </summary>
    private FuzzJson ValidInputEvent()
    {
        var candidate = InputEvent();
        for (var tries = 0; tries < 40 && !ClientEventInputReference.IsValid(candidate); tries++)
        {
            candidate = InputEvent();
        }

        return candidate;
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
        if (_random.Next(4) == 0) Add("privateMetadata", _random.Next(8) == 0 ? Value(0) : _random.Next(10) == 0 ? EdgeOfPrivateLimits(objects: true) : PrivateObject(1 + _random.Next(10)));
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

    // ---- TelemetryEventInput events ----------------------------------------------------------------------------

    private static readonly string[] InputKeys = ["feature", "action", "source", "parameters", "marketingTracking", "timestamp"];
    private static readonly string[] ParameterKeys = ["version", "interactionID", "metadata", "privateMetadata", "billingMetadata"];
    private static readonly (string Token, bool Int)[] Versions =
        [("0", true), ("1", true), ("2", true), ("-1", true), ("-0", true), ("2147483647", true), ("1.5", false), ("2147483648", false), ("-2147483649", false), ("1e400", false)];
    private static readonly string[] ValidInteractionIds = ["abc-123", "a.b:c_D-9", "0191d8a0-7c1e-7b3a-9f1e-2a6c1b9d4e5f", "", "\\u0041bc", new string('i', 128)];
    private static readonly string[] InvalidInteractionIds = ["a b", "é", "\\ud83d\\ude00", "a/b", new string('i', 129), "tab\\t", "a\\u0000"];

    /// <summary>An event in the shape of Sourcegraph's <c>TelemetryEventInput</c>: valid, or broken at any level.</summary>
    private FuzzJson InputEvent()
    {
        var properties = new List<(FuzzString, FuzzJson)>();
        void Add(string key, FuzzJson value) => properties.Add((Key(key), value));
        if (_random.Next(20) != 0) Add("feature", _random.Next(2) == 0 ? Text(Pick(ValidNames)) : Name());
        if (_random.Next(20) != 0) Add("action", _random.Next(2) == 0 ? Text(Pick(ValidNames)) : Name());
        if (_random.Next(25) != 0) Add("source", Source());
        if (_random.Next(25) != 0) Add("parameters", Parameters());
        if (_random.Next(3) == 0) Add("timestamp", Timestamp());
        if (_random.Next(4) == 0) Add("marketingTracking", MarketingTracking());
        if (_random.Next(15) == 0) properties.Add((String(valid: _random.Next(3) != 0), new FuzzNumber("1", true)));
        if (_random.Next(15) == 0) Add(Pick(["metadata", "client", "privateMetadata", "interactionID", "version", "Feature"]), Value(0));
        if (_random.Next(15) == 0 && properties.Count > 0) properties.Add(properties[_random.Next(properties.Count)]);
        if (_random.Next(20) == 0) Add(Pick(InputKeys), Value(1));
        return new FuzzObject([.. properties.OrderBy(_ => _random.Next())]);
    }

    private FuzzJson Source()
    {
        if (_random.Next(12) == 0)
        {
            return Pick<FuzzJson>([Text("web"), new FuzzLiteral("null"), new FuzzArray([]), new FuzzNumber("1", true), new FuzzObject([])]);
        }

        var properties = new List<(FuzzString, FuzzJson)> { (Key("client"), ClientText()) };
        if (_random.Next(2) == 0) properties.Add((Key("clientVersion"), ClientText(version: true)));
        Break(properties, ["client", "clientVersion", "os", "name", "version"]);
        return new FuzzObject([.. properties.OrderBy(_ => _random.Next())]);
    }

    /// <summary>A client name or version: mostly fine, sometimes empty, too long, not text or not a string.</summary>
    private FuzzJson ClientText(bool version = false) => _random.Next(14) switch
    {
        0 => Text(string.Empty),
        1 => Text(new string('c', 128)),
        2 => Text(new string('c', 129)),
        3 => String(valid: false),
        4 => version ? new FuzzLiteral("null") : Value(0),
        5 => Value(0),
        _ => Text(version ? Pick(["1.2.3", "0.18.0", "\\u0031.0"]) : Pick(["web", "vscode", "jetbrains", "\\u0077eb", "cody-cli"])),
    };

    /// <summary>Sometimes adds an unknown name, a repeated name, or a name that does not decode to an object's properties.</summary>
    private void Break(List<(FuzzString, FuzzJson)> properties, string[] names)
    {
        switch (_random.Next(16))
        {
            case 0: properties.Add((Key(Pick(names)), Text("x"))); break;
            case 1 when properties.Count > 0: properties.Add(properties[_random.Next(properties.Count)]); break;
            case 2: properties.Add((String(valid: false), Text("x"))); break;
        }
    }

    private FuzzJson Parameters()
    {
        if (_random.Next(15) == 0)
        {
            return Pick<FuzzJson>([new FuzzLiteral("null"), new FuzzObject([]), new FuzzArray([]), Text("{}"), new FuzzNumber("0", true)]);
        }

        var properties = new List<(FuzzString, FuzzJson)>();
        if (_random.Next(15) != 0) properties.Add((Key("version"), Version()));
        if (_random.Next(4) == 0) properties.Add((Key("interactionID"), InteractionId()));
        if (_random.Next(3) == 0) properties.Add((Key("metadata"), InputMetadata()));
        if (_random.Next(4) == 0) properties.Add((Key("privateMetadata"), InputPrivateMetadata()));
        if (_random.Next(5) == 0) properties.Add((Key("billingMetadata"), Billing()));
        Break(properties, [.. ParameterKeys, "feature", "interactionId", "meta"]);
        return new FuzzObject([.. properties.OrderBy(_ => _random.Next())]);
    }

    private FuzzJson Version()
    {
        if (_random.Next(10) == 0)
        {
            return Pick<FuzzJson>([Text("1"), new FuzzLiteral("null"), new FuzzLiteral("true"), new FuzzObject([]), new FuzzArray([new FuzzNumber("1", true)])]);
        }

        var (token, isInt) = Pick(Versions);
        return new FuzzNumber(token, Finite: isInt || token != "1e400");
    }

    private FuzzJson InteractionId() => _random.Next(8) switch
    {
        0 => new FuzzLiteral("null"),
        1 => Pick<FuzzJson>([String(valid: false), new FuzzNumber("1", true), new FuzzLiteral("false"), new FuzzObject([])]),
        2 or 3 => Text(Pick(InvalidInteractionIds)),
        _ => Text(Pick(ValidInteractionIds)),
    };

    /// <summary><c>parameters.metadata</c>: an array of <c>{ "key", "value" }</c>, keys sometimes repeated (the last wins).</summary>
    private FuzzJson InputMetadata()
    {
        if (_random.Next(12) == 0)
        {
            return Pick<FuzzJson>([new FuzzLiteral("null"), new FuzzObject([(Key("k"), new FuzzNumber("1", true))]), new FuzzObject([]), Text("[]"), new FuzzNumber("1", true)]);
        }

        var count = _random.Next(25) switch
        {
            0 => 64,
            1 => 65,
            _ => _random.Next(6),
        };
        var keys = new List<FuzzString>();
        var entries = new List<FuzzJson>();
        for (var i = 0; i < count; i++)
        {
            var key = keys.Count > 0 && _random.Next(5) == 0 ? Pick([.. keys]) : _random.Next(20) == 0 ? MetadataKey() : Key("k" + i);
            keys.Add(key);
            entries.Add(MetadataEntry(key));
        }

        return new FuzzArray(entries);
    }

    private FuzzJson MetadataEntry(FuzzString key)
    {
        if (_random.Next(25) == 0)
        {
            return Pick<FuzzJson>([new FuzzNumber("1", true), Text("k"), new FuzzLiteral("null"), new FuzzArray([]), new FuzzObject([])]);
        }

        var value = _random.Next(8) switch
        {
            0 => Pick<FuzzJson>([Text("1"), new FuzzLiteral("true"), new FuzzLiteral("null"), new FuzzObject([]), new FuzzArray([new FuzzNumber("1", true)]), Text("NaN")]),
            _ => Number(),
        };
        var properties = new List<(FuzzString, FuzzJson)>();
        if (_random.Next(30) != 0) properties.Add((Key("key"), _random.Next(30) == 0 ? Pick<FuzzJson>([new FuzzNumber("1", true), new FuzzLiteral("null")]) : key));
        if (_random.Next(30) != 0) properties.Add((Key("value"), value));
        Break(properties, ["key", "value", "name", "Key"]);
        return new FuzzObject([.. properties.OrderBy(_ => _random.Next())]);
    }

    /// <summary><c>parameters.privateMetadata</c>: any JSON kind (not an object: kept as <c>{ "value": ... }</c>), at or past its limits.</summary>
    private FuzzJson InputPrivateMetadata() => _random.Next(12) switch
    {
        0 => new FuzzLiteral("null"),
        1 => String(valid: _random.Next(3) != 0),
        2 => Number(),
        3 => Pick<FuzzJson>([new FuzzLiteral("true"), new FuzzLiteral("false"), Text("v")]),
        4 => new FuzzArray([.. Enumerable.Range(0, _random.Next(4)).Select(_ => Value(1 + _random.Next(8)))]),
        5 => EdgeOfPrivateLimits(objects: false),
        6 => EdgeOfPrivateLimits(objects: true),
        _ => PrivateObject(1 + _random.Next(10)),
    };

    /// <summary>Private metadata at its limits or one past them: 8 levels, 64 values (a non-object counts itself).</summary>
    private FuzzJson EdgeOfPrivateLimits(bool objects)
    {
        var past = _random.Next(2);
        if (_random.Next(2) == 0)
        {
            // Flat: an object of 64 or 65 values; an array of 63 or 64 (65 with the array itself).
            var items = Enumerable.Range(0, (objects ? 64 : 63) + past).Select(i => _random.Next(10) == 0 ? Value(0) : Text("v" + i)).ToList();
            return objects
                ? new FuzzObject([.. items.Select((item, i) => (Key("p" + i), item))])
                : new FuzzArray(items);
        }

        // Deep: 8 or 9 nested objects from the top; 7 or 8 nested arrays (kept under "value", the first is at level 2).
        FuzzJson node = Text("leaf");
        for (var level = (objects ? 8 : 7) + past; level > 0; level--)
        {
            node = objects ? new FuzzObject([(Key("p"), node)]) : new FuzzArray([node]);
        }

        return node;
    }

    private FuzzJson Billing()
    {
        if (_random.Next(10) == 0)
        {
            return Pick<FuzzJson>([new FuzzLiteral("null"), Text("cody"), new FuzzArray([]), new FuzzObject([]), new FuzzNumber("1", true)]);
        }

        var properties = new List<(FuzzString, FuzzJson)>();
        if (_random.Next(12) != 0) properties.Add((Key("product"), _random.Next(6) == 0 ? ClientText() : Text(Pick(["cody", "code_search"]))));
        if (_random.Next(12) != 0) properties.Add((Key("category"), _random.Next(6) == 0 ? ClientText() : Text(Pick(["core", "billable"]))));
        Break(properties, ["product", "category", "plan"]);
        return new FuzzObject([.. properties.OrderBy(_ => _random.Next())]);
    }

    private FuzzJson MarketingTracking()
    {
        if (_random.Next(10) == 0)
        {
            return Pick<FuzzJson>([new FuzzLiteral("null"), Text("https://example.com"), new FuzzArray([]), new FuzzNumber("1", true)]);
        }

        var properties = new List<(FuzzString, FuzzJson)>();
        foreach (var key in ClientEventInputReference.TrackingKeys)
        {
            if (_random.Next(3) == 0)
            {
                properties.Add((Key(key), _random.Next(20) switch
                {
                    0 => new FuzzLiteral("null"),
                    1 => Text(new string('u', 2048)),
                    2 => Text(new string('u', 2049)),
                    3 => String(valid: false),
                    4 => Value(0),
                    _ => Text(Pick(["https://example.com/a?b=c", "https:\\/\\/example.com", "c1", "\\u00e9", ""])),
                }));
            }
        }

        Break(properties, [.. ClientEventInputReference.TrackingKeys, "firstSourceUrl", "utm_source"]);
        return new FuzzObject([.. properties.OrderBy(_ => _random.Next())]);
    }

    // ---- GraphQL requests --------------------------------------------------------------------------------------

    private static readonly string[] OperationNames = ["ExportTelemetryEvents", "RecordTelemetryEvents"];
    private static readonly string[] Separators = [" ", " ", "  ", "\n", "\n  ", "\t", ",", ", ", "\r\n", " # a comment } {\n", "#\n", "\uFEFF", ",,\n"];

    /// <summary>
    /// The GraphQL request of Sourcegraph's exporters, <c>{ "query", "variables": { "events" }, "operationName" }</c>, with
    /// the mutation written in many ways, or another document; sometimes one part of the request is wrong.
    /// </summary>
    private Generated GraphQL()
    {
        var count = _random.Next(60) == 0 ? 101 + _random.Next(3) : _random.Next(6);
        var shape = _random.Next(3);
        var events = Enumerable.Range(0, count).Select(_ => Event(shape)).ToList();
        var (document, documentKind) = Document();
        var eventsArray = new FuzzArray(events);
        FuzzJson? query = FuzzString.Of(document.Text);
        FuzzJson? variables = new FuzzObject([(Key("events"), eventsArray)]);
        FuzzJson? operationName = _random.Next(3) switch
        {
            0 => null,
            1 => _random.Next(3) == 0 ? new FuzzLiteral("null") : null,
            _ => document.Operation is { } name ? Text(name) : Text(Pick(OperationNames)),
        };
        var extra = new List<(FuzzString, FuzzJson)>();
        if (_random.Next(15) == 0)
        {
            extra.Add((Key("extensions"), Pick<FuzzJson>([
                new FuzzObject([(Key("persistedQuery"), new FuzzObject([(Key("version"), new FuzzNumber("1", true)), (Key("sha256Hash"), Text("abc"))]))]),
                new FuzzLiteral("null"), new FuzzNumber("1", true), Value(2)])));
        }

        var kind = documentKind;
        if (_random.Next(4) == 0)
        {
            switch (_random.Next(14))
            {
                case 0:
                    kind = "no query";
                    query = null;
                    break;
                case 1:
                    kind = "query not a string";
                    query = Pick<FuzzJson>([new FuzzLiteral("null"), new FuzzNumber("1", true), new FuzzObject([]), new FuzzArray([FuzzString.Of(document.Text)])]);
                    break;
                case 2:
                    kind = "no variables";
                    variables = null;
                    break;
                case 3:
                    kind = "variables not an object";
                    variables = Pick<FuzzJson>([new FuzzLiteral("null"), eventsArray, Text("{}"), new FuzzNumber("1", true)]);
                    break;
                case 4:
                    kind = "variables without events";
                    variables = new FuzzObject([]);
                    break;
                case 5:
                    kind = "extra variable";
                    variables = new FuzzObject([.. new[] { (Key("events"), (FuzzJson)eventsArray), (Key(Pick(["other", "event", "Events", "input"])), Value(0)) }.OrderBy(_ => _random.Next())]);
                    break;
                case 6:
                    kind = "variables.events twice";
                    variables = new FuzzObject([(Key("events"), new FuzzArray([])), (Key("events"), eventsArray)]);
                    break;
                case 7:
                    kind = "variables.events not an array";
                    variables = new FuzzObject([(Key("events"), Pick([new FuzzObject([]), new FuzzLiteral("null"), new FuzzNumber("1", true), Text("[]"), events.FirstOrDefault() ?? new FuzzObject([])]))]);
                    break;
                case 8:
                    kind = "events at top level too";
                    extra.Add((Key("events"), _random.Next(2) == 0 ? new FuzzArray([]) : eventsArray));
                    break;
                case 9:
                    kind = "unknown top-level key";
                    extra.Add((Key(Pick(["id", "Query", "variable", "operation", "data"])), Value(0)));
                    break;
                case 10:
                    kind = "top-level key twice";
                    extra.Add(Pick([(Key("query"), (FuzzJson)FuzzString.Of(document.Text)), (Key("variables"), new FuzzObject([(Key("events"), new FuzzArray([]))]))]));
                    break;
                case 11:
                    kind = "operationName not a string";
                    operationName = Pick<FuzzJson>([new FuzzNumber("1", true), new FuzzLiteral("true"), new FuzzObject([]), new FuzzArray([])]);
                    break;
                case 12:
                    kind = "operationName mismatch";
                    operationName = Text(Pick(["", "Other", "exportTelemetryEvents", document.Operation == OperationNames[0] ? OperationNames[1] : OperationNames[0]]));
                    break;
                default:
                    kind = "lone surrogate top-level key";
                    extra.Add((String(valid: false), new FuzzNumber("1", true)));
                    break;
            }
        }

        var properties = new List<(FuzzString, FuzzJson)>(extra);
        if (query is not null) properties.Add((Key("query"), query));
        if (variables is not null) properties.Add((Key("variables"), variables));
        if (operationName is not null) properties.Add((Key("operationName"), operationName));
        var request = new FuzzObject([.. properties.OrderBy(_ => _random.Next())]);
        var path = _random.Next(6) switch
        {
            0 or 1 => "/api/telemetry?ExportTelemetryEvents",
            2 => "/api/telemetry?RecordTelemetryEvents",
            3 => "/api/telemetry?operationName=Other",
            _ => "/api/telemetry",
        };

        var text = request.ToString();
        var roll = _random.Next(100);
        if (roll < 4)
        {
            return new(Encoding.UTF8.GetBytes(text[.._random.Next(text.Length)]), null, Damaged: false, "graphql: truncated body", path);
        }

        if (roll < 10)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            Damage(bytes, out var damaged);
            return new(damaged, null, Damaged: true, "graphql: damaged bytes", path);
        }

        return FuzzObject.ContainsRaw(request)
            ? new(Encoding.UTF8.GetBytes(text), null, Damaged: false, "graphql: not JSON inside", path)
            : new(Encoding.UTF8.GetBytes(text), null, Damaged: false, "graphql" + (kind is null ? string.Empty : ": " + kind), path, request, document);
    }

    /// <summary>The accepted mutation under either name, written in one of many ways GraphQL allows; or another document.</summary>
    private (GraphQLDocument Document, string? Kind) Document()
    {
        var name = Pick(OperationNames);
        if (_random.Next(4) != 0)
        {
            return (new(Render(Mutation(name)), name), null);
        }

        var tokens = Mutation(name);
        var (kind, text) = _random.Next(18) switch
        {
            0 => ("document: a query", Pick(["query { currentUser { username } }", "query ExportTelemetryEvents { telemetry { __typename } }", "{ __typename }"])),
            1 => ("document: anonymous", "{ " + Render([.. tokens.Skip(13)])),
            2 => ("document: another name", Render(Mutation(Pick(["Other", "exportTelemetryEvents", "ExportTelemetryEvent", "RecordTelemetryEvents2", "_ExportTelemetryEvents"])))),
            3 => ("document: no name", Render([.. tokens.Where((_, i) => i != 1)])),
            4 => ("document: another variable type", Render(Replace(tokens, "TelemetryEventInput", Pick(["TelemetryEvent", "TelemetryEventInput!", "String"])))),
            5 => ("document: a nullable variable type", Render(RemoveAt(tokens, tokens.LastIndexOf("]") + (_random.Next(2) == 0 ? 1 : -1)))),
            6 => ("document: another variable", Render(Replace(tokens, "events", Pick(["evts", "event", "input"])))),
            7 => ("document: another field", Render(InsertInSelection(tokens, Pick(["foo", "alwaysNull", "id", "__schema", "telemetry", "recordEvents"])))),
            8 => ("document: truncated", Truncate(Render(tokens, trailing: false))),
            9 => ("document: two operations", Render(tokens, trailing: false) + Pick([" query X { a }", " mutation RecordTelemetryEvents($events: [TelemetryEventInput!]!) { telemetry { recordEvents(events: $events) { alwaysNil } } }", " {}"])),
            10 => ("document: trailing text", Render(tokens, trailing: false) + Pick(["}", " x", " \"s\"", " 1", " $"])),
            11 => ("document: a directive", Render(Insert(tokens, tokens.IndexOf("telemetry") + 1, Pick(["@include(if: true)", "@skip(if: false)"])))),
            12 => ("document: an alias", Render(Replace(tokens, "recordEvents", "r: recordEvents"))),
            13 => ("document: empty", Pick(["", "  ", "\n", "# mutation ExportTelemetryEvents($events: [TelemetryEventInput!]!) { telemetry { recordEvents(events: $events) { alwaysNil } } }", ","])),
            14 => ("document: a subscription", Render(Replace(tokens, "mutation", Pick(["subscription", "query", "Mutation"])))),
            15 => ("document: a literal argument", Render(Replace(tokens, "$", Pick(["\"x\"", "[]", "1"])))),
            16 => ("document: no selection", Render(RemoveSelection(tokens))),
            _ => ("document: a fragment", Render(Insert(tokens, tokens.IndexOf("{", tokens.IndexOf("recordEvents")) + 1, "...F"), trailing: false) + " fragment F on EmptyResponse { alwaysNil }"),
        };
        return (new(text, null), kind);
    }

    /// <summary>The mutation's tokens, with <c>__typename</c> in some selections and the fields in some order.</summary>
    private List<string> Mutation(string name)
    {
        var recordEvents = _random.Next(20) switch
        {
            < 12 => new List<string> { "alwaysNil" },
            < 15 => ["__typename"],
            < 19 => ["alwaysNil", "__typename"],
            _ => ["alwaysNil", "__typename", Pick(["alwaysNil", "__typename"])],
        };
        List<string> recordEventsField = ["recordEvents", "(", "events", ":", "$", "events", ")", "{", .. recordEvents.OrderBy(_ => _random.Next()), "}"];
        List<string> telemetryField = ["telemetry", "{", .. WithTypeName(recordEventsField), "}"];
        return ["mutation", name, "(", "$", "events", ":", "[", "TelemetryEventInput", "!", "]", "!", ")", "{", .. WithTypeName(telemetryField), "}"];
    }

    /// <summary>The field, with <c>__typename</c> before or after it (or both) sometimes.</summary>
    private List<string> WithTypeName(List<string> field) => _random.Next(8) switch
    {
        0 => ["__typename", .. field],
        1 => [.. field, "__typename"],
        2 => ["__typename", .. field, "__typename"],
        _ => field,
    };

    /// <summary>Writes tokens with GraphQL's ignored tokens between them: white space, commas, comments, a byte order mark.</summary>
    private string Render(List<string> tokens, bool trailing = true)
    {
        var text = new StringBuilder();
        var compact = _random.Next(4) == 0;
        if (_random.Next(6) == 0) text.Append(Pick(Separators));
        for (var i = 0; i < tokens.Count; i++)
        {
            if (i > 0)
            {
                var needed = IsNamePart(tokens[i - 1][^1]) && IsNamePart(tokens[i][0]);
                text.Append(compact && !needed ? string.Empty : _random.Next(5) == 0 || needed ? Pick(Separators) : " ");
            }

            text.Append(tokens[i]);
        }

        if (trailing && _random.Next(6) == 0) text.Append(Pick([.. Separators, "# the end"]));
        return text.ToString();

        static bool IsNamePart(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';
    }

    /// <summary>Cuts a document before its last closing brace: never the whole mutation.</summary>
    private string Truncate(string document) => document[.._random.Next(document.LastIndexOf('}') + 1)];

    private List<string> Replace(List<string> tokens, string token, string with)
    {
        var at = Enumerable.Range(0, tokens.Count).Where(i => tokens[i] == token).ToList();
        var copy = tokens.ToList();
        copy[Pick([.. at])] = with;
        return copy;
    }

    private static List<string> Insert(List<string> tokens, int at, string token)
    {
        var copy = tokens.ToList();
        copy.Insert(at, token);
        return copy;
    }

    /// <summary>Adds a field after the opening brace of one of the three selections.</summary>
    private List<string> InsertInSelection(List<string> tokens, string field)
    {
        var braces = Enumerable.Range(0, tokens.Count).Where(i => tokens[i] == "{").ToList();
        return Insert(tokens, Pick([.. braces]) + 1, field);
    }

    private static List<string> RemoveAt(List<string> tokens, int at) => [.. tokens.Where((_, i) => i != at)];

    /// <summary>Drops <c>recordEvents</c>' selection (its braces and fields), or leaves the braces empty.</summary>
    private List<string> RemoveSelection(List<string> tokens)
    {
        var open = tokens.IndexOf("{", tokens.IndexOf("recordEvents"));
        var close = tokens.IndexOf("}", open);
        var keepBraces = _random.Next(2) == 0;
        return [.. tokens.Where((_, i) => i < open || i > close || (keepBraces && (i == open || i == close)))];
    }

    private T Pick<T>(T[] items) => items[_random.Next(items.Length)];
}
