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
                : error.StartsWith("'feature'", StringComparison.Ordinal) ? nameof(feature)
                : nameof(action);
            throw new ArgumentException(error, parameter);
        }
    }

    public static KeyValuePair<string, double>[]? CopyMetadata(IReadOnlyDictionary<string, double>? metadata)
    {
        if (metadata is null || metadata.Count == 0)
        {
            return null;
        }

        var copy = new KeyValuePair<string, double>[metadata.Count];
        var i = 0;
        if (metadata is Dictionary<string, double> dictionary)
        {
            // The concrete type's struct enumerator keeps the hot path free of an enumerator allocation.
            foreach (var entry in dictionary)
            {
                copy[i++] = CheckMetadata(entry);
            }
        }
        else
        {
            foreach (var entry in metadata)
            {
                copy[i++] = CheckMetadata(entry);
            }
        }

        return copy;
    }

    private static KeyValuePair<string, double> CheckMetadata(KeyValuePair<string, double> entry)
    {
        if (string.IsNullOrEmpty(entry.Key))
        {
            throw new ArgumentException("Metadata keys must not be empty.");
        }

        if (!double.IsFinite(entry.Value))
        {
            throw new ArgumentException($"Metadata value '{entry.Key}' must be a finite number, but is {entry.Value}.");
        }

        return entry;
    }

    public static KeyValuePair<string, bool>[]? CopyFlags(IReadOnlyDictionary<string, bool>? flags)
    {
        if (flags is null || flags.Count == 0)
        {
            return null;
        }

        var copy = new KeyValuePair<string, bool>[flags.Count];
        var i = 0;
        foreach (var entry in flags)
        {
            if (string.IsNullOrEmpty(entry.Key))
            {
                throw new ArgumentException("Feature flag names must not be empty.");
            }

            copy[i++] = entry;
        }

        return copy;
    }
}
