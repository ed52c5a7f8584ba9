using TelemetryHosting.Shared;

namespace TelemetryHosting.Recording.Internal;

/// <summary>
/// The checks and copies <see cref="ITelemetryRecorder.Record"/> applies to its arguments. Linked into
/// TelemetryHosting.Testing as well, so that the fake telemetry recorder refuses exactly what the real one refuses.
/// </summary>
internal static class RecordedParameters
{
    // The last valid pair this thread recorded. Services record a few names, mostly string literals, over and over; the
    // same two string instances (strings are immutable) need not be scanned again.
    [ThreadStatic]
    private static string? t_validFeature;

    [ThreadStatic]
    private static string? t_validAction;

    /// <summary>Throws the gateway's own message when the names break its rules.</summary>
    public static void ThrowIfInvalidName(string feature, string action)
    {
        if (ReferenceEquals(feature, t_validFeature) && ReferenceEquals(action, t_validAction))
        {
            return;
        }

        ThrowIfInvalidNameSlow(feature, action);
        t_validFeature = feature;
        t_validAction = action;
    }

    private static void ThrowIfInvalidNameSlow(string feature, string action)
    {
        var error = EventNameValidator.Validate(feature, action);
        if (error is not null)
        {
            var parameter = string.IsNullOrEmpty(feature) ? nameof(feature)
                : string.IsNullOrEmpty(action) ? nameof(action)
                : error is EventNameValidator.FeatureTooLongMessage or EventNameValidator.FeaturePatternMessage ? nameof(feature)
                : nameof(action);
            throw new ArgumentException(error, parameter);
        }
    }

    /// <summary>The most UTF-16 characters a marketing tracking property may hold (the URL length browsers reliably support).</summary>
    public const int MaxMarketingTrackingLength = 2048;

    /// <summary>
    /// Throws when a marketing tracking property is longer than <see cref="MaxMarketingTrackingLength"/> or holds a lone
    /// surrogate (which UTF-8 encoding would silently replace with U+FFFD). The instance is immutable: it is kept, not copied.
    /// </summary>
    public static TelemetryMarketingTracking? CheckMarketingTracking(TelemetryMarketingTracking? tracking)
    {
        if (tracking is not null)
        {
            CheckMarketingTrackingText(tracking.Url, nameof(TelemetryMarketingTracking.Url));
            CheckMarketingTrackingText(tracking.FirstSourceUrl, nameof(TelemetryMarketingTracking.FirstSourceUrl));
            CheckMarketingTrackingText(tracking.CohortId, nameof(TelemetryMarketingTracking.CohortId));
            CheckMarketingTrackingText(tracking.Referrer, nameof(TelemetryMarketingTracking.Referrer));
            CheckMarketingTrackingText(tracking.LastSourceUrl, nameof(TelemetryMarketingTracking.LastSourceUrl));
            CheckMarketingTrackingText(tracking.DeviceSessionId, nameof(TelemetryMarketingTracking.DeviceSessionId));
            CheckMarketingTrackingText(tracking.SessionReferrer, nameof(TelemetryMarketingTracking.SessionReferrer));
            CheckMarketingTrackingText(tracking.SessionFirstUrl, nameof(TelemetryMarketingTracking.SessionFirstUrl));
        }

        return tracking;
    }

    private static void CheckMarketingTrackingText(string? value, string property)
    {
        if (value is null)
        {
            return;
        }

        if (value.Length > MaxMarketingTrackingLength)
        {
            throw new ArgumentException(
                $"Marketing tracking {property} must be at most {MaxMarketingTrackingLength} characters long, but is {value.Length}.");
        }

        if (IndexOfLoneSurrogate(value) is var index and >= 0)
        {
            throw new ArgumentException($"Marketing tracking {property} is not valid UTF-16: it has a lone surrogate at index {index}.");
        }
    }

