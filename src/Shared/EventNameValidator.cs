// Linked into TelemetryHosting, TelemetryHosting.DevGateway and TelemetryHosting.Generators so that the recorder, the
// development gateway and the [TelemetryEvent] diagnostics apply one rule set: the Go gateway's checks in their order
// (docs/gateway-contract.md, "A well-formed event").
using System.Text;

namespace TelemetryHosting.Shared;

/// <summary>Validates event feature and action names exactly as the Telemetry Gateway does.</summary>
internal static class EventNameValidator
{
    /// <summary>The longest feature or action, in UTF-8 bytes, that the gateway accepts.</summary>
    public const int MaxLength = 64;

    public const string BothRequiredMessage = "'feature', 'action' must both be provided";
    public const string FeatureTooLongMessage = "'feature' must be less than 64 characters";
    public const string ActionTooLongMessage = "'action' must be less than 64 characters";
    public const string FeaturePatternMessage = "'feature' must start with a lowercase letter and contain only letters, dashes, and dots";
    public const string ActionPatternMessage = "'action' must start with a lowercase letter and contain only letters, dashes, and dots";

    /// <summary>Returns the gateway's message for the first rule that fails, or <see langword="null"/> when both are valid.</summary>
    public static string? Validate(string? feature, string? action)
    {
        // Spelled out rather than string.IsNullOrEmpty: netstandard2.0 (the source generator links this file) does not
        // annotate it for nullable analysis.
        if (feature is null || action is null || feature.Length == 0 || action.Length == 0)
        {
            return BothRequiredMessage;
        }

        if (IsTooLong(feature))
        {
            return FeatureTooLongMessage;
        }

        if (IsTooLong(action))
        {
            return ActionTooLongMessage;
        }

        if (!MatchesPattern(feature))
        {
            return FeaturePatternMessage;
        }

        return MatchesPattern(action) ? null : ActionPatternMessage;
    }

    // Equivalent to the gateway's RE2 pattern ^[a-z][a-zA-Z-\.]+$ anchored at the true end of the string
    // (.NET's $ would also accept a trailing newline). A hand-written scan avoids the regex engine on the
    // recording hot path.
    private static bool MatchesPattern(string value)
    {
        if (value.Length < 2 || !char.IsAsciiLetterLower(value[0]))
        {
            return false;
        }

        foreach (var c in value.AsSpan(1))
        {
            if (!char.IsAsciiLetter(c) && c != '-' && c != '.')
            {
                return false;
            }
        }

        return true;
    }

    // Up to 21 UTF-16 units cannot exceed 64 UTF-8 bytes, so the byte count is only taken for longer names.
    private static bool IsTooLong(string value) =>
        value.Length > MaxLength / 3 && Encoding.UTF8.GetByteCount(value) > MaxLength;
}
