using System.Runtime.InteropServices;
using TelemetryHosting.Shared;

namespace TelemetryHosting.DevGateway.Internal;

/// <summary>
/// Counts of received events per second (the last <see cref="Seconds"/> seconds) and per feature and action (since the
/// start or the last clear), for the page's chart and table. Not thread-safe: the store locks around it.
/// </summary>
internal sealed class EventStatistics
{
    /// <summary>How many seconds of per-second counts are kept.</summary>
    public const int Seconds = 300;

    /// <summary>
    /// How many feature/action pairs first seen on an event with valid names (published, failed by fault injection or
    /// oversize) are counted apart; the rest are counted under <see cref="Other"/>.
    /// </summary>
    public const int MaxNames = 1000;

    /// <summary>
    /// How many feature/action pairs first seen on an invalid event are counted apart; the rest are counted under
    /// <see cref="Other"/>. Apart from <see cref="MaxNames"/>, so that invalid events with made-up names cannot use up
    /// the rows of real features.
    /// </summary>
    public const int MaxInvalidNames = 100;

    /// <summary>The feature and action under which pairs beyond <see cref="MaxNames"/> or <see cref="MaxInvalidNames"/> are counted.</summary>
    public const string Other = "(other)";

    // Invalid events may carry any feature or action (up to 90 MiB): only this much of each is kept as a key.
    private const int MaxNameLength = 64;

    private readonly long[] _bucketSecond = new long[Seconds];
    private readonly EventCounts[] _buckets = new EventCounts[Seconds];
    private readonly Dictionary<(string Feature, string Action), EventCounts> _byName = [];
    private int _names;
    private int _invalidNames;

    public void Count(DateTimeOffset receivedAt, string feature, string action, EventStatus status)
    {
        var second = receivedAt.ToUnixTimeSeconds();
        var slot = SlotOf(second);
        if (_bucketSecond[slot] != second)
        {
            _bucketSecond[slot] = second;
            _buckets[slot] = default;
        }

        _buckets[slot].Add(status);

        var key = (Truncate(feature), Truncate(action));
        if (!_byName.ContainsKey(key))
        {
            // Failed and oversize events passed validation: their names are as real as a published event's.
            var invalid = status == EventStatus.Invalid;
            ref var used = ref invalid ? ref _invalidNames : ref _names;
            if (used < (invalid ? MaxInvalidNames : MaxNames))
            {
                used++;
            }
            else
            {
                key = (Other, Other);
            }
        }

        CollectionsMarshal.GetValueRefOrAddDefault(_byName, key, out _).Add(status);
    }

    /// <summary>Returns the counts of the <paramref name="seconds"/> seconds ending with <paramref name="now"/>'s, oldest first.</summary>
    public (long Second, EventCounts Counts)[] PerSecond(DateTimeOffset now, int seconds)
    {
        var last = now.ToUnixTimeSeconds();
        var result = new (long, EventCounts)[seconds];
        for (var i = 0; i < seconds; i++)
        {
            var second = last - seconds + 1 + i;
            var slot = SlotOf(second);
            result[i] = (second, _bucketSecond[slot] == second ? _buckets[slot] : default);
        }

        return result;
    }

    /// <summary>Returns the counts per feature and action.</summary>
    public KeyValuePair<(string Feature, string Action), EventCounts>[] PerName() => [.. _byName];

    public void Clear()
    {
        Array.Clear(_bucketSecond);
        Array.Clear(_buckets);
        _byName.Clear();
        _names = 0;
        _invalidNames = 0;
    }

    // The bucket of a second; seconds before 1970 are negative.
    private static int SlotOf(long second) => (int)(((second % Seconds) + Seconds) % Seconds);

    private static string Truncate(string name) => TextClip.Clip(name, MaxNameLength);
}