    private static int IndexOfLoneSurrogate(string value)
    {
        var start = 0;
        while (true)
        {
            var found = value.AsSpan(start).IndexOfAnyInRange('\uD800', '\uDFFF');
            if (found < 0)
            {
                return -1;
            }

            var at = start + found;
            if (!char.IsHighSurrogate(value[at]) || at + 1 == value.Length || !char.IsLowSurrogate(value[at + 1]))
            {
                return at;
            }

            start = at + 2;
        }
    }

    public static KeyValuePair<string, double>[]? CopyMetadata(IReadOnlyDictionary<string, double>? metadata) =>
        Copy<double, MetadataCheck>(metadata);

    /// <summary>
    /// The metadata of a generated event: the present values (a <see langword="null"/> leaves its key out) under keys
    /// its definition has checked already; <see langword="null"/> for none. Each value is checked as
    /// <see cref="CopyMetadata(IReadOnlyDictionary{string, double}?)"/> checks it.
    /// </summary>
    public static KeyValuePair<string, double>[]? CopyMetadata(ReadOnlySpan<string> keys, ReadOnlySpan<double?> values)
    {
        var count = 0;
        foreach (var value in values)
        {
            count += value.HasValue ? 1 : 0;
        }

        if (count == 0)
        {
            return null;
        }

        var copy = new KeyValuePair<string, double>[count];
        var j = 0;
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] is { } value)
            {
                ThrowIfNotFinite(keys[i], value);
                copy[j++] = new KeyValuePair<string, double>(keys[i], value);
            }
        }

        return copy;
    }

    public static KeyValuePair<string, bool>[]? CopyFlags(IReadOnlyDictionary<string, bool>? flags) =>
        Copy<bool, FlagCheck>(flags);

    /// <summary>
    /// Copies the entries, checking each; <see langword="null"/> for none. The check is a struct type argument, so that
    /// the hot path calls it directly (no delegate).
    /// </summary>
    private static KeyValuePair<string, T>[]? Copy<T, TCheck>(IReadOnlyDictionary<string, T>? source)
        where TCheck : struct, IEntryCheck<T>
    {
        if (source is null || source.Count == 0)
        {
            return null;
        }

        var copy = new KeyValuePair<string, T>[source.Count];
        var i = 0;
        if (source is Dictionary<string, T> dictionary)
        {
            // The concrete type's struct enumerator keeps the hot path free of an enumerator allocation.
            foreach (var entry in dictionary)
            {
                copy[i++] = TCheck.Check(entry);
            }
        }
        else
        {
            foreach (var entry in source)
            {
                copy[i++] = TCheck.Check(entry);
            }
        }

        return copy;
    }

    private interface IEntryCheck<T>
    {
        static abstract KeyValuePair<string, T> Check(KeyValuePair<string, T> entry);
    }

    private readonly struct MetadataCheck : IEntryCheck<double>
    {
        public static KeyValuePair<string, double> Check(KeyValuePair<string, double> entry) => CheckMetadata(entry);
    }

    private readonly struct FlagCheck : IEntryCheck<bool>
    {
        public static KeyValuePair<string, bool> Check(KeyValuePair<string, bool> entry) => CheckFlag(entry);
    }

    private static KeyValuePair<string, double> CheckMetadata(KeyValuePair<string, double> entry)
    {
        if (string.IsNullOrEmpty(entry.Key))
        {
            throw new ArgumentException("Metadata keys must not be empty.");
        }

        ThrowIfNotFinite(entry.Key, entry.Value);
        return entry;
    }

    private static void ThrowIfNotFinite(string key, double value)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentException($"Metadata value '{key}' must be a finite number, but is {value}.");
        }
    }

    private static KeyValuePair<string, bool> CheckFlag(KeyValuePair<string, bool> entry)
    {
        if (string.IsNullOrEmpty(entry.Key))
        {
            throw new ArgumentException("Feature flag names must not be empty.");
        }

        return entry;
    }
}
