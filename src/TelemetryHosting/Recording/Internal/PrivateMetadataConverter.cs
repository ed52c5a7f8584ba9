using System.Collections;
using System.Globalization;
using Google.Protobuf.WellKnownTypes;

namespace TelemetryHosting.Recording.Internal;

/// <summary>
/// Converts private metadata into a protobuf <see cref="Struct"/>. Error messages name types, list indexes and the
/// top-level key only, never values nor the keys of nested dictionaries (<c>privateMetadata.m.&lt;key&gt;[1]</c>): private
/// metadata may be sensitive, and a nested dictionary's keys are often data too (a map keyed by e-mail address).
/// </summary>
internal static class PrivateMetadataConverter
{
    private const int MaxDepth = 32;
    private const string RootPath = "privateMetadata";

    public static Struct ToStruct(IReadOnlyDictionary<string, object?> values)
    {
        return ToStruct(values, RootPath, depth: 0);
    }

    /// <summary>
    /// Converts the private metadata of a generated event: values under keys its definition has checked already (not
    /// empty, none twice), in the keys' order.
    /// </summary>
    public static Struct ToStruct(ReadOnlySpan<string> keys, ReadOnlySpan<object?> values)
    {
        var result = new Struct();
        for (var i = 0; i < values.Length; i++)
        {
            result.Fields[keys[i]] = ToValue(values[i], new ValuePath(RootPath, keys[i], -1), depth: 1);
        }

        return result;
    }

    private static Struct ToStruct(IEnumerable<KeyValuePair<string, object?>> values, string path, int depth)
    {
        var result = new Struct();
        foreach (var (key, value) in values)
        {
            if (string.IsNullOrEmpty(key))
            {
                throw new ArgumentException($"Private metadata keys must not be empty (in '{path}').");
            }

            result.Fields[key] = ToValue(value, new ValuePath(path, key, -1), depth + 1);
        }

        return result;
    }

    private static Value ToValue(object? value, ValuePath path, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new ArgumentException($"Private metadata is nested more than {MaxDepth} levels deep at '{path}'.");
        }

        switch (value)
        {
            case null:
                return Value.ForNull();
            case string s:
                return Value.ForString(s);
            case bool b:
                return Value.ForBool(b);
            case double d:
                return Number(d, path);
            case float f:
                return Number(f, path);
            case int or long or short or byte or sbyte or ushort or uint or ulong or decimal:
                return Value.ForNumber(Convert.ToDouble(value, CultureInfo.InvariantCulture));
            case Guid or DateTime or DateTimeOffset or System.Enum:
                return Value.ForString(Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty);
            case IEnumerable<KeyValuePair<string, object?>> map:
                return Value.ForStruct(ToStruct(map, path.ToString(), depth));
            case IDictionary dictionary:
                var dictionaryPath = path.ToString();
                return Value.ForStruct(ToStruct(StringKeyed(dictionary, dictionaryPath), dictionaryPath, depth));
            case IEnumerable list:
                var listPath = path.ToString();
                var values = new List<Value>();
                var index = 0;
                foreach (var item in list)
                {
                    values.Add(ToValue(item, new ValuePath(listPath, null, index++), depth + 1));
                }

                return Value.ForList([.. values]);
            default:
                throw new ArgumentException(
                    $"Private metadata value at '{path}' has unsupported type {value.GetType()}; use strings, numbers, booleans, null, dictionaries or lists.");
        }
    }

    private static Value Number(double value, ValuePath path)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentException($"Private metadata number at '{path}' must be finite.");
        }

        return Value.ForNumber(value);
    }

    private static IEnumerable<KeyValuePair<string, object?>> StringKeyed(IDictionary dictionary, string path)
    {
        foreach (DictionaryEntry entry in dictionary)
        {
            if (entry.Key is not string key)
            {
                throw new ArgumentException($"Private metadata dictionary at '{path}' must have string keys.");
            }

            yield return new KeyValuePair<string, object?>(key, entry.Value);
        }
    }

    /// <summary>
    /// Where a value sits, for error messages: its container's path and its key or index. A top-level key, which the
    /// developer chose, is named; a nested dictionary's key, which may be data, is written <c>&lt;key&gt;</c>. The string
    /// is composed only when needed (an error, or a nested container), not for every value recorded.
    /// </summary>
    private readonly struct ValuePath(string parent, string? key, int index)
    {
        public override string ToString() => key is null ? $"{parent}[{index}]"
            : string.Equals(parent, RootPath, StringComparison.Ordinal) ? $"{parent}.{key}"
            : $"{parent}.<key>";
    }
}
